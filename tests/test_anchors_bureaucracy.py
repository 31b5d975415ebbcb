"""Anchors B1-B3 pass, and they measure the mechanisms: break a mechanism and its anchor fails."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import multitask, niskanen
from sim.validate import ANCHORS


@pytest.mark.parametrize("anchor_id", ["B1", "B2", "B3"])
def test_anchor_passes(anchor_id):
    checks = ANCHORS[anchor_id].run()
    failed = [(c.label, c.expected, c.measured) for c in checks if not c.passed]
    assert checks and not failed


def test_b1_measures_the_agents_effort_choice(monkeypatch):
    """An agent that over-works (effort 2x its optimum) moves the principal's beta*."""
    real = multitask.LENModel.best_effort
    monkeypatch.setattr(multitask.LENModel, "best_effort", lambda self, b: 2 * real(self, b))
    multitask.single_task_incentive.cache_clear()
    try:
        checks = ANCHORS["B1"].run()
    finally:
        multitask.single_task_incentive.cache_clear()
    assert not all(c.passed for c in checks if c.label.startswith("beta*"))


def test_b2_measures_the_optimizer(monkeypatch):
    """An optimizer that never leaves its start cannot starve the unmeasured dimensions."""
    monkeypatch.setattr(
        multitask, "proxy_ascent", lambda e0, w, floor, lr, steps: np.tile(e0, (steps + 1, 1))
    )
    checks = {c.label: c.passed for c in ANCHORS["B2"].run()}
    assert not checks["unmeasured effort at the end"] and not checks["true utility falls"]


def test_b3_measures_the_bureau_offer(monkeypatch):
    """A bureau that offers the efficient contract fails the Niskanen anchor."""

    def honest(accepts, cost):
        return niskanen.priced_purchase(niskanen.Sponsor(10.0, 1.0), cost)

    monkeypatch.setattr(niskanen, "budget_offer", honest)
    checks = {c.label: c.passed for c in ANCHORS["B3"].run()}
    assert not checks["Q_B (a=10, b=1, c=6)"]
