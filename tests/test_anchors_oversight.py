"""Anchors A4, A5, C1-C4 pass and measure the mechanisms: break a mechanism and its anchor
fails. (Their run time is a benchmark, `python -m benchmarks institution`, not a test.)"""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import control, kl_budget
from sim.oversight import debate, panel
from sim.validate import ANCHORS

OURS = ("A4", "A5", "C1", "C2", "C3", "C4")


def failed(anchor_id: str) -> list[str]:
    return [c.label for c in ANCHORS[anchor_id].run() if not c.passed]


def test_our_anchors_pass():
    problems = {a: failed(a) for a in OURS}
    assert not any(problems.values()), problems


def test_anchors_are_registered_with_sources():
    for a in OURS:
        assert ANCHORS[a].source and ANCHORS[a].title


def test_c1_measures_the_panel(monkeypatch):
    """A panel that ignores its monitors' accuracy (coin flips) fails Condorcet."""

    def coin(rng, harmful, size, accuracy, correlation):
        return rng.binomial(size, 0.5, harmful.shape[0])

    monkeypatch.setattr(panel, "votes_harmful", coin)
    assert "p=0.6, n=51" in failed("C1")


def test_c2_measures_the_protocol(monkeypatch):
    """Auditing one task too few shifts red's best response and the blue win rate."""
    real = control.in_upfront_window
    monkeypatch.setattr(control, "in_upfront_window", lambda s, n, f: real(s, n, f * 0.5))
    assert "exact, best p, N=1000" in failed("C2")


def test_c3_measures_the_monitor(monkeypatch):
    """A monitor that never sees attacks (d' = 0) breaks the safety numbers."""
    real = control.suspicion
    monkeypatch.setattr(control, "suspicion", lambda rng, h, d, c: real(rng, h, 0.0, c))
    labels = failed("C3")
    assert "safety, defer 0% (calibrated)" in labels


def test_c4_measures_the_judge(monkeypatch):
    """If arguments did not reach the judge, debate could not beat consultancy."""

    def blind(rng, n, fmt, skill, advantage, accuracy):
        return rng.random(n) < accuracy

    monkeypatch.setattr(debate, "judge_correct", blind)
    assert "stronger debaters help the judge" in failed("C4")


def test_a5_measures_the_deployed_agents(monkeypatch):
    """Schemers whose attack ignores the KL budget (tilted with 5x eps) fail A5, and so do
    stochastic agents whose deviation is aimed at the catastrophe."""
    real = kl_budget.event_rate
    monkeypatch.setattr(kl_budget, "event_rate", lambda p0, eps: real(p0, 5 * eps))
    assert "simulated schemers' catastrophe rate, eps=0.01" in failed("A5")
    monkeypatch.undo()
    monkeypatch.setattr(kl_budget, "random_overlap", lambda rng, n, dims: np.ones(n))
    assert "stochastic agents' rate: overlap prediction, D=1, p0=0.01, eps=0.5" in failed("A5")


def test_a4_measures_the_tilt(monkeypatch):
    """A tilt solved to the wrong budget misses sqrt(2 eps)."""
    real = kl_budget.tilt_to_budget
    monkeypatch.setattr(kl_budget, "tilt_to_budget", lambda x, w, eps: real(x, w, 1.1 * eps))
    assert "proxy gain, eps=0.1 (grid)" in failed("A4")


@pytest.mark.parametrize("n", [1_000, 10_000])
def test_upfront_game_simulation_agrees_with_its_exact_evaluation(n):
    proto, c = control.Protocol("upfront_auditing", audit=0.02), 0.53
    p = control.best_attack_rate(proto, n, c)
    out = control.play(np.random.default_rng(n), proto, n, p, c, 20_000)
    red, exact = float(np.mean(out < 0)), control.red_win(proto, n, p, c)
    assert abs(red - exact) < 3 * np.sqrt(exact * (1 - exact) / out.size)
