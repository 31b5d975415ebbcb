"""Better raters (issue 13, item 4): decomposed review, rater pools, sandbagging critics and
debaters, debate with argument length and judge time. Every check runs the layer's own
`examine` on a docket and compares what it flagged with a law derived independently, within a
tolerance of a few standard errors."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import ndtr, ndtri

from sim.errors import ConfigError
from sim.mechanisms import checker_view as cv
from sim.mechanisms.appearance_search import LineageSearch, honest
from sim.mechanisms.scheming import SCHEMING
from sim.oversight import LAYERS, Docket
from sim.oversight.validate import validate_layer
from sim.run import run
from sim.scenario import load

K = 8  # appearance dimensions
Z = 4.0  # tolerance in standard errors


def layer(kind: str, crack_seed: int | None = None, **spec):
    lay = LAYERS[kind](0, validate_layer({"kind": kind, "scope": "all", **spec}, "t"),
                       SimpleNamespace(steps=1, horizon=100))  # fmt: skip
    if crack_seed is not None:
        lay.crack = cv.crack_directions(np.random.default_rng(crack_seed), K, 1, 2**-0.5, 0)[0]
    return lay


def docket(harmful, capability=1.0, lineage=-1, appearance=None) -> Docket:
    harmful = np.asarray(harmful, bool)
    n = harmful.size
    return Docket.build(np.zeros(n, np.int64), harmful, np.zeros(n), np.full(n, capability),
                        np.ones(n, bool), np.zeros(n, bool), np.full(n, lineage, np.int64),
                        harmful & (lineage == SCHEMING), appearance=appearance)  # fmt: skip


def flagged(lay, d: Docket, seed: int) -> np.ndarray:
    return lay.examine(d, np.ones(len(d), bool), np.random.default_rng(seed))[0]


def near(sample: np.ndarray, expected: float) -> bool:
    se = math.sqrt(max(expected * (1 - expected), 1e-4) / sample.size)
    return abs(float(sample.mean()) - expected) < Z * se


# --- decomposed review ---------------------------------------------------------------------


@pytest.mark.parametrize("pieces", [1, 3, 16])
def test_decomposed_review_flags_its_rate_of_benign_cases_and_the_any_piece_law(pieces):
    """Benign pieces are N(0, 1): any of k passes t_k = Phi^-1((1 - r)^(1/k)) with prob. r.
    A harmful case's flawed piece has mean mu = d' k^focus (1 - seam), so it is flagged with
    prob. 1 - Phi(t_k - mu) Phi(t_k)^(k - 1)."""
    r, seam, focus, n = 0.1, 0.4, 0.5, 40_000
    lay = layer("decomposed_review", pieces=pieces, seam=seam, focus=focus, flag_rate=r,
                capability=1.0)  # fmt: skip
    flag = flagged(lay, docket(np.arange(2 * n) < n), seed=pieces)
    t = float(ndtri((1 - r) ** (1 / pieces)))
    mu = 2.0 * pieces**focus * (1 - (seam if pieces > 1 else 0.0))
    caught = 1 - ndtr(t - mu) * ndtr(t) ** (pieces - 1)
    assert near(flag[n:], r) and near(flag[:n], caught)


def test_decomposed_review_costs_pieces_ratings_per_case_and_hides_its_crack():
    d = docket(np.zeros(50, bool))
    lay = layer("decomposed_review", crack_seed=1, pieces=6, cost=0.05)
    lay.apply(d, np.random.default_rng(0))
    assert lay.step_cost == pytest.approx(50 * 6 * 0.05)
    assert lay.view() is None and layer("decomposed_review", crack_seed=1, pieces=1).view()


N_ATTACKS = 6000


def detection(review, judge, m: int, seed: int, n: int = N_ATTACKS) -> float:
    """Share of n harmful attacks `review` flags when a white-box attacker chooses their look
    as the best of m against `judge`'s published view (the deployment's own search)."""
    rng = np.random.default_rng(seed)
    capability = np.full(n, 1.0)
    views = [judge.view()]
    if m == 1:  # a blind attacker: drawn like honest work
        attacks = honest(rng, n, K)
    else:
        attacks = LineageSearch("white_box", m, K, 0.0).plan(rng, capability, views).appearance
    return float(flagged(review, docket(np.ones(n, bool), appearance=attacks), seed).mean())


@pytest.mark.parametrize("blind_spot", [0.8, 0.0])
def test_decomposition_crossover_moves_with_search_only_through_the_crack(blind_spot):
    """Decomposed (4 sub-claims) minus holistic detection changes sign between seam 0 and 1,
    against a blind and a searching (m = 64) white-box attacker. With a crack (b = 0.8) the
    crossover moves: at seam 0.75 decomposition loses to holistic rating against a blind
    attacker and wins against a searching one. Without a crack, search changes nothing."""
    spec = {"capability": 1.0, "blind_spot": blind_spot}
    holistic = layer("decomposed_review", crack_seed=2, pieces=1, **spec)
    diff, se = {}, {}
    for m in (1, 64):
        base = detection(holistic, holistic, m, seed=10 + m)
        for seam in (0.0, 0.75, 1.0):
            split = layer("decomposed_review", crack_seed=2, pieces=4, seam=seam, **spec)
            rate = detection(split, holistic, m, seed=20 + m)
            diff[m, seam] = rate - base
            se[m, seam] = Z * math.sqrt((rate * (1 - rate) + base * (1 - base)) / N_ATTACKS)
    assert all(diff[m, 0.0] > se[m, 0.0] and diff[m, 1.0] < -se[m, 1.0] for m in (1, 64))
    if blind_spot > 0:
        assert diff[1, 0.75] < -se[1, 0.75] and diff[64, 0.75] > se[64, 0.75]
    else:
        assert abs(diff[64, 0.75] - diff[1, 0.75]) < se[1, 0.75] + se[64, 0.75]


# --- rater pools ---------------------------------------------------------------------------


def poisson_binomial_majority(p: np.ndarray) -> float:
    """P(more than half of independent voters with accuracies p are right), by convolution."""
    dist = np.array([1.0])
    for q in p:
        dist = np.convolve(dist, [1 - q, q])
    return float(dist[len(p) // 2 + 1 :].sum())


def test_a_pool_with_spread_skill_and_vetted_raters_follows_the_poisson_binomial_majority():
    """Seven seats: two vetted (0.9), five ordinary at normal quantiles of skill around 0.6
    (sd 0.15). The panel is right with the Poisson-binomial majority probability of those
    accuracies, better than a homogeneous panel of seven, at 5 + 2 x 3 votes per case."""
    n, p = 40_000, 0.6
    pool = layer("panel", size=7, accuracy=p, accuracy_spread=0.15, vetted=0.3, cost=1.0)
    seats = np.r_[np.clip(p + 0.15 * ndtri((np.arange(5) + 0.5) / 5), 0, 1), [0.9, 0.9]]
    d = docket(np.ones(n, bool))
    assert near(flagged(pool, d, seed=3), poisson_binomial_majority(seats))
    assert poisson_binomial_majority(seats) > poisson_binomial_majority(np.full(7, p)) + 0.05
    pool.apply(docket(np.ones(10, bool)), np.random.default_rng(0))
    assert pool.step_cost == pytest.approx(10 * (5 + 2 * 3.0))


def test_a_default_panel_draws_exactly_what_the_homogeneous_panel_drew():
    """No spread, no vetted seats: the votes of the pre-pool panel (its code, inlined here)
    from the same generator, bit for bit, and one vote's cost per seat."""
    n, size, p, rho = 5000, 5, 0.6, 0.3
    harmful = np.random.default_rng(11).random(n) < 0.5
    rng = np.random.default_rng(12)
    own = rng.random((n, size)) < p
    common = rng.random(n) < p
    right = np.where(rng.random((n, size)) < rho, common[:, None], own)
    votes = np.where(harmful[:, None], right, ~right).sum(axis=1)
    pool = layer("panel", size=size, accuracy=p, correlation=rho)
    flag, score, examined = pool.examine(
        docket(harmful), np.ones(n, bool), np.random.default_rng(12)
    )
    assert np.array_equal(flag, 2 * votes > size) and np.array_equal(score, votes / size)
    assert examined == n * size


def test_one_rater_through_the_shared_crack_keeps_its_false_alarms_and_loses_harm_weight():
    """A one-seat panel with blind spot b judges harmful iff 2 m h (w.v) - m s + a.w_a + e > 0:
    honest work at rate 1 - p, blind attacks at Phi((2 m (w.v) - m s) / s)."""
    n, p = 40_000, 0.7
    rater = layer("panel", crack_seed=2, size=1, accuracy=p, blind_spot=0.8)
    weight, appearance = cv.weights(rater.crack, 0.8)
    m, s = ndtri(p), math.sqrt(1 + appearance @ appearance)
    look = honest(np.random.default_rng(13), 2 * n, K)
    flag = flagged(rater, docket(np.arange(2 * n) < n, appearance=look), seed=14)
    assert near(flag[n:], 1 - p) and near(flag[:n], float(ndtr((2 * m * weight - m * s) / s)))


@pytest.mark.parametrize("blind_spot", [0.0, 0.8])
def test_a_shared_crack_turns_condorcet_around_against_a_searching_attacker(blind_spot):
    """Against a white-box attacker searching 64 looks, 15 raters catch more than one when
    they share no crack (the jury theorem) and fewer when they share one: the common error
    a.w_a is what the search drives down, for every seat at once."""

    def caught(size: int) -> float:
        panel = layer("panel", crack_seed=2, size=size, accuracy=0.7, blind_spot=blind_spot)
        return detection(panel, panel, 64, seed=15)

    one, fifteen = caught(1), caught(15)
    se = Z * math.sqrt((one * (1 - one) + fifteen * (1 - fifteen)) / N_ATTACKS)
    assert (fifteen - one) * (1 if blind_spot == 0 else -1) > se


# --- sandbagging critics and debaters ------------------------------------------------------


def test_an_untrusted_critic_withholds_critiques_of_its_own_lineages_attacks():
    """With sandbag 1 the reviewers find a sibling's coordinated attack only on their own (h);
    another lineage's harmful action still gets the critique: 1 - (1 - h)(1 - c v)."""
    n, spec = 40_000, {"critic_trust": "untrusted", "sandbag": 1.0, "critic_capability": 1.0}
    critic = layer("critique_review", **spec)
    sibling = flagged(critic, docket(np.ones(n, bool), lineage=SCHEMING), seed=4)
    other = flagged(critic, docket(np.ones(n, bool), lineage=SCHEMING + 1), seed=5)
    assert near(sibling, 0.4) and near(other, 1 - 0.6 * (1 - 0.6 * 0.55))


@pytest.mark.parametrize("judge_time, sandbag", [(1.0, 0.0), (0.25, 0.0), (0.25, 1.0)])
def test_debate_accuracy_follows_what_the_judge_reads(judge_time, sandbag):
    """The judge reads rho = min(1, T / L) of each argument: x + rho (mu_h - mu_l) + sqrt(rho)
    (e_h - e_l) > 0 with x ~ N(m, 1), so it is right with prob. Phi((m + rho (mu_h - s)) /
    sqrt(1 + 2 rho)); mu_h = s (1 + tau), or 0 when the honest debater sandbags."""
    n, s, tau, acc = 40_000, 1.0, 0.5, 0.6
    trust = "untrusted" if sandbag else "trusted"
    debate = layer("debate", debater_skill=s, truth_advantage=tau, judge_accuracy=acc,
                   argument_length=1.0, judge_time=judge_time, debater_trust=trust,
                   sandbag=sandbag)  # fmt: skip
    right = flagged(debate, docket(np.ones(n, bool), lineage=SCHEMING), seed=6)
    rho, honest_mean = min(1.0, judge_time), (0.0 if sandbag else s * (1 + tau))
    expected = ndtr((ndtri(acc) + rho * (honest_mean - s)) / math.sqrt(1 + 2 * rho))
    assert near(right, float(expected))


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, field, value",
    [("decomposed_review", "pieces", 0), ("critique_review", "sandbag", 0.5),
     ("debate", "sandbag", 0.5), ("panel", "vetted", 1.5)],
)  # fmt: skip
def test_bad_rater_fields_are_config_errors_naming_the_field(kind, field, value):
    with pytest.raises(ConfigError, match=field):
        validate_layer({"kind": kind, field: value}, "oversight.layers[1]")


def test_benign_appearance_does_not_move_a_holistic_raters_flag_rate():
    """Through its crack a holistic rater's benign scores are N(0, |w_a|^2 + 1); its threshold
    keeps the flag rate r."""
    n = 40_000
    rater = layer("decomposed_review", crack_seed=3, pieces=1, blind_spot=0.9, flag_rate=0.1)
    d = docket(np.zeros(n, bool), appearance=honest(np.random.default_rng(8), n, K))
    assert near(flagged(rater, d, seed=9), 0.1)


def abm_detection(review: dict, m: int, seeds=range(4), steps: int = 100) -> np.ndarray:
    """detection_rate at the end of rater_design-v1 runs whose review stage is `review`,
    against white-box attackers searching m candidate looks per attack."""
    layers = [
        {"kind": "ai_monitor", "capability": 1.0, "flag_rate": 0.2},
        {"kind": "decomposed_review", "capability": 1.0, "blind_spot": 0.8, **review},
    ]
    config = load("rater_design-v1").with_overrides(
        {"oversight.layers": layers, "ai_agents.search_budget": m, "electorate.n_voters": 200}
    )  # fmt: skip
    return np.array([run(config, seed=s, steps=steps).summary()["detection_rate"]["final"]
                     for s in seeds])  # fmt: skip


def test_in_the_institution_search_moves_the_seam_where_decomposition_starts_to_lose():
    """rater_design-v1 with a monitor and a review stage: at seam 0.75 a decomposed review
    catches fewer attacks than a holistic rater with a crack when the attackers do not search,
    and more when they search 64 candidates (paired on seeds; SE of the paired differences)."""
    split = abm_detection({"pieces": 4, "seam": 0.75}, 1)
    for m, sign in ((1, -1), (64, 1)):
        d = split - abm_detection({"pieces": 1}, m)
        se = d.std(ddof=1) / math.sqrt(d.size)
        assert sign * d.mean() > Z * max(se, 0.005)
