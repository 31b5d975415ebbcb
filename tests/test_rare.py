"""Rare-event estimators (issue 14, sim/rare/): interfaces, seeded reproducibility, and the
stated 95% intervals covering the exact probability at their nominal rate over repeated seeds,
with binomial tolerances (3 SE of a coverage proportion over REPS runs)."""

from __future__ import annotations

import math

import pytest

from sim.rare import ams, importance, mc, surprise
from sim.rare.system import CaptureChain, IndependentLayers, System, TiltedSystem, make
from sim.validate import ANCHORS

REPS = 200
COVER_SE = math.sqrt(0.95 * 0.05 / REPS)


def coverage(estimates, exact: float) -> float:
    return sum(e.ci[0] <= exact <= e.ci[1] for e in estimates) / len(estimates)


def test_test_systems_follow_the_protocols_and_name_their_parameters():
    for name in ("layers", "catastrophe", "chain"):
        for p in (1e-3, 1e-6, 1e-9):
            system = make(name, p)
            assert isinstance(system, System) and isinstance(system, TiltedSystem)
            assert system.exact() == pytest.approx(p, rel=1e-9)


def test_a_clone_shares_the_past_and_draws_a_fresh_future():
    chain = CaptureChain(40, 0.05, 30)
    state = chain.start(1)
    for _ in range(10):
        state = chain.step(state)
    a, b = chain.clone(state, 2), chain.clone(state, 3)
    assert a.x == b.x == state.x and a.t == b.t == 10
    for _ in range(20):
        a, b = chain.step(a), chain.step(b)
    assert a.x != b.x and state.t == 10  # the snapshot is untouched


def test_as_json_has_exactly_the_tail_keys_and_surprise_is_in_bits():
    est = mc.estimate(IndependentLayers(2, 0.5), 400, 1)
    assert set(est.as_json()) == {"p", "ci", "rel_error", "ess", "model_steps", "bits", "method"}
    assert est.bits == pytest.approx(-math.log2(est.p))
    acc = surprise.explained(1e-6, 1e-3)
    assert acc["bits"] == pytest.approx(19.93, abs=0.01)
    assert acc["unexplained_bits"] == pytest.approx(acc["bits"] - 9.966, abs=0.01)
    assert surprise.bits(0) == math.inf


def test_estimators_are_reproducible_from_their_seed():
    system = make("layers", 1e-3)
    assert ams.estimate(system, 100, 5, 7) == ams.estimate(system, 100, 5, 7)
    tilt = importance.cross_entropy(system, 200, 3)
    assert importance.estimate(system, 300, 4, tilt) == importance.estimate(system, 300, 4, tilt)


def test_untilted_importance_sampling_is_plain_monte_carlo():
    system = make("chain", 1e-3)
    a, b = importance.estimate(system, 500, 5, system.nominal), mc.estimate(system, 500, 5)
    assert a.p == b.p and a.model_steps == b.model_steps


def test_ams_reports_extinction_as_zero_with_an_upper_bound():
    est = ams.estimate(make("catastrophe", 1e-6), 50, 1, 1)  # no score below the event
    assert est.p == 0 and est.extra["status"] == "extinct" and est.ci[1] > 0


def test_ams_intervals_cover_at_the_nominal_rate():
    system = make("layers", 1e-3)
    runs = [ams.estimate(system, 200, 5, seed) for seed in range(REPS)]
    assert abs(coverage(runs, system.exact()) - 0.95) <= 3 * COVER_SE


def test_importance_sampling_intervals_cover_at_the_nominal_rate():
    system = make("catastrophe", 1e-3)
    tilt = importance.cross_entropy(system, 300, 11)
    runs = [importance.estimate(system, 500, seed, tilt) for seed in range(REPS)]
    assert abs(coverage(runs, system.exact()) - 0.95) <= 3 * COVER_SE


def test_clopper_pearson_intervals_cover_at_least_the_nominal_rate():
    system = make("layers", 1e-3)
    runs = [mc.estimate(system, 1000, seed) for seed in range(REPS)]
    assert coverage(runs, system.exact()) >= 0.95 - 3 * COVER_SE


@pytest.mark.parametrize("aid", ["G1", "G2", "G3", "G4"])
def test_anchor_passes(aid):
    rows = ANCHORS[aid].run()
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
