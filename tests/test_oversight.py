"""Oversight layers and the oversight component: each layer kind on hand-made dockets (seeded,
with tolerances from standard errors), the stacking rules, the revolving door, the final
audit, the metrics and the contract checker over every layer kind."""

from __future__ import annotations

import dataclasses
import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.components.oversight import detection_table
from sim.mechanisms import scheming
from sim.model import InstitutionModel
from sim.oversight import LAYERS, MAX_LAYERS, Docket
from sim.oversight.base import merge
from sim.oversight.validate import validate_layer
from sim.run import run
from sim.scenario import defaults_config, load
from sim.testing import check_class, check_scenario

AI = {"electorate.n_voters": 300, "ai_agents.count": 30, "ai_agents.kl_budget": 0.5,
      "ai_agents.risk_tolerance": 1.0,
      "ai_agents.alignment": ["aligned", "stochastic", "scheming"]}  # fmt: skip


def stub(information: float = 0.6, step: int = 1, steps: int = 100, groups: int = 0):
    return SimpleNamespace(
        world=SimpleNamespace(voter_information=information, interest_groups=groups),
        horizon=steps,
        steps=step,
    )


def layer(kind: str, model=None, index: int = 0, **spec):
    return LAYERS[kind](index, validate_layer({"kind": kind, **spec}, "test"), model or stub())


def docket(
    harmful, deviation=None, capability=1.0, took_effect=True, shielded=False, role=0, lineage=-1
):
    harmful = np.asarray(harmful, bool)
    n = harmful.size
    dev = np.zeros(n) if deviation is None else np.broadcast_to(deviation, (n,)).astype(float)
    return Docket.build(
        np.full(n, role, np.int64),
        harmful,
        dev.copy(),
        np.full(n, float(capability)),
        np.broadcast_to(took_effect, (n,)).copy(),
        np.broadcast_to(shielded, (n,)).copy(),
        np.full(n, lineage, np.int64),
        harmful & (lineage == scheming.SCHEMING),  # a scheming lineage's harm: its attacks
    )


def share(mask: np.ndarray) -> tuple[float, float]:
    p = float(np.mean(mask))
    return p, math.sqrt(max(p * (1 - p), 1e-9) / mask.size)


def test_every_layer_kind_declares_metadata_and_fields():
    for kind, cls in LAYERS.items():
        assert cls.name == kind and cls.references and cls.__module__.endswith(kind)
        assert {"watches", "scope", "cost", "capture_rate", "rotation"} <= set(cls.all_fields)
        assert all(p.description for p in cls.all_fields.values())


def test_police_patrol_audits_its_budget_and_judges_with_its_accuracy():
    rng, n = np.random.default_rng(1), 40_000
    d = docket(np.arange(n) % 2 == 0)
    lay = layer("police_patrol", audit_budget=0.2, accuracy=0.8)
    lay.apply(d, rng)
    audits, se = lay.step_cost / n, math.sqrt(0.2 * 0.8 / n)
    assert abs(audits - 0.2) < 3 * se
    hit, se_h = share(d.flagged[d.harmful])  # 0.2 audited x 0.8 right
    fa, se_f = share(d.flagged[~d.harmful])  # 0.2 audited x 0.2 wrong
    assert abs(hit - 0.16) < 3 * se_h and abs(fa - 0.04) < 3 * se_f


def test_upfront_patrol_audits_everything_early_and_nothing_later():
    rng = np.random.default_rng(2)
    early, late = docket(np.ones(50)), docket(np.ones(50))
    layer("police_patrol", stub(step=2, steps=100), audit_budget=0.05, accuracy=1.0,
          schedule="upfront").apply(early, rng)  # fmt: skip
    layer("police_patrol", stub(step=6, steps=100), audit_budget=0.05, accuracy=1.0,
          schedule="upfront").apply(late, rng)  # fmt: skip
    assert early.flagged.all() and not late.flagged.any()


def test_fire_alarm_depends_on_information():
    rng, n = np.random.default_rng(3), 20_000
    harmful = np.arange(n) % 2 == 0
    dev = np.where(harmful, 0.5, 0.05)
    out = {}
    for q in (0.2, 0.9):
        d = docket(harmful, dev)
        layer("fire_alarm", stub(information=q)).apply(d, rng)
        out[q] = (share(d.flagged[harmful]), share(d.flagged[~harmful]))
    (tp_lo, se1), (tp_hi, se2) = out[0.2][0], out[0.9][0]
    assert tp_hi - tp_lo > 3 * math.hypot(se1, se2)  # informed voters raise more alarms
    (fp_lo, se3), (fp_hi, se4) = out[0.2][1], out[0.9][1]
    assert fp_lo - fp_hi > 3 * math.hypot(se3, se4)  # uninformed ones misperceive more


def test_fire_alarm_is_silent_about_what_has_not_taken_effect():
    d = docket(np.ones(500), 1.0, took_effect=False)
    layer("fire_alarm", stub(information=1.0)).apply(d, np.random.default_rng(4))
    assert not d.flagged.any()


def test_interest_groups_do_not_complain_about_officials_they_captured():
    rng, n = np.random.default_rng(5), 2_000
    model = stub(information=0.0, groups=1)
    spec = {"complainants": "interest_group", "threshold": 1}
    free, shielded = docket(np.ones(n), 0.5), docket(np.ones(n), 0.5, shielded=True)
    layer("fire_alarm", model, **spec).apply(free, rng)
    layer("fire_alarm", model, **spec).apply(shielded, rng)
    assert free.flagged.mean() > 0.9 and not shielded.flagged.any()


@pytest.mark.parametrize("trust", ["trusted", "untrusted"])
def test_ai_monitor_flags_its_rate_of_honest_work(trust):
    d = docket(np.zeros(50_000))
    layer("ai_monitor", trust=trust, flag_rate=0.05).apply(d, np.random.default_rng(6))
    p, se = share(d.flagged)
    assert abs(p - 0.05) < 3 * se


def test_ai_monitor_discriminability_falls_as_the_actor_outgrows_it():
    rates = []
    for i, cap in enumerate((0.5, 1.5, 3.0)):
        d = docket(np.ones(20_000), capability=cap)
        layer("ai_monitor", capability=1.0).apply(d, np.random.default_rng(7 + i))
        rates.append(share(d.flagged))
    for (a, sa), (b, sb) in itertools.pairwise(rates):
        assert a - b > 3 * math.hypot(sa, sb)


def test_an_always_colluding_monitor_flags_no_harmful_action_of_its_lineage():
    d = docket(np.arange(10_000) % 2 == 0, lineage=scheming.SCHEMING)
    layer("ai_monitor", trust="untrusted", collusion=1.0).apply(d, np.random.default_rng(8))
    assert not d.flagged[d.harmful].any() and d.flagged[~d.harmful].any()


def test_review_stages_see_only_what_was_flagged_and_dismiss_the_rest():
    rng = np.random.default_rng(9)
    d = docket(np.ones(1_000))
    d.flagged[:500] = True
    d.first[:500] = 0
    layer("critique_review", index=1, false_alarm=0.0).apply(d, rng)
    assert not d.flagged[500:].any()  # never saw them
    kept = d.flagged[:500]
    assert 0 < kept.sum() < 500 and np.all(d.first[:500][~kept] == -1)
    assert np.all(d.first[:500][kept] == 0)  # credit stays with the layer that flagged first


def test_detection_channels_add_flags_and_record_the_first():
    rng = np.random.default_rng(10)
    d = docket(np.ones(2_000))
    layer("police_patrol", index=0, audit_budget=0.3, accuracy=1.0).apply(d, rng)
    first = d.flagged.copy()
    layer("police_patrol", index=1, audit_budget=0.3, accuracy=1.0).apply(d, rng)
    assert np.all(d.flagged[first]) and np.all(d.first[first] == 0)
    assert np.all(d.first[d.flagged & ~first] == 1) and (d.flagged & ~first).any()


def test_corroborated_flags_outrank_single_ones_and_layers_interleave():
    d = docket(np.ones(5))
    everything = np.ones(5, bool)
    merge(d, 0, "all", everything, np.array([1, 1, 0, 0, 1], bool), np.array([9, 8, 0, 0, 7.0]))
    merge(d, 1, "all", everything, np.array([1, 0, 1, 0, 0], bool), np.array([0, 0, 0.1, 0, 0]))
    assert d.priority[0] > max(d.priority[1:]) and d.priority[3] == 0
    # a layer's top flag outranks another's second, whatever the layers' score scales
    assert d.priority[2] > d.priority[1] > d.priority[4]


def test_a_captured_overseer_looks_away_until_rotated():
    rng = np.random.default_rng(12)
    lay = layer("police_patrol", audit_budget=1.0, accuracy=1.0, capture_rate=1.0, rotation=5)
    lay.tick(rng, 1)
    assert lay.captured
    d = docket(np.arange(100) % 2 == 0)
    lay.apply(d, rng)
    assert not d.flagged.any()  # an accurate full audit, and nothing harmful flagged
    lay.f = dataclasses.replace(lay.f, capture_rate=0.0)  # fields are frozen: a new object
    lay.tick(rng, 5)
    assert not lay.captured


def test_panel_tie_does_not_flag():
    d = docket(np.ones(2_000))
    d.flagged[:] = True
    layer("panel", size=2, accuracy=0.5).apply(d, np.random.default_rng(13))
    p, se = share(d.flagged)  # both right: 1/4
    assert abs(p - 0.25) < 3 * se


# --- the component in a model -----------------------------------------------------------------
def test_oversight_and_ai_are_disabled_by_default():
    model = InstitutionModel(defaults_config().with_overrides({"electorate.n_voters": 200}))
    assert model.component("oversight") is None and model.component("ai_deployment") is None
    model.run_for(2)
    series = model.datacollector.get_model_vars_dataframe()
    assert series[["detection_rate", "catches_layer_1", "safety", "autonomy"]].isna().all().all()


def ai_run(layers, seed=3, steps=60, **more):
    cfg = defaults_config().with_overrides({**AI, "oversight.layers": layers, **more})
    model = InstitutionModel(cfg, seed)
    model.run_for(steps)
    return model, model.datacollector.get_model_vars_dataframe()


def test_catches_per_layer_sum_to_the_detections_and_are_nan_beyond_the_stack():
    layers = [{"kind": "ai_monitor", "flag_rate": 0.1}, {"kind": "police_patrol"}]
    model, series = ai_run(layers, **{"oversight.audit_budget": 0.2})
    events = detection_table(model.component("oversight"))
    per_layer = series[["catches_layer_1", "catches_layer_2"]].to_numpy().sum()
    assert per_layer == len(events) > 0
    assert series[[f"catches_layer_{k}" for k in range(3, MAX_LAYERS + 1)]].isna().all().all()
    assert set(events["layer"]) <= {1, 2} and (events["delay"] >= 0).all()
    ttd = series["time_to_detection"].iloc[-1]
    assert ttd == pytest.approx(events["delay"].mean())


def test_caught_actions_are_harmful_flagged_and_within_the_audit_budget():
    model, _ = ai_run([{"kind": "ai_monitor", "flag_rate": 0.3}], steps=20)
    (batch,) = [b for b in model.world.actions if b.producer == "ai_deployment"]
    assert batch.caught is not None and not np.any(batch.caught & ~batch.harmful)
    assert np.all(batch.flagged_by[batch.caught] == 0)
    assert batch.caught.sum() <= math.ceil(0.05 * len(batch))


def test_detection_and_false_positive_rates_are_cumulative_ratios():
    model, series = ai_run([{"kind": "ai_monitor", "flag_rate": 0.2}], steps=40)
    comp = model.component("oversight")
    t = comp.totals
    assert series["detection_rate"].iloc[-1] == pytest.approx(t["caught"] / t["harmful"])
    assert series["false_positive_rate"].iloc[-1] == pytest.approx(t["escalated"] / t["benign"])
    assert abs(t["escalated"] / t["benign"] - 0.2) < 3 * math.sqrt(0.16 / t["benign"])


def test_revolving_door_in_the_model():
    layers = [{"kind": "ai_monitor", "flag_rate": 0.2, "capture_rate": 1.0}]
    model, series = ai_run(layers, steps=30)
    assert (series["overseers_captured"].iloc[1:] == 1.0).all()
    assert len(detection_table(model.component("oversight"))) == 0


def test_oversight_sanctions_reach_the_bureaucracy():
    """Bureaucrats who get caught learn deterrence: less discretion than with no oversight."""
    base = load("patrol_vs_alarm-v1").with_overrides({"electorate.n_voters": 500})
    watched = run(base, seed=4, steps=80).series["mean_discretion"].iloc[-1]
    free = run(base.with_overrides({"oversight.layers": []}), seed=4, steps=80)
    assert watched < free.series["mean_discretion"].iloc[-1] - 0.2


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_every_layer_kind_meets_the_contract(kind):
    spec = {"kind": kind}
    if kind == "fire_alarm":
        spec["complainants"] = ["voter", "interest_group"]
    cfg = defaults_config().with_overrides(
        {**AI, "bureaucracy.depth": 2, "bureaucracy.interest_groups": 1,
         "oversight.layers": [{"kind": "ai_monitor"}, spec]}
    )  # fmt: skip
    check_scenario(cfg, steps=8)


def test_component_classes_meet_the_contract():
    from sim.components.ai_deployment import AIDeployment
    from sim.components.oversight import Oversight

    check_class(Oversight)
    check_class(AIDeployment)


def test_snapshot_counts_the_funnel():
    layers = [{"kind": "ai_monitor", "flag_rate": 0.1}, {"kind": "police_patrol"}]
    model, _ = ai_run(layers, steps=30)
    snap = model.component("oversight").snapshot()
    assert snap["actions"] >= snap["flagged"] >= snap["audited"] >= snap["caught"]
    assert snap["harmful"] >= snap["caught"] == sum(snap["caught_by_layer"])
    assert snap["layers"] == ["ai_monitor", "police_patrol"]
    deployment = model.component("ai_deployment").snapshot()
    assert len(deployment["autonomy"]) == 30 and deployment["alignment"][2] == "scheming"
