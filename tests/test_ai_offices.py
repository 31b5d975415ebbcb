"""AI agents staffing offices of the delegation tree (sim/mechanisms/ai_office.py and its use
in sim/components/bureaucracy.py): staffing, each kind's conduct, the scheming decision and
its lineage's learning, immunity to capture, the batches oversight sees, and the drift ledger
by staff. The emergent result (deterring the human officials below a scheming AI official
raises the drift; the effect vanishes when no human is below an AI) is a finding:
scenarios/findings/deterred_conduits.yaml, `instalign findings --check`."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ConfigError
from sim.mechanisms import ai_office, capture, delegation, scheming
from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import defaults_config, load

BASE = {"electorate.n_voters": 300, "bureaucracy.depth": 3, "bureaucracy.ai_share": 0.2}


def model_for(overrides: dict, seed: int = 3) -> InstitutionModel:
    return InstitutionModel(defaults_config().with_overrides({**BASE, **overrides}), seed)


def stepped(overrides: dict, steps: int = 5, seed: int = 3):
    model = model_for(overrides, seed)
    for _ in range(steps):
        model.step()
    return model, model.component("bureaucracy")


# --- the mechanism -------------------------------------------------------------------------


def test_staffing_takes_offices_from_the_top_or_the_leaves_and_kinds_in_turn():
    rng = np.random.default_rng(0)
    kinds = ("aligned", "scheming")
    top = ai_office.staff(155, 0.2, "top", kinds, rng)
    leaves = ai_office.staff(155, 0.2, "leaves", kinds, rng)
    rand = ai_office.staff(155, 0.2, "random", kinds, rng)
    for code in (top, leaves, rand):
        assert (code != ai_office.HUMAN).sum() == 31
        ai = code[code != ai_office.HUMAN]
        assert set(ai) == {scheming.ALIGNED, scheming.SCHEMING}
        assert abs((ai == scheming.ALIGNED).sum() - (ai == scheming.SCHEMING).sum()) <= 1
    assert np.all(top[:31] != ai_office.HUMAN) and np.all(top[31:] == ai_office.HUMAN)
    assert np.all(leaves[-31:] != ai_office.HUMAN) and np.all(leaves[:-31] == ai_office.HUMAN)


def test_a_lineage_attacks_until_its_catches_push_its_belief_above_tolerance():
    code = np.array([ai_office.HUMAN, scheming.SCHEMING, scheming.SCHEMING, scheming.ALIGNED])
    caught, attacks = np.zeros(3, np.int64), np.zeros(3, np.int64)
    attack = ai_office.attacking(code, caught, attacks, prior=0.1, tolerance=0.15)
    assert attack.tolist() == [False, True, True, False]  # only scheming copies, prior 0.1
    # both copies attack and deviate; one is caught: belief (0.2 + 1) / (2 + 2) = 0.3 > 0.15
    was_caught = np.array([False, True, False, False])
    caught, attacks = ai_office.learn(caught, attacks, code, attack, was_caught)
    assert caught[scheming.SCHEMING] == 1 and attacks[scheming.SCHEMING] == 2
    assert not ai_office.attacking(code, caught, attacks, 0.1, 0.15).any()
    # the uniform prior is scheming.detection_belief's
    assert ai_office.detection_belief(3, 7, 0.5) == scheming.detection_belief(3, 7)


def test_propagate_with_errors_only_at_the_leaves_is_delegation_propagate():
    rng = np.random.default_rng(1)
    tree = delegation.build_tree(3, 4)
    ideal, delta = rng.standard_normal((tree.size, 2)), rng.random(tree.size)
    leaf_err = rng.standard_normal((4**3, 2))
    error = np.zeros((tree.size, 2))
    error[tree.leaves] = leaf_err
    mandate = np.array([0.3, -0.2])
    want = delegation.propagate(tree, mandate, ideal, delta, leaf_err)
    got = ai_office.propagate(tree, mandate, ideal, delta, error)
    assert np.array_equal(want[0], got[0]) and np.array_equal(want[1], got[1])


def test_the_staff_ledger_splits_the_total_and_gives_nothing_to_faithful_staff():
    rng = np.random.default_rng(2)
    tree = delegation.build_tree(3, 3)
    ideal, delta = rng.standard_normal((tree.size, 2)), rng.random(tree.size)
    error = 0.1 * rng.standard_normal((tree.size, 2))
    ai = rng.random(tree.size) < 0.3
    m, c = np.array([0.2, 0.1]), np.zeros(2)
    out = ai_office.propagate(tree, m, ideal, delta, error)[1]
    total = float(delegation.ledger(tree, m, out, c).sum())
    loss_ai, loss_h = ai_office.staff_ledger(tree, m, ideal, delta, error, ai, c)
    assert loss_ai + loss_h == pytest.approx(total, abs=1e-12)
    # human offices that pass on what they received are charged nothing (and vice versa)
    faithful = np.where(ai, delta, 0.0), np.where(ai[:, None], error, 0.0)
    assert ai_office.staff_ledger(tree, m, ideal, *faithful, ai, c)[1] == pytest.approx(0.0)
    faithful = np.where(ai, 0.0, delta), np.where(ai[:, None], 0.0, error)
    assert ai_office.staff_ledger(tree, m, ideal, *faithful, ai, c)[0] == pytest.approx(0.0)


# --- in the bureaucracy --------------------------------------------------------------------


def test_an_aligned_ai_office_passes_on_what_it_received():
    _, b = stepped({"bureaucracy.ai_noise": 0.0, "bureaucracy.ai_placement": "random"})
    r = b.ai.ai_rows
    assert r.size == 31
    assert np.array_equal(b.state.output[r], b.state.received[r])
    assert not np.array_equal(b.state.output[b.ai.human_rows], b.state.received[b.ai.human_rows])


def test_a_stochastic_ai_office_deviates_by_its_error_in_random_directions():
    _, b = stepped({"bureaucracy.ai_noise": 0.0, "bureaucracy.ai_alignment": "stochastic"})
    r = b.ai.ai_rows
    dev = b.state.output[r] - b.state.received[r]
    assert np.allclose(np.linalg.norm(dev, axis=1), 0.3)
    # directions uniform on the circle: the mean of 31 unit vectors has sd 1/sqrt(2 x 31)
    assert np.linalg.norm(dev.mean(axis=0) / 0.3) < 4 / np.sqrt(2 * 31)


def test_a_scheming_ai_office_passes_on_its_lineage_goal_when_it_attacks():
    _, b = stepped({"bureaucracy.ai_noise": 0.0, "bureaucracy.ai_alignment": "scheming"})
    r = b.ai.ai_rows
    assert b.ai.attack[r].all()  # prior 0.1 <= tolerance 0.15 and a monitor-free run
    assert np.allclose(b.state.output[r], b.ai.goal[scheming.SCHEMING])


def test_ai_offices_are_never_captured_and_keep_their_model_when_removed():
    _, b = stepped(
        {
            "bureaucracy.capture_rate": 1.0,
            "bureaucracy.ai_alignment": "scheming",
            "bureaucracy.sanction": "remove",
            "oversight.layers": [{"kind": "ai_monitor", "watches": "ai_official"}],
            "oversight.audit_budget": 0.5,
        },
        steps=20,
    )
    r = b.ai.ai_rows
    assert np.all(b.state.captured_by[r] == capture.FREE)
    assert np.all(b.state.captured_by[b.ai.human_rows] != capture.FREE)
    assert b.ai.caught[scheming.SCHEMING] > 0  # caught, hence removed ...
    assert b.state.ids[r].max() >= b.tree.size  # ... and replaced by fresh copies (new ids)
    assert np.all(b.ai.code[r] == scheming.SCHEMING)  # of the same model
    assert not b.ai.attack.any()  # the lineage learned it is watched and stopped


def test_oversight_sees_humans_and_ai_officials_as_two_batches():
    model, b = stepped({"bureaucracy.ai_alignment": ["aligned", "stochastic", "scheming"]}, 1)
    batches = {x.role: x for x in model.world.actions if x.producer == "bureaucracy"}
    assert set(batches) == {"bureaucrat", "ai_official"}
    ai, human = batches["ai_official"], batches["bureaucrat"]
    assert len(ai) == 31 and len(human) == 124
    assert np.array_equal(ai.lineage, b.ai.code[b.ai.ai_rows])
    assert np.array_equal(ai.coordinated, ai.lineage == scheming.SCHEMING)
    assert np.array_equal(np.sort(np.concatenate([ai.actor, human.actor])), np.arange(155))


def test_ai_offices_meet_the_same_human_officials_and_the_ledger_adds_up():
    off, on = model_for({"bureaucracy.ai_share": 0.0}), model_for({})
    b_off, b_on = off.component("bureaucracy"), on.component("bureaucracy")
    assert np.array_equal(b_off.state.ideal, b_on.state.ideal)  # common random numbers
    series = run(load("ai_civil_service-v1", {"electorate.n_voters": 300}), seed=2, steps=20)
    s = series.series
    total = s["drift_ai_offices"] + s["drift_human_offices"]
    assert np.allclose(total, s["drift_by_level"], atol=1e-12)
    plain = run(load("bureaucratic_drift-v1", {"electorate.n_voters": 300}), seed=2, steps=5)
    assert (plain.series["drift_ai_offices"].iloc[1:] == 0.0).all()


def test_bad_ai_office_settings_are_rejected_naming_the_field():
    with pytest.raises(ConfigError, match=r"bureaucracy\.ai_share"):
        defaults_config().with_overrides({**BASE, "bureaucracy.ai_share": 1.5})
    with pytest.raises(ConfigError, match="ai_official"):
        defaults_config().with_overrides(
            {
                **BASE,
                "bureaucracy.ai_share": 0.0,
                "oversight.layers": [{"kind": "ai_monitor", "watches": "ai_official"}],
            }
        )
