"""Honest AI-deployment and oversight mechanisms (issue 9, item 4): each test pins one defect
that the mechanisms used to have. Stochastic assertions carry seeds and 3-SE tolerances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sim.mechanisms import kl_budget, scheming
from sim.model import InstitutionModel
from sim.oversight import LAYERS, Docket
from sim.oversight.validate import validate_layer
from sim.params import PARAMS
from sim.scenario import defaults_config
from sim.validate.deployment import overlap_rate

BASE = {"electorate.n_voters": 200, "ai_agents.count": 40}


def series(n: int, seed: int = 1, horizon: int | None = None, **overrides):
    cfg = defaults_config().with_overrides({**BASE, **overrides})
    model = InstitutionModel(cfg, seed, horizon)
    model.run_for(n)
    return model.datacollector.get_model_vars_dataframe()


def within(got: float, want: float, n: int) -> bool:
    return abs(got - want) < 3 * math.sqrt(want * (1 - want) / n)


def one_layer(kind: str, **spec):
    return LAYERS[kind](0, validate_layer({"kind": kind, **spec}, "test"), None)


def docket(harmful, capability=1.0, lineage=None, role=0) -> Docket:
    harmful = np.asarray(harmful, bool)
    n = harmful.size
    more = {}
    if lineage is not None:  # a scheming lineage's harmful actions are its deliberate attacks
        coordinated = harmful & (lineage == scheming.SCHEMING)
        more = {"lineage": np.full(n, lineage, np.int64), "coordinated": coordinated}
    return Docket.build(
        np.full(n, role, np.int64),
        harmful,
        np.zeros(n),
        np.full(n, float(capability)),
        np.ones(n, bool),
        np.zeros(n, bool),
        **more,
    )


# --- 1. a stochastic agent's catastrophes come from its overlap with the event ---------------
@pytest.mark.parametrize(("dims", "p0", "eps"), [(1, 0.01, 0.5), (3, 0.01, 1.0), (100, 1e-3, 0.5)])
def test_stochastic_rate_is_the_overlap_prediction(dims, p0, eps):
    n = 2_000_000
    kind = np.full(n, scheming.STOCHASTIC)
    harmful = scheming.act(np.random.default_rng(dims), kind, np.zeros(n, bool), p0, eps, dims)
    assert within(harmful.mean(), overlap_rate(p0, eps, dims), n)
    assert harmful.mean() < kl_budget.ceiling(p0, eps) / 2


def test_aligned_agents_sit_at_p0_and_attacks_at_the_ceiling():
    n, p0, eps = 2_000_000, 1e-3, 0.1
    rng = np.random.default_rng(3)
    aligned = scheming.act(rng, np.full(n, scheming.ALIGNED), np.zeros(n, bool), p0, eps, 100)
    attack = scheming.act(rng, np.full(n, scheming.SCHEMING), np.ones(n, bool), p0, eps, 100)
    assert within(aligned.mean(), p0, n)
    assert within(attack.mean(), kl_budget.ceiling(p0, eps), n)


def test_stochastic_agents_in_the_deployment_follow_the_overlap():
    """Through the component: a low-dimensional feature space (D = 1: half the deviations
    point at the catastrophe) gives the overlap prediction, far below half the ceiling."""
    p0, eps, agents, steps = 0.01, 0.5, 500, 40
    s = series(steps, seed=2, **{"ai_agents.count": agents, "ai_agents.alignment": "stochastic",
                                 "ai_agents.base_harm_rate": p0, "ai_agents.kl_budget": eps,
                                 "ai_agents.feature_dimensions": 1})  # fmt: skip
    rate = float(s["harmful_share_stochastic"].iloc[1:].mean())
    assert within(rate, overlap_rate(p0, eps, 1), agents * steps)
    assert rate < kl_budget.ceiling(p0, eps) / 2


# --- 2. collusion only between copies of one model --------------------------------------------
def test_an_untrusted_monitor_colludes_only_with_its_own_lineage():
    n, rng = 30_000, np.random.default_rng(4)
    monitor = one_layer("ai_monitor", trust="untrusted", capability=1.0, collusion=1.0)
    rates = {}
    for lineage in (-1, scheming.STOCHASTIC, scheming.SCHEMING):
        d = docket(np.ones(n), lineage=lineage)
        monitor.apply(d, rng)
        rates[lineage] = float(d.flagged.mean())
    assert rates[scheming.SCHEMING] == 0.0
    assert rates[-1] > 0.5 and rates[scheming.STOCHASTIC] > 0.5  # d' = 2 at flag rate 5%
    accident = Docket.build(  # a sibling's base-rate accident carries no collusion signal
        np.zeros(n, np.int64), np.ones(n, bool), np.zeros(n), np.ones(n), np.ones(n, bool),
        np.zeros(n, bool), np.full(n, scheming.SCHEMING), np.zeros(n, bool),
    )  # fmt: skip
    monitor.apply(accident, rng)
    assert accident.flagged.mean() > 0.5


def test_an_untrusted_oversight_monitor_still_catches_other_models():
    s = series(30, **{"ai_agents.base_harm_rate": 0.05,
                      "oversight.layers": [{"kind": "ai_monitor", "trust": "untrusted",
                                            "capability": 1.0, "collusion": 1.0}],
                      "oversight.audit_budget": 0.2})  # fmt: skip
    assert s["ai_incidents"].iloc[-1] > 0


def test_the_labs_untrusted_monitor_does_not_collude_on_accidents():
    """A schemer that never attacks has only the safe policy's accidents, which its copy does
    not recognize as coordinated: the lab's audit catches them."""
    s = series(30, **{"ai_agents.alignment": "scheming", "ai_agents.risk_tolerance": 0.0,
                      "ai_agents.base_harm_rate": 0.05, "ai_agents.protocol":
                      "untrusted_monitoring", "ai_agents.collusion": 1.0})  # fmt: skip
    assert s["ai_incidents"].iloc[-1] > 0


# --- 3. critique review hands up what the reviewers observed ---------------------------------
def test_critique_scores_carry_no_ground_truth():
    d = docket(np.arange(20_000) % 2 == 0)
    d.flagged[:] = True
    review = one_layer("critique_review", critique=False, false_alarm=0.3)
    flag, score, _ = review.examine(d, d.flagged, np.random.default_rng(5))
    # unassisted reviewers see one thing: a flaw found or not; equal findings, equal scores
    assert set(score[flag & d.harmful]) == set(score[flag & ~d.harmful]) == {1.0}


# --- 4. debate: a more capable actor is harder to expose ------------------------------------
def test_debate_exposes_stronger_actors_less_often():
    n, out = 40_000, []
    for i, actor in enumerate((0.0, 1.0, 3.0)):
        d = docket(np.ones(n), capability=actor)
        d.flagged[:] = True
        one_layer("debate", debater_capability=1.0).apply(d, np.random.default_rng(6 + i))
        p = float(d.flagged.mean())
        out.append((p, math.sqrt(p * (1 - p) / n)))
    for (a, sa), (b, sb) in itertools.pairwise(out):
        assert a - b > 3 * math.hypot(sa, sb)


# --- 5. the final audit is as fallible as the reviewers -------------------------------------
def test_the_final_audit_finds_what_an_unaided_human_finds():
    assert PARAMS["oversight.audit_recall"].default == (
        LAYERS["critique_review"].all_fields["human_recall"].default
    )
    assert PARAMS["oversight.audit_recall"].default < 1.0
    s = series(30, **{"ai_agents.alignment": "scheming", "ai_agents.risk_tolerance": 1.0,
                      "ai_agents.kl_budget": 2.0, "ai_agents.autonomy_step": 0.0,
                      "oversight.layers": [{"kind": "police_patrol", "audit_budget": 1.0,
                                            "accuracy": 1.0}],
                      "oversight.audit_budget": 1.0})  # fmt: skip
    rate = float(s["detection_rate"].iloc[-1])
    harmful = s["ai_harmful_share"].iloc[1:].sum() * 40
    assert within(rate, 0.4, int(harmful))


# --- 6. schemers learn from their own lineage only ------------------------------------------
def test_schemers_do_not_learn_from_other_models_being_stopped():
    """The lab's untrusted monitor stops the aligned model's frequent accidents (most actions
    come from it) but colludes on every attack: pooled, the stopped accidents would scare the
    schemers off; from their own lineage they see their attacks pass and keep attacking."""
    p0, eps = 0.3, 0.1
    s = series(40, **{"ai_agents.count": 80,
                      "ai_agents.alignment": ["aligned", "aligned", "aligned", "scheming"],
                      "ai_agents.base_harm_rate": p0, "ai_agents.kl_budget": eps,
                      "ai_agents.risk_tolerance": 0.5, "ai_agents.autonomy_step": 0.0,
                      "ai_agents.protocol": "untrusted_monitoring", "ai_agents.collusion": 1.0,
                      "ai_agents.defer_threshold": 0.5})  # fmt: skip
    rate = float(s["harmful_share_scheming"].iloc[20:].mean())
    assert within(rate, kl_budget.ceiling(p0, eps), 20 * 21)


# --- 7. the upfront window is a share of the run's horizon ---------------------------------
RED = {"ai_agents.count": 300, "ai_agents.alignment": "scheming", "ai_agents.risk_tolerance": 1.0,
       "ai_agents.kl_budget": 0.1, "ai_agents.autonomy_step": 0.0, "steps": 1000}  # fmt: skip


@pytest.mark.parametrize("where", ["lab", "oversight"])
def test_upfront_window_follows_the_horizon(where):
    if where == "lab":
        more = {"ai_agents.protocol": "upfront_auditing", "ai_agents.audit_budget": 0.1}
    else:
        more = {"oversight.layers": [{"kind": "police_patrol", "audit_budget": 0.1,
                                      "accuracy": 1.0, "schedule": "upfront"}],
                "oversight.audit_budget": 1.0}  # fmt: skip
    s = series(40, seed=5, horizon=100, **RED, **more)
    caught = s["ai_incidents"].diff().fillna(0)  # window: 10% of the 100-step horizon
    assert caught.iloc[:11].sum() > 0 and caught.iloc[12:].sum() == 0


# --- 8. taxpayers pay for oversight ---------------------------------------------------------
def test_oversight_cost_is_charged_to_welfare():
    layers = [{"kind": "ai_monitor", "flag_rate": 0.2}, {"kind": "police_patrol"}]
    kw = {"oversight.layers": layers, "elections.interval": 100}
    free = series(10, **kw, **{"oversight.cost_weight": 0.0})
    paid = series(10, **kw, **{"oversight.cost_weight": 0.01})
    charge = paid["oversight_charge"].iloc[1:]
    assert charge.to_numpy() == pytest.approx(0.01 * paid["oversight_cost"].iloc[1:].to_numpy())
    assert (charge > 0).all() and (free["oversight_charge"].iloc[1:] == 0).all()
    lost = free["welfare"].iloc[1:] - paid["welfare"].iloc[1:]
    assert lost.to_numpy() == pytest.approx(charge.to_numpy(), rel=1e-9, abs=1e-12)


def test_cost_weight_is_declared_with_unit_and_a_small_nonzero_default():
    p = PARAMS["oversight.cost_weight"]
    assert 0 < p.default <= 0.01 and p.unit and p.description
