"""Anchors A1-A3 and D1-D3 reproduce the literature through the simulator's own mechanisms,
and fail when a mechanism they measure is broken."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import best_of_n, voting
from sim.validate import ANCHORS

ELECTORAL = ("A1", "A2", "A3", "D1", "D2", "D3")


def failures(anchor_id: str, seed: int | None = None) -> list[str]:
    checks = ANCHORS[anchor_id].run(seed)
    assert checks, f"{anchor_id} returned no checks"
    return [
        f"{c.label}: expected {c.expected}, measured {c.measured} ({c.tolerance})"
        for c in checks
        if not c.passed
    ]


@pytest.mark.parametrize("anchor_id", ELECTORAL)
def test_anchor_passes(anchor_id):
    assert not failures(anchor_id), failures(anchor_id)


@pytest.mark.parametrize("anchor_id", ("A1", "A2"))
def test_monte_carlo_anchors_pass_under_another_seed(anchor_id):
    assert not failures(anchor_id, seed=7)


def test_a_broken_selection_fails_a1_a2_a3(monkeypatch):
    """Selecting the worst proposal instead of the best must be caught."""
    monkeypatch.setattr(best_of_n, "select_batch", lambda s: np.argmin(s, axis=-1))
    for anchor_id in ("A1", "A2", "A3"):
        assert failures(anchor_id), f"{anchor_id} passed with a broken selection"


def test_a_retrospective_rule_that_always_reelects_fails_d3(monkeypatch):
    monkeypatch.setattr(voting, "retrospective", lambda ideals, p, inc, a, c: (inc, None))
    assert failures("D3")
