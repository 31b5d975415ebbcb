"""Issue 14: importance sampling on the model itself (sim/rare/tilting.py). Components declare
their tilted draws; with every shift at 0 a tilted run is the ordinary run, draw for draw; with
any shifts the likelihood-weighted estimate is unbiased (checked against plain Monte Carlo on
the coupled world, all three declared families tilted at once); the cross-entropy update is the
textbook rate update for a constant rate; the intervals of IS inside the simulator cover an
exact probability of 1e-6 at their nominal rate (binomial tolerance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit, logit

from sim.components import COMPONENTS
from sim.components.base import WiringError
from sim.rare import importance, mc
from sim.rare.tail import prepare
from sim.rare.tilting import BIN, Tilting, families_for, fit_shift
from sim.run import build
from sim.scenario import load
from sim.validate.rare_model import deployment, first_rate


def test_declared_families_name_real_draws_and_are_unique():
    seen = set()
    for cls in COMPONENTS:
        for name, description in cls.tilted:
            assert name.isidentifier() and description, (cls.name, name)
            seen.add(f"{cls.name}.{name}")
    assert {"ai_deployment.harm", "bureaucracy.capture", "oversight.audit_miss"} <= seen
    config = load("coupled_institution-v1")
    assert set(families_for(config)) == seen & set(families_for(config))
    assert families_for(load("baseline_democracy-v1")) == ()


def test_a_run_tilted_by_zero_is_the_ordinary_run():
    """Shifts of 0 leave every draw as it was: the metric series are identical."""
    config = load("coupled_institution-v1", {"electorate.n_voters": 300, "steps": 15})
    plain, tilted = build(config, 5), build(config, 5)
    tilted.tilting = Tilting(dict.fromkeys(families_for(config), 0.0))
    plain.run_for(15)
    tilted.run_for(15)
    a = plain.datacollector.get_model_vars_dataframe()
    b = tilted.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert tilted.tilting.log_weight == 0.0
    counts = tilted.tilting.counts
    assert all(sum(c[1] for c in counts[f].values()) > 0 for f in counts), counts


def test_tilted_estimates_are_unbiased_on_the_coupled_world():
    """All three families tilted at once: the likelihood ratio has mean 1 under the tilted law
    (a martingale stopped at the event or the horizon), and IS and plain MC agree within their
    SEs on an event of moderate probability (so MC can see it). The shifts are mild: every
    action's draw is tilted, and a strong uniform tilt over thousands of draws degenerates the
    weights (which is what cross-entropy tuning is for)."""
    config = load("coupled_institution-v1", {"electorate.n_voters": 300, "steps": 10})
    system = prepare(config, "catastrophes >= 1", 10, "is")
    shifts = {"ai_deployment.harm": 0.5, "bureaucracy.capture": 0.15, "oversight.audit_miss": 0.3}
    levels, logw, _, _ = importance.run_tilted(system, 150, 11, shifts)
    w = np.exp(logw)
    assert abs(w.mean() - 1) <= 3 * w.std(ddof=1) / math.sqrt(w.size), (w.mean(), w.std())
    y = np.where(np.isinf(levels), w, 0.0)
    p_is, se_is = y.mean(), y.std(ddof=1) / math.sqrt(y.size)
    plain = mc.estimate(system, 300, 12)
    assert 0 < plain.p < 1 and np.isinf(levels).sum() > 5
    assert abs(p_is - plain.p) <= 3 * math.hypot(se_is, plain.se), (p_is, se_is, plain.p)


def test_an_undeclared_family_is_a_wiring_error():
    config = load("coupled_institution-v1", {"electorate.n_voters": 300})
    model = build(config, 1)
    model.tilting = Tilting({})
    comp = next(c for c in model.components if c.name == "ai_deployment")
    with pytest.raises(WiringError, match="undeclared family 'harms'"):
        comp.bernoulli("harms", np.array([0.5]), np.array([0.1]))


def test_the_cross_entropy_shift_is_the_rate_update_for_a_constant_rate():
    """For one rate p the CE optimum tilts it to the weighted share of successes."""
    p, w = 0.01, np.array([1.0, 0.5, 2.0])
    key = round(float(logit(p)) / BIN)
    tables = [{key: [3.0, 10.0]}, {key: [1.0, 10.0]}, {key: [5.0, 10.0]}]
    eta = fit_shift(w, tables, 0.0)
    share = (w @ [3.0, 1.0, 5.0]) / (w @ [10.0, 10.0, 10.0])
    assert expit(key * BIN + eta) == pytest.approx(share, rel=1e-9)
    assert fit_shift(w, [{}, {}, {}], 0.3) == 0.3  # no draws: the shift stays


REPS, COVER_SE = 40, math.sqrt(0.95 * 0.05 / 40)


def test_is_intervals_inside_the_simulator_cover_1e6_at_the_nominal_rate():
    """One CE tilt, then REPS independent IS estimates of a first catastrophe at exact 1e-6:
    the share of 95% intervals that cover it is 0.95 within 3 binomial SEs."""
    system = prepare(deployment(first_rate(1e-6)), "catastrophes >= 1", 20, "is")
    tilt = importance.cross_entropy(system, 100, 7)
    runs = [importance.estimate(system, 60, 1000 + r, tilt) for r in range(REPS)]
    cover = np.mean([e.ci[0] <= 1e-6 <= e.ci[1] for e in runs])
    assert abs(cover - 0.95) <= 3 * COVER_SE, (cover, [round(e.p / 1e-6, 2) for e in runs])
    mean = np.mean([e.p for e in runs])
    se = np.std([e.p for e in runs], ddof=1) / math.sqrt(REPS)
    assert abs(mean - 1e-6) <= 3 * se
