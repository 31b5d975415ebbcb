"""Anchors A1-A3, D1-D3 and the calibration anchors E3a-E3b reproduce the literature and the
stylized facts through the simulator's own mechanisms, and fail when a mechanism they measure
is broken."""

from __future__ import annotations

import numpy as np
import pytest

from sim import electorate as el
from sim.mechanisms import best_of_n, voting
from sim.validate import ANCHORS

ELECTORAL = ("A1", "A2", "A3", "D1", "D2", "D3", "E3a", "E3b")


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


def test_a_kl_that_restates_the_formula_fails_a1(monkeypatch):
    """An 'estimator' that returns log n - (n-1)/n whatever happened must be caught by the
    identical-proposal, noisy-scorer and atom rows."""
    monkeypatch.setattr(
        best_of_n,
        "log_density_ratio",
        lambda rescores, pool, n: np.full(np.shape(rescores)[:-1], best_of_n.kl_bound(n)),
    )
    failed = failures("A1")
    assert any("identical" in f for f in failed) and any("noisy" in f for f in failed)
    assert any("clipped" in f for f in failed)


def test_the_uncalibrated_aspiration_fails_e3a(monkeypatch):
    """Aspirations that ignore what voters can expect of a government (the old absolute 0)
    re-elect the incumbent almost always: outside the band of governing parties."""
    from sim.validate.stylized_facts import REELECTION_BAND, reelection_rates

    monkeypatch.setattr(el.Electorate, "set_expectations", lambda self, *a, **k: None)
    rates = reelection_rates(seed=1, seeds=4, elections=10)  # far outside: a small sample
    se = float(rates.std(ddof=1) / np.sqrt(rates.size))
    assert rates.mean() - 3 * se > REELECTION_BAND[1], (rates.mean(), se)
