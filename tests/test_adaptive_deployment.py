"""Issue 13 in the institution: AI actions with appearance features, oversight monitors with
cracks (blind_spot), and scheming lineages that search over how their attacks look
(sim/mechanisms/appearance_search.py) against the monitors' published views or a model they
learn from what got flagged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.mechanisms import best_of_n as bon
from sim.mechanisms import checker_view as cv
from sim.mechanisms import search_attack as sa
from sim.run import run
from sim.scenario import load

SCENARIO = "adaptive_attacker-v1"
SMALL = {"electorate.n_voters": 50}


def _mon(b: float, d0: float = 2.0) -> dict:
    return {"kind": "ai_monitor", "trust": "trusted", "capability": 1.0, "flag_rate": 0.05,
            "discriminability": d0, "blind_spot": b}  # fmt: skip


def end(over: dict, seed: int, metric: str = "safety", steps: int = 200) -> float:
    series = run(load(SCENARIO, {**SMALL, **over}), seed=seed, steps=steps).series
    return float(series[metric].iloc[-1])


def paired(a: dict, b: dict, seeds, metric: str = "safety") -> tuple[float, float]:
    """Mean and SE of (b - a) over paired seeds."""
    d = np.array([end(b, s, metric) - end(a, s, metric) for s in seeds])
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


@pytest.mark.parametrize("tolerance", [1.0, 0.3])
def test_without_a_crack_search_changes_nothing(tolerance):
    """b = 0: appearance does not enter any score, so a searching attacker's runs at m = 1
    and m = 256 are the same in every metric but the search's own (bit for bit), whether it
    always attacks or decides by its estimate for the attack it would make (which is the
    same for every candidate)."""
    over = {**SMALL, "oversight.layers": [_mon(0.0), _mon(0.0)],
            "ai_agents.risk_tolerance": tolerance}  # fmt: skip
    blind = run(load(SCENARIO, {**over, "ai_agents.search_budget": 1}), steps=60)
    search = run(load(SCENARIO, {**over, "ai_agents.search_budget": 256}), steps=60)
    keep = [c for c in blind.series.columns if c not in ("search_kl", "crack_cosine")]
    assert blind.series[keep].equals(search.series[keep])
    kl = search.series["search_kl"].dropna()  # a constant estimate: the choice moves nothing
    assert (kl == 0).all() and (kl.size > 10 or tolerance < 1)


def test_search_finds_a_shared_crack():
    """With a crack, safety falls as the search budget grows (paired seeds, 3 SE)."""
    diff, se = paired({"ai_agents.search_budget": 1}, {"ai_agents.search_budget": 256}, range(6))
    assert diff < -3 * se and diff < -0.1


def test_a_cautious_searcher_attacks_once_it_finds_the_crack():
    """Risk tolerance 0.3: a white-box agent attacks only when its estimate that the attack it
    would make gets flagged is at most 0.3. Against cracked monitors the best of 64
    candidates passes that test far more often than a single one: it attacks more and does
    more harm (paired seeds, 3 SE); against uncracked monitors it (nearly) never attacks."""
    over = {"ai_agents.risk_tolerance": 0.3}
    diff, se = paired(over, {**over, "ai_agents.search_budget": 64}, range(4), "catastrophes")
    assert diff > 3 * se and diff > 50
    layers = {"oversight.layers": [_mon(0.0), _mon(0.0)]}
    assert end({**over, **layers, "ai_agents.search_budget": 64}, 0, "catastrophes") == 0


def test_measured_search_kl_is_near_its_bound():
    """A white-box estimate is a noiseless continuous function of the candidates: the measured
    KL of the choice sits near log m - (m - 1)/m (the bound it reaches in that case)."""
    series = run(load(SCENARIO, {**SMALL, "ai_agents.search_budget": 64}), seed=3).series
    kl = series["search_kl"].dropna()
    assert kl.size > 100
    assert abs(kl.mean() - bon.kl_bound(64)) < 0.1  # pool error ~0.03 nats (best_of_n)


def test_learning_attacker_finds_the_crack_from_probes():
    """A learning lineage that watches its honest work's flags learns the checkers' direction
    of rising suspicion (cosine > 0.8 by the end) and gets through more than a blind one."""
    learn = {"ai_agents.attacker": "learning", "ai_agents.search_budget": 64,
             "ai_agents.probe_share": 1.0}  # fmt: skip
    assert end(learn, 0, "crack_cosine") > 0.8
    diff, se = paired({"ai_agents.attacker": "blind"}, learn, range(6))
    assert diff < -3 * se


def test_human_actions_have_no_crack():
    """Actions without appearance features (officials') are scored as before: a cracked
    monitor flags them exactly as an uncracked one."""
    from sim.oversight import LAYERS, Docket

    rng = np.random.default_rng(0)
    n = 4000
    harmful = rng.random(n) < 0.3
    cols = (np.zeros(n, np.int64), harmful, np.zeros(n), np.ones(n), np.ones(n, bool),
            np.zeros(n, bool))  # fmt: skip
    flags = []
    for b in (0.0, 0.9):
        spec = {f: p.default for f, p in LAYERS["ai_monitor"].all_fields.items()}
        layer = LAYERS["ai_monitor"](0, {**spec, "blind_spot": b}, model=None)
        layer.crack = cv.crack_directions(np.random.default_rng(1), 8, 1, 0.7, 0.0)[0]
        docket = Docket.build(*cols)
        flags.append(layer.examine(docket, np.ones(n, bool), np.random.default_rng(2))[0])
    assert np.array_equal(*flags)


def test_online_update_matches_batch_fit():
    """The learner's online Laplace update, batch by batch, ends near the full-data posterior
    mode (both are the Bayesian logistic posterior; ADF loses little with many batches)."""
    rng = np.random.default_rng(5)
    z = rng.standard_normal((3000, 4))
    y = rng.random(3000) < 1 / (1 + np.exp(-(z @ np.array([1.0, -0.5, 0.0, 0.3]) - 0.5)))
    batch, online = sa.Learner(4), sa.Learner(4)
    batch.observe(z, y)
    batch.fit()
    for rows in np.array_split(np.arange(3000), 60):
        online.update(z[rows], y[rows])
    assert np.allclose(online.theta, batch.theta, atol=0.05)


@pytest.mark.parametrize("k", [1, 2, 8])
def test_crack_directions_are_unit_with_the_declared_harm_share(k):
    u = cv.crack_directions(np.random.default_rng(k), k, 6, 0.4, 0.5)
    assert np.allclose(np.linalg.norm(u, axis=1), 1.0)
    assert np.allclose(u[:, 0], 0.4)
