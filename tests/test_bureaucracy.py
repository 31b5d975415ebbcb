"""The bureaucracy: delegation, deterrence, capture, multitask gaming, the Niskanen bureau and
the component that stacks them (sim/components/bureaucracy.py)."""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest

from sim.components import METRICS
from sim.components.bureaucracy import MAX_LEVELS, Bureaucracy
from sim.errors import ConfigError
from sim.mechanisms import capture, delegation, deterrence, multitask, niskanen
from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import defaults_config, load

SMALL = {"electorate.n_voters": 300}


def model_for(overrides: dict, seed: int = 3) -> InstitutionModel:
    cfg = defaults_config().with_overrides({**SMALL, "bureaucracy.depth": 3, **overrides})
    return InstitutionModel(cfg, seed)


# --- delegation ----------------------------------------------------------------------------


def test_tree_levels_parents_and_leaves():
    t = delegation.build_tree(3, 5)
    assert t.size == 155 and t.starts == (0, 5, 30, 155)
    assert np.array_equal(np.bincount(t.level)[1:], [5, 25, 125])
    assert np.all(t.parent[:5] == -1)
    assert t.parent[5] == 0 and t.parent[9] == 0 and t.parent[10] == 1 and t.parent[154] == 29
    assert np.array_equal(np.unique(t.leaves_below), [1, 5, 25])


def test_zero_discretion_transmits_mandate_and_full_discretion_replaces_it():
    t = delegation.build_tree(2, 3)
    rng = np.random.default_rng(0)
    ideal, mandate = rng.standard_normal((t.size, 2)), np.array([0.3, -0.7])
    _, out = delegation.propagate(t, mandate, ideal, np.zeros(t.size))
    assert np.allclose(out, mandate)
    _, out = delegation.propagate(t, mandate, ideal, np.ones(t.size))
    assert np.allclose(out, ideal)


def test_ledger_hand_computed_chain():
    """A chain of two (branching 1), d=1: level 1 moves the policy from 0 to 1, level 2 passes
    it on unchanged; voters' centre 0. Loss: level 1 = 1, level 2 = 0."""
    t = delegation.build_tree(2, 1)
    _, out = delegation.propagate(t, np.zeros(1), np.array([[1.0], [5.0]]), np.array([1.0, 0.0]))
    losses = delegation.ledger(t, np.zeros(1), out, np.zeros(1))
    assert np.allclose(losses, [1.0, 0.0])


def test_ledger_telescopes_to_total_welfare_loss():
    t = delegation.build_tree(3, 4)
    rng = np.random.default_rng(1)
    mandate, centre = rng.standard_normal(3), rng.standard_normal(3)
    _, out = delegation.propagate(
        t, mandate, rng.standard_normal((t.size, 3)), rng.random(t.size), rng.normal(size=(64, 3))
    )
    losses = delegation.ledger(t, mandate, out, centre)
    total = delegation.welfare(mandate, centre) - delegation.welfare(out[t.leaves], centre)
    assert losses.shape == (3,) and math.isclose(losses.sum(), total, rel_tol=1e-12)


def test_welfare_is_mean_voter_quadratic_loss_up_to_a_constant():
    rng = np.random.default_rng(2)
    voters, offices = rng.standard_normal((4000, 2)), rng.standard_normal((7, 2))
    direct = np.mean([-(((voters - p) ** 2).sum(axis=1)).mean() / 2 for p in offices])
    const = -((voters - voters.mean(0)) ** 2).sum(axis=1).mean() / 2
    assert math.isclose(delegation.welfare(offices, voters.mean(0)) + const, direct, rel_tol=1e-10)


# --- deterrence and capture ----------------------------------------------------------------


def test_undeterred_discretion_grows_to_one_and_deterred_discretion_shrinks():
    d = np.full(3, 0.1)
    grown = [d := deterrence.discretion_step(d, np.zeros(3), 0.05, 2.0) for _ in range(300)]
    assert np.all(np.diff(np.array(grown)[:, 0]) > 0) and grown[-1][0] > 0.99
    shrunk = deterrence.discretion_step(np.full(3, 0.5), np.full(3, 0.8), 0.1, 2.0)
    assert np.all(shrunk < 0.5)


def test_belief_learns_only_from_exposed_actions():
    b = deterrence.update_belief(
        np.full(3, 0.5), np.array([True, True, False]), np.array([True, False, True]), 0.5
    )
    assert np.allclose(b, [0.75, 0.25, 0.5])


def test_capture_is_absorbing_and_follows_the_hazard():
    rng = np.random.default_rng(4)
    by = np.full(20_000, capture.FREE)
    by[:10] = 1
    out = capture.capture_step(by, np.full(20_000, 0.3), np.array([1.0, 3.0]), rng)
    assert np.all(out[:10] == 1)
    hit = out[10:] != capture.FREE
    se = math.sqrt(0.3 * 0.7 / hit.size)
    assert abs(hit.mean() - 0.3) < 3 * se
    share1 = np.mean(out[10:][hit] == 1)
    assert abs(share1 - 0.75) < 3 * math.sqrt(0.75 * 0.25 / hit.sum())
    assert np.array_equal(capture.capture_step(by, np.zeros(20_000), np.ones(2), rng), by)


def test_leverage_weights_and_hazard():
    w = capture.lobby_weights(np.array([25, 5, 1, 1]), "leverage")
    assert math.isclose(w.mean(), 1.0) and w[0] > w[1] > w[2]
    h = capture.hazard(0.5, np.array([1.0, 4.0]), np.array([0.5, 0.0]))
    assert np.allclose(h, [0.25, 1.0])


# --- multitask -----------------------------------------------------------------------------


def test_best_response_matches_brute_force():
    floor, w = 0.05, np.array([1.0, 0.3, 0.0])
    br = multitask.best_response(w, floor)[0]
    grid = np.linspace(floor, 1 - 2 * floor, 400)
    cands = np.array([(a, b, 1 - a - b) for a, b in itertools.product(grid, grid)])
    cands = cands[cands[:, 2] >= floor]
    best = cands[np.argmax(multitask.precision_utility(cands, w))]
    assert math.isclose(br.sum(), 1.0) and br[2] == floor
    assert np.allclose(br, best, atol=3e-3)


def test_projection_onto_floored_budget():
    rng = np.random.default_rng(5)
    e = multitask.project_budget(rng.normal(0.3, 0.5, size=(50, 4)), 0.03)
    assert np.allclose(e.sum(axis=1), 1.0) and e.min() >= 0.03 - 1e-12
    assert np.allclose(multitask.project_budget(e, 0.03), e)


# --- Niskanen ------------------------------------------------------------------------------


def test_bureau_extracts_the_whole_surplus_and_a_known_cost_prices_it_out():
    sponsor = niskanen.Sponsor(10.0, 1.0)
    offer = niskanen.budget_offer(sponsor.accepts, 6.0)
    eff = niskanen.priced_purchase(sponsor, 6.0)
    assert abs(offer.sponsor_surplus(sponsor)) < 1e-9
    assert math.isclose(niskanen.surplus_lost(sponsor, offer, eff), 8.0, rel_tol=1e-6)
    assert niskanen.budget_offer(sponsor.accepts, 12.0).output == 0.0


# --- the component -------------------------------------------------------------------------


def test_disabled_by_default_so_electoral_scenarios_are_unchanged():
    assert not Bureaucracy.enabled(defaults_config())
    res = run(defaults_config().with_overrides(SMALL), seed=1, steps=5)
    for m in Bureaucracy.metrics:
        assert res.series[m.name].isna().all()
    model = InstitutionModel(defaults_config().with_overrides(SMALL), 1)
    model.run_for(3)
    assert model.component("bureaucracy") is None
    assert np.array_equal(model.world.implemented, model.world.mandate)


def test_metrics_declared_reported_and_ledger_sums():
    model = model_for({})
    model.run_for(5)
    comp = model.component("bureaucracy")
    out = comp.report()
    assert set(out) == {m.name for m in Bureaucracy.metrics} and set(out) <= set(METRICS)
    assert all(type(v) is float for v in out.values())
    levels = [out[f"drift_level_{k}"] for k in range(1, MAX_LEVELS + 1)]
    assert all(math.isnan(x) for x in levels[3:])
    assert math.isclose(sum(levels[:3]), out["drift_by_level"], rel_tol=1e-9, abs_tol=1e-12)


def test_implemented_is_leaf_mean_and_actions_go_to_oversight():
    model = model_for({})
    model.step()
    comp = model.component("bureaucracy")
    leaves = comp.state.output[comp.tree.leaves]
    assert np.allclose(model.world.implemented, leaves.mean(axis=0))
    (batch,) = [b for b in model.world.actions if b.producer == "bureaucracy"]
    assert len(batch) == 155 and batch.caught is None
    assert batch.actor.tolist() == list(range(155))  # one actor id per office
    assert np.all(batch.deviation >= 0) and batch.harmful.dtype == bool
    assert Bureaucracy.roles() == ("bureaucrat", "interest_group", "ai_official")
    assert {type(a).__name__ for a in model.agents} == {"Politician"}  # officials are rows


def test_captured_officials_are_shielded_and_groups_are_counted():
    model = model_for({"bureaucracy.interest_groups": 2, "bureaucracy.capture_rate": 0.2})
    for _ in range(5):
        model.step()
    comp = model.component("bureaucracy")
    assert model.world.interest_groups == 2
    assert np.array_equal(comp.batch.shielded, comp.state.captured_by != capture.FREE)
    assert comp.batch.shielded.any()


def catch(model, nodes):
    comp = model.component("bureaucracy")
    comp.batch.caught = np.isin(np.arange(len(comp.batch)), nodes)


def test_reset_sanction_and_learned_deterrence():
    model = model_for({"bureaucracy.drift_rate": 0.1, "bureaucracy.tolerance": 0.0})
    for _ in range(10):
        model.step()
    comp = model.component("bureaucracy")
    before = comp.state.discretion.copy()
    catch(model, [0, 1])
    model.step()
    d0, s = comp.p.bureaucracy.initial_discretion, comp.state
    expected = deterrence.discretion_step(np.full(2, d0), s.belief[:2], 0.1, 2.0)
    assert np.allclose(s.discretion[:2], expected) and np.all(expected < 0.5 * before[:2])
    assert s.belief[:2].min() > s.belief[2:].max()  # caught once: believes detection likelier


def test_remove_sanction_replaces_the_official_and_ends_capture():
    model = model_for(
        {
            "bureaucracy.sanction": "remove",
            "bureaucracy.capture_rate": 1.0,
            "bureaucracy.prior_detection": 0.0,
        }
    )
    model.step()
    comp = model.component("bureaucracy")
    assert np.all(comp.state.captured_by != capture.FREE)
    old = int(comp.state.ids[3])
    catch(model, [3])
    model.step()
    new = int(comp.state.ids[3])
    assert new != old and new not in comp.state.ids[np.arange(155) != 3]  # a fresh actor id
    assert comp.batch.actor[3] == new
    assert comp.state.discretion[3] < comp.state.discretion[4]


def test_no_oversight_means_nothing_caught_and_discretion_only_grows():
    res = run(load("bureaucratic_drift-v1").with_overrides(SMALL), seed=2, steps=120)
    disc = res.series["mean_discretion"].to_numpy()
    assert np.all(np.diff(disc) > 0)
    early, late = (
        res.series["policy_drift"].iloc[1:11].mean(),
        res.series["policy_drift"].iloc[-20:],
    )
    assert late.mean() > early + 0.2


def test_capture_rises_and_pulls_policy_toward_the_group():
    res = run(load("regulatory_capture-v1").with_overrides(SMALL), seed=2, steps=150)
    cap = res.series["capture_index"].to_numpy()
    assert np.all(np.diff(cap) >= 0) and cap[-1] > 0.6
    assert res.series["capture_pull"].iloc[-10:].mean() > 1.0
    no_capture = load("regulatory_capture-v1").with_overrides(
        {**SMALL, "bureaucracy.capture_rate": 0.0}
    )
    baseline = run(no_capture, seed=2, steps=150).series["capture_pull"].iloc[-10:].mean()
    assert res.series["capture_pull"].iloc[-10:].mean() > baseline + 0.5


def test_niskanen_harm_enters_world_harm():
    over = {"bureaucracy.implementation_noise": 0.0, "bureaucracy.initial_discretion": 0.0,
            "bureaucracy.drift_rate": 0.0}  # fmt: skip
    budget = model_for(over)
    efficient = model_for({**over, "bureaucracy.budget_objective": "efficient"})
    for m in (budget, efficient):
        m.step()
    assert math.isclose(budget.world.harm, 0.01 * 8.0, rel_tol=1e-6)
    assert abs(efficient.world.harm) < 1e-12
    assert efficient.component("bureaucracy").report()["bureau_output"] == pytest.approx(4.0)


@pytest.mark.parametrize("scenario", ["bureaucratic_drift-v1", "regulatory_capture-v1"])
def test_seeded_replay_identical_and_seeds_differ(scenario):
    cfg = load(scenario).with_overrides(SMALL)
    a, b, c = (run(cfg, seed=s, steps=40).series for s in (7, 7, 8))
    assert a.equals(b)
    assert not a["policy_drift"].equals(c["policy_drift"])


def test_model_with_bureaucracy_pickles_and_continues_identically():
    model = model_for({"bureaucracy.capture_rate": 0.05})
    model.run_for(5)
    clone = pickle.loads(pickle.dumps(model))
    model.run_for(5)
    clone.run_for(5)
    assert np.array_equal(model.world.implemented, clone.world.implemented)


def test_bad_bureaucracy_values_name_the_field():
    with pytest.raises(ConfigError, match=r"bureaucracy\.sanction.*did you mean 'remove'"):
        defaults_config().with_overrides({"bureaucracy.sanction": "removal"})
    with pytest.raises(ConfigError, match=r"bureaucracy\.depth"):
        defaults_config().with_overrides({"bureaucracy.depth": 9})


def run_with_audits(scenario: str, p: float, sanction: str, steps: int = 120) -> dict:
    """Emulate an oversight layer: each harmful action is caught with probability p."""
    cfg = load(scenario).with_overrides({**SMALL, "bureaucracy.sanction": sanction})
    model, audit = InstitutionModel(cfg, 5), np.random.default_rng(11)
    comp = model.component("bureaucracy")
    for _ in range(steps):
        model.step()
        comp.batch.caught = comp.batch.harmful & (audit.random(len(comp.batch)) < p)
    return comp.report()


def test_detection_deters_drift_and_only_removal_ends_capture():
    free, audited = (run_with_audits("bureaucratic_drift-v1", p, "reset") for p in (0.0, 0.3))
    assert audited["mean_discretion"] < 0.5 * free["mean_discretion"]
    assert audited["policy_drift"] < free["policy_drift"]
    fined = run_with_audits("bureaucratic_drift-v1", 0.1, "fine")
    assert fined["mean_discretion"] > 0.5  # a fine deters only once severity x p_hat nears 1
    reset, removed = (run_with_audits("regulatory_capture-v1", 0.3, s) for s in ("reset", "remove"))
    assert reset["capture_index"] > 0.4 and removed["capture_index"] < 0.1


CONTRACT_VARIANTS = {
    "bureaucratic_drift-v1": {},
    "regulatory_capture-v1": {
        "bureaucracy.sanction": "remove",
        "bureaucracy.lobby_target": "leverage",
    },
    "deep_gamed_scrutinized": {
        "bureaucracy.depth": 5,
        "bureaucracy.branching": 3,
        "bureaucracy.measured_dimensions": 1,
        "bureaucracy.sponsor_scrutiny": 0.5,
        "bureaucracy.budget_cycle": 2,
        "bureaucracy.sanction": "fine",
    },
}


@pytest.mark.parametrize("name", CONTRACT_VARIANTS)
def test_contract_checker(name):
    from sim.testing import check_class, check_scenario

    check_class(Bureaucracy)
    base = load(name) if name.endswith("-v1") else load("bureaucratic_drift-v1")
    check_scenario(base.with_overrides(CONTRACT_VARIANTS[name]))
