"""Checkers with cracks and proposers that search (issue 13): the mechanisms' own behaviour,
seeded, with tolerances from standard errors, and anchor F1."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sim.mechanisms import best_of_n as bon
from sim.mechanisms import checker_view as cv
from sim.mechanisms import search_attack as sa
from sim.validate import ANCHORS

K, HARM, N = 6, 3.5, 3000
V = cv.harm_direction(K)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def caught_share(seed, checkers, m, suspicion=None, harm=HARM, n=N) -> tuple[float, float]:
    r = rng(seed)
    z = sa.search(r, V, harm, n, m, suspicion or sa.white_box(checkers))
    hits = cv.caught(r, checkers, z)
    return float(hits.mean()), math.sqrt(hits.mean() * (1 - hits.mean()) / n)


def appearance(u: np.ndarray) -> np.ndarray:
    off = u - (u @ V) * V
    return off / np.linalg.norm(off)


def test_checker_flags_its_benign_rate_and_hides_harm_along_its_blind_spot():
    c = cv.lineage(rng(1), V, 1, 1.0, 1.0, flag_rate=0.1)[0]
    share = cv.caught(rng(2), [c], cv.benign(rng(3), V, 40_000)).mean()
    assert abs(share - 0.1) < 3 * math.sqrt(0.1 * 0.9 / 40_000)
    assert abs(c.weights @ c.direction) < 1e-12  # b = 1: harm along u is invisible
    assert np.allclose(cv.lineage(rng(1), V, 1, 0.0, 1.0)[0].weights, V)  # b = 0: no crack


@pytest.mark.parametrize("rho", [0.0, 0.3, 1.0])
def test_blind_spots_have_the_declared_correlation(rho):
    us = cv.blind_spots(rng(4), V, 3, 0.6, rho)
    assert np.allclose(us @ V, 0.6) and np.allclose(np.linalg.norm(us, axis=1), 1.0)
    q = np.array([appearance(u) for u in us])
    assert np.allclose((q @ q.T)[np.triu_indices(3, 1)], rho)


def test_bad_blind_spot_or_correlation_is_rejected():
    with pytest.raises(ValueError, match="blind_spot"):
        cv.make_checker(V, V, 1.5, 1.0, 0.05)
    with pytest.raises(ValueError, match="rho"):
        cv.blind_spots(rng(0), V, 2, 0.5, -0.1)
    with pytest.raises(ValueError, match="search budget"):
        sa.search(rng(0), V, HARM, 1, 0, lambda z: z[..., 0])


def test_without_a_blind_spot_search_gains_nothing():
    """b = 0: even a learnt, non-constant estimate leaves the share caught flat in m."""
    checkers = cv.lineage(rng(5), V, 1, 0.0, 1.0)
    learner = sa.Learner(K)
    sa.probe(rng(6), checkers, learner, V, 2.2, 400)
    learner.fit()
    p1, se1 = caught_share(7, checkers, 1, learner.suspicion, harm=2.2)
    pm, sem = caught_share(8, checkers, 256, learner.suspicion, harm=2.2)
    assert abs(p1 - pm) < 3 * math.hypot(se1, sem)


def test_with_a_blind_spot_safety_falls_with_m():
    checkers = cv.lineage(rng(9), V, 1, 0.8, 1.0)
    shares = [caught_share(10 + i, checkers, m) for i, m in enumerate((1, 16, 256))]
    for (a, sa_), (b, sb) in itertools.pairwise(shares):
        assert a - b > 3 * math.hypot(sa_, sb)


def test_a_shared_blind_spot_falls_faster_than_independent_ones():
    falls = {}
    for rho in (1.0, 0.0):
        checkers = cv.lineage(rng(11), V, 2, 0.8, rho)
        (p1, s1), (pm, sm) = caught_share(12, checkers, 1), caught_share(13, checkers, 256)
        falls[rho] = (p1 - pm, math.hypot(s1, sm))
    assert falls[1.0][0] - falls[0.0][0] > 3 * math.hypot(falls[1.0][1], falls[0.0][1])


def test_the_learner_finds_the_blind_spot_as_data_accumulate():
    checkers = cv.lineage(rng(14), V, 1, 0.8, 1.0)
    q, learner, r, cosines = appearance(checkers[0].direction), sa.Learner(K), rng(15), []
    for batch in (30, 120, 600, 2400):
        sa.probe(r, checkers, learner, V, HARM, batch)
        learner.fit()
        cosines.append(float(learner.blind_spot_estimate(V) @ q))
    assert cosines[-1] > 0.97 and cosines[-1] > cosines[0]
    assert 1 - cosines[-1] < (1 - cosines[1]) / 2  # the error shrinks as data accumulate


def test_a_learning_attacker_lowers_the_share_caught():
    """Probing and learning from its own catches: later attacks are caught less than blind
    ones (m = 1)."""
    checkers = cv.lineage(rng(16), V, 1, 0.8, 1.0)
    run = sa.campaign(rng(17), checkers, V, HARM, 300, 64, probes=2)
    late = run.caught[100:]
    blind, se = caught_share(18, checkers, 1)
    assert blind - late.mean() > 3 * math.hypot(se, math.sqrt(0.25 / late.size))


def kl_of_choices(m: int, noise: float, crack: float = 0.8, n: int = 300):
    checkers = cv.lineage(rng(19), V, 1, crack, 1.0)
    est, r = sa.white_box(checkers), rng(20 + m)
    z = sa.search(r, V, HARM, n, m, est, estimate_noise=noise)
    lw = sa.choice_log_ratio(r, z, V, HARM, m, est, estimate_noise=noise)
    return float(lw.mean()), float(lw.std(ddof=1) / math.sqrt(n))


def test_measured_kl_is_below_its_bound_and_grows_with_m():
    """A noisy estimate: strictly below log m - (m-1)/m (data processing), rising in m."""
    kls = [kl_of_choices(m, noise=0.3) for m in (4, 16, 64)]
    for m, (kl, se) in zip((4, 16, 64), kls, strict=True):
        assert kl + 3 * se < bon.kl_bound(m)
    for (a, sa_), (b, sb) in itertools.pairwise(kls):
        assert b - a > 3 * math.hypot(sa_, sb)


def test_kl_reaches_the_bound_only_for_an_exact_estimate_and_is_zero_without_a_crack():
    kl, se = kl_of_choices(16, noise=0.0)
    assert abs(kl - bon.kl_bound(16)) < 3 * se + 0.03  # + the estimator's stated bias
    assert kl_of_choices(16, noise=0.0, crack=0.0) == (0.0, 0.0)  # all candidates tie


def test_same_seed_same_choices():
    checkers = cv.lineage(rng(21), V, 2, 0.5, 0.5)
    a = sa.search(rng(22), V, HARM, 50, 32, sa.white_box(checkers))
    b = sa.search(rng(22), V, HARM, 50, 32, sa.white_box(checkers))
    assert np.array_equal(a, b)


def test_anchor_f1_passes():
    failed = [(c.label, c.expected, c.measured) for c in ANCHORS["F1"].run() if not c.passed]
    assert not failed


def test_anchor_f1_measures_the_search(monkeypatch):
    """An attacker that does not search (always the first candidate) fails F1 (b) and (c)."""
    monkeypatch.setattr(bon, "select_batch", lambda s: np.zeros(s.shape[:-1], dtype=int))
    failed = {c.label for c in ANCHORS["F1"].run() if not c.passed}
    assert "(b) b=0.8, m=1024: miss rate" in failed
    assert "(c) shared crack falls faster" in failed
