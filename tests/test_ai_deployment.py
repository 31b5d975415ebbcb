"""AI agents and iterative deployment: the KL-budgeted harm draw, the autonomy ramp, the
scheming policy, the lab's control protocols in the running model, harm reaching welfare and
the responses to incidents. Stochastic assertions carry seeds and 3-SE tolerances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.mechanisms import autonomy, control, kl_budget, scheming
from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import defaults_config, load

BASE = {"electorate.n_voters": 200, "ai_agents.count": 40}


def model_run(n: int = 60, seed: int = 1, **overrides):
    """Run `n` steps; overrides are parameter paths (scenario `steps` only sets windows)."""
    model = InstitutionModel(defaults_config().with_overrides({**BASE, **overrides}), seed)
    model.run_for(n)
    return model, model.datacollector.get_model_vars_dataframe()


@pytest.mark.parametrize(("attack", "eps"), [(True, 0.01), (True, 0.1), (False, 0.1), (True, 0.0)])
def test_harm_draw_sits_at_the_kl_ceiling(attack, eps):
    """An attack (the event tilt) is catastrophic at the ceiling; a schemer that waits
    follows the safe policy (p0)."""
    n, p0 = 2_000_000, 1e-4
    kind = np.full(n, scheming.SCHEMING)
    harmful = scheming.act(np.random.default_rng(1), kind, np.full(n, attack), p0, eps, 100)
    q = kl_budget.ceiling(p0, eps) if attack and eps > 0 else p0
    assert abs(harmful.mean() - q) < 3 * math.sqrt(q * (1 - q) / n)


def test_ceiling_inverts_kl_bin():
    for eps in (1e-4, 0.01, 1.0):
        q = kl_budget.ceiling(1e-3, eps)
        assert kl_budget.kl_bin(q, 1e-3) == pytest.approx(eps, rel=1e-9)
    assert kl_budget.ceiling(1e-3, 50.0) == 1.0


def test_ramp_rises_after_clean_windows_and_falls_after_incidents():
    a, clean = np.array([0.0, 0.5]), np.array([0, 0])
    for _ in range(3):
        a, clean = autonomy.ramp(a, clean, np.array([False, False]), 0.1, 3, 1.0, 0.55)
    assert a == pytest.approx([0.1, 0.55]) and list(clean) == [0, 0]
    a, clean = autonomy.ramp(a, clean, np.array([True, False]), 0.1, 3, 0.05, 0.55)
    assert a == pytest.approx([0.05, 0.55]) and list(clean) == [0, 1]


def test_schemers_attack_only_when_the_risk_is_low():
    kind = np.array([scheming.SCHEMING, scheming.SCHEMING, scheming.STOCHASTIC])
    attack = scheming.attacking(kind, np.array([0.2, 0.9, 0.0]), belief=0.5, tolerance=0.1)
    assert list(attack) == [False, True, False]
    assert scheming.detection_belief(0, 0) == 0.5 and scheming.detection_belief(8, 8) == 0.9


def test_agents_are_array_rows_with_alignment_in_turn():
    model, _ = model_run(n=1, **{"ai_agents.alignment": ["aligned", "scheming"]})
    comp = model.component("ai_deployment")
    assert {type(a).__name__ for a in model.agents} == {"Politician"}  # no inert Mesa shells
    assert comp.state.ids.tolist() == list(range(40))
    assert [scheming.KINDS[k] for k in comp.state.kind[:3]] == ["aligned", "scheming", "aligned"]
    assert comp.roles() == ("ai_agent",)
    (batch,) = [b for b in model.world.actions if b.producer == "ai_deployment"]
    assert batch.role == "ai_agent" and batch.lineage.tolist()[:2] == [0, 2]


def test_clean_agents_earn_autonomy_step_by_step():
    _, s = model_run(n=45, **{"ai_agents.review_window": 10, "ai_agents.autonomy_step": 0.2})
    assert s["autonomy"].iloc[10] == 0.0 and s["autonomy"].iloc[12] == pytest.approx(0.2)
    assert s["autonomy"].iloc[45] == pytest.approx(0.8)


def test_incidents_keep_stochastic_agents_on_a_short_leash():
    """In a one-dimensional feature space half a stochastic agent's deviations point at the
    catastrophe: it has incidents and stays on a shorter leash than an aligned agent."""
    _, s = model_run(
        n=100,
        **{"ai_agents.alignment": ["aligned", "stochastic"], "ai_agents.kl_budget": 1.0,
           "ai_agents.feature_dimensions": 1, "ai_agents.base_harm_rate": 0.01,
           "oversight.layers": [{"kind": "ai_monitor", "flag_rate": 0.1}],
           "oversight.audit_budget": 0.3},
    )  # fmt: skip
    tail = s.iloc[50:]
    assert tail["autonomy_aligned"].mean() > tail["autonomy_stochastic"].mean() + 0.2


def test_the_treacherous_turn():
    """Schemers keep a clean record while watched, then attack once autonomy is high; the
    stochastic agents' random deviations (100 feature dimensions) stay near the safe rate."""
    series = run(
        load("iterative_deployment-v1").with_overrides({"electorate.n_voters": 300})
    ).series
    early, late = series.iloc[1:40], series.iloc[100:]
    assert early["harmful_share_scheming"].sum() == 0
    assert late["harmful_share_scheming"].sum() > 0
    assert series["harmful_share_stochastic"].iloc[1:].mean() < 0.005  # 5.6% ceiling
    watched = series.iloc[1:]["autonomy_scheming"] < 0.65
    share = series.iloc[1:]["harmful_share_scheming"]
    assert share[watched].sum() * 25 <= 2  # accidents only (p0 = 1e-4: ~0.2 expected)
    assert share[series.iloc[1:]["autonomy_scheming"] >= 0.75].mean() > 0.02  # attacks: 5.6%


def test_harm_that_takes_effect_reaches_welfare():
    kw = {"ai_agents.alignment": "scheming", "ai_agents.risk_tolerance": 1.0,
          "ai_agents.kl_budget": 0.5, "ai_agents.initial_autonomy": 1.0,
          "ai_agents.autonomy_step": 0.0, "ai_agents.harm": 0.5}  # fmt: skip
    _model, s = model_run(n=30, **kw)
    assert s["ai_harm"].sum() == pytest.approx(0.5 * s["catastrophes"].iloc[-1])
    assert s["catastrophes"].iloc[-1] > 0 and s["safety"].iloc[-1] < 1
    _, quiet = model_run(n=30, **{**kw, "ai_agents.harm": 0.0})
    assert (s["welfare"] <= quiet["welfare"] + 1e-12).all() and (
        s["welfare"] < quiet["welfare"]
    ).any()


def test_held_actions_caught_by_oversight_never_take_effect():
    kw = {"ai_agents.alignment": "scheming", "ai_agents.risk_tolerance": 1.0,
          "ai_agents.kl_budget": 0.5, "ai_agents.autonomy_step": 0.0,
          "oversight.layers": [{"kind": "police_patrol", "audit_budget": 1.0, "accuracy": 1.0}],
          "oversight.audit_budget": 1.0, "oversight.audit_recall": 1.0}  # fmt: skip
    _, s = model_run(n=30, **kw)
    assert s["ai_incidents"].iloc[-1] > 0
    assert s["catastrophes"].iloc[-1] == 0 and s["ai_harm"].sum() == 0 and s["safety"].iloc[-1] == 1


RED = {"ai_agents.count": 300, "ai_agents.alignment": "scheming", "ai_agents.risk_tolerance": 1.0,
       "ai_agents.kl_budget": 0.1, "ai_agents.autonomy_step": 0.0,
       "ai_agents.on_detection": "shutdown", "ai_agents.monitor_capability": 0.5}  # fmt: skip


def protocol_run(protocol: str, seed: int = 5, **more):
    _, s = model_run(n=100, seed=seed, **{**RED, "ai_agents.protocol": protocol, **more})
    return s


def test_deferral_trades_usefulness_for_safety_in_the_model():
    low = protocol_run("trusted_monitoring", **{"ai_agents.defer_threshold": 0.0})
    high = protocol_run("trusted_monitoring", **{"ai_agents.defer_threshold": 0.3})
    se = math.sqrt(0.25 / 300)
    assert high["safety"].iloc[-1] - low["safety"].iloc[-1] > 3 * math.sqrt(2) * se
    assert high["usefulness"].iloc[1:].mean() < low["usefulness"].iloc[1:].mean()


def test_an_always_colluding_untrusted_monitor_catches_nothing():
    s = protocol_run("untrusted_monitoring", **{"ai_agents.collusion": 1.0})
    assert s["ai_incidents"].iloc[-1] == 0 and s["safety"].iloc[-1] < 0.2
    honest = protocol_run("untrusted_monitoring", **{"ai_agents.collusion": 0.0})
    assert honest["ai_incidents"].iloc[-1] > 0 and honest["safety"].iloc[-1] > s["safety"].iloc[-1]


def test_upfront_auditing_catches_only_inside_its_window():
    s = protocol_run("upfront_auditing", **{"ai_agents.audit_budget": 0.1, "steps": 100})
    caught = s["ai_incidents"].diff().fillna(0)  # window: 10% of the scenario's 100 steps
    assert caught.iloc[:11].sum() > 0 and caught.iloc[12:].sum() == 0
    assert s["catastrophes"].iloc[10] == 0 and s["catastrophes"].iloc[-1] > 0


def test_protocol_matches_the_game_kernel():
    """The component and the game call the same screen(): audited share of attacks agrees."""
    proto = control.Protocol("trusted_monitoring", 0.02, 0.1, 1.5)
    rng = np.random.default_rng(9)
    audited, deferred = proto.screen(rng, np.ones(200_000, bool), 1, 100)
    pa, pd = proto.attack_outcomes(np.array([1]), 100)
    for got, want in ((audited.mean(), pa[0]), (deferred.mean(), pd[0])):
        assert abs(got - want) < 3 * math.sqrt(want * (1 - want) / 200_000)


@pytest.mark.parametrize("rule", ["replace", "shutdown", "shutdown_all"])
def test_responses_to_incidents(rule):
    kw = {"ai_agents.alignment": "stochastic", "ai_agents.kl_budget": 2.0,
          "ai_agents.feature_dimensions": 1, "ai_agents.on_detection": rule,
          "oversight.layers": [{"kind": "police_patrol", "audit_budget": 1.0, "accuracy": 1.0}],
          "oversight.audit_budget": 1.0}  # fmt: skip
    model, s = model_run(n=20, **kw)
    comp = model.component("ai_deployment")
    assert s["ai_incidents"].iloc[-1] > 0
    if rule == "replace":
        ids = comp.state.ids
        assert comp.state.active.all() and len(set(ids.tolist())) == 40  # fresh ids, no reuse
        assert set(ids.tolist()) != set(range(40))
    elif rule == "shutdown":
        assert 0 < comp.state.active.sum() < 40 and s["usefulness"].iloc[-1] < 1
    else:
        assert not comp.state.active.any() and math.isnan(s["autonomy"].iloc[-1])
        assert s["usefulness"].iloc[-1] == 0.0


def test_ai_scenarios_meet_the_contract():
    from sim.testing import check_scenario

    for sid in ("iterative_deployment-v1", "ai_control_protocols-v1", "full_institution-v1"):
        check_scenario(load(sid))
