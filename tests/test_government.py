"""Government levers (issue 12): the bandit the lever policies learn with, and the coupling
the government component adds (the audit budget it sets is the one the final audit uses,
and it is paid for with the incumbent's work). The emergent result (an approval maximizer
starves oversight at low information; the effect vanishes when oversight no longer crowds
out visible work) is a finding: scenarios/findings/, `instalign findings --check`."""

from __future__ import annotations

import numpy as np
import pytest

from sim.levers import LEVER_POLICIES, Period
from sim.mechanisms.bandit import Bandit
from sim.params import PARAMS
from sim.run import run
from sim.scenario import load

SMALL = {"steps": 30, "electorate.n_voters": 400, "ai_agents.count": 10}


def test_the_bandit_tries_every_arm_then_mostly_exploits_the_best():
    rng = np.random.default_rng(7)
    truth = np.array([0.1, 0.5, 0.3, 0.45])
    bandit = Bandit(len(truth), epsilon=0.1)
    picks = []
    for _ in range(2000):
        arm = bandit.choose(rng)
        bandit.learn(arm, truth[arm] + 0.1 * rng.standard_normal())
        picks.append(arm)
    assert sorted(picks[:4]) == [0, 1, 2, 3]  # every arm once before any exploiting
    assert bandit.favoured() == 1
    share = np.mean(np.array(picks[500:]) == 1)
    assert share > 0.85  # 1 - epsilon + epsilon / 4 = 0.925 once it has settled
    assert abs(bandit.means[1] - 0.5) < 4 * 0.1 / np.sqrt(bandit.counts[1])
    bandit.learn(0, float("nan"))  # a period with no data teaches nothing
    assert np.isfinite(bandit.means).all()


def test_every_lever_policy_is_declared_and_learns_only_from_its_own_reward():
    choices = PARAMS["government.lever_policy"].choices
    assert set(choices) == {"none", *LEVER_POLICIES}
    welfare = LEVER_POLICIES["welfare_maximizer"](3, 0, 0.0)
    approval = LEVER_POLICIES["approval_maximizer"](3, 0, 0.0)
    for arm, period in enumerate([Period(0.9, -1.0), Period(0.1, 0.5), Period(0.5, 0.0)]):
        welfare.learn(arm, period)
        approval.learn(arm, period)
    assert welfare.favoured() == 1 and approval.favoured() == 0
    assert LEVER_POLICIES["fixed"](3, 2, 0.5).choose(np.random.default_rng(0)) == 2


def _series(**sets):
    return run(load("full_institution-v1", {**SMALL, **sets}), seed=3).series


def test_a_government_whose_coupling_is_cut_changes_nothing():
    """Fixed levers at price 0: the same audit budget and no effort taken: the run is the
    run without a government, bit for bit."""
    off = _series()
    cut = _series(**{"government.lever_policy": "fixed", "government.oversight_price": 0.0})
    for metric in ("welfare", "approval", "detection_rate", "policy_drift", "oversight_cost"):
        assert np.array_equal(off[metric].to_numpy(), cut[metric].to_numpy(), equal_nan=True)
    assert (cut["oversight_budget"] == 0.05).all() and (cut["effort_budget"] == 1.0).all()


@pytest.mark.parametrize("budget", [0.0, 0.3])
def test_the_budget_set_is_the_one_audited_and_it_is_paid_with_work(budget):
    sets = {"government.lever_policy": "fixed", "oversight.audit_budget": budget,
            "government.oversight_price": 2.0}  # fmt: skip
    s = _series(**sets)
    assert (s["oversight_budget"] == budget).all()
    assert np.allclose(s["effort_budget"], max(0.0, 1 - 2.0 * budget))
    free = _series(**{**sets, "government.oversight_price": 0.0})
    audits_paid, audits_free = s["oversight_cost"].sum(), free["oversight_cost"].sum()
    assert audits_paid > 0 and audits_free > 0  # both audit what the budget allows
    if budget > 0:  # paying with work costs welfare; a zero budget costs nothing
        assert s["welfare"].mean() < free["welfare"].mean()
    else:
        assert np.array_equal(s["welfare"].to_numpy(), free["welfare"].to_numpy())


def test_a_learning_government_moves_its_budget_and_replays_exactly():
    sets = {"government.lever_policy": "approval_maximizer", "government.period": 3}
    a, b = _series(**sets), _series(**sets)
    assert np.array_equal(a["oversight_budget"].to_numpy(), b["oversight_budget"].to_numpy())
    assert a["oversight_budget"].nunique() >= 3  # it tried several settings


def test_extra_lever_settings_change_nothing_until_the_policy_uses_them():
    """The fixed policy keeps the default arm (declared audit budget, no appointees, the
    bureaucracy's own severity): declaring appointment and sanction settings leaves its run
    bit for bit as it was."""
    fixed = {"government.lever_policy": "fixed"}
    plain = _series(**fixed)
    levers = _series(**fixed, **{"government.appointment_settings": 3,
                                 "government.sanction_settings": 4})  # fmt: skip
    for metric in ("welfare", "approval", "policy_drift", "mean_discretion", "oversight_budget"):
        assert np.array_equal(plain[metric].to_numpy(), levers[metric].to_numpy()), metric
    assert (levers["appointed_share"] == 0).all()
    assert (levers["sanction_in_force"] == 2.0).all()  # bureaucracy.sanction_severity


def _forced(arm_settings: tuple[float, float], steps: int = 60, **sets):
    """A fixed-lever model whose arm is set to (appointed share, severity) by hand, stepped
    `steps` times; returns it."""
    from sim.model import InstitutionModel

    cfg = load("full_institution-v1", {
        **SMALL, "government.lever_policy": "fixed", "government.appointment_settings": 2,
        "government.sanction_settings": 3, "bureaucracy.appointee_error": 0.3, **sets,
    })  # fmt: skip
    model = InstitutionModel(cfg, 5)
    gov = model.component("government")
    share, severity = arm_settings
    a, s = (
        int(np.flatnonzero(gov.shares == share)[0]),
        int(np.flatnonzero(gov.severities == severity)[0]),
    )
    b = np.unravel_index(gov.arm, gov.shape)[0]
    gov.policy.default = gov.arm = int(np.ravel_multi_index((b, a, s), gov.shape))
    gov.apply()
    model.run_for(steps)
    return model


def test_appointees_follow_the_mandate_with_their_own_error():
    """Every top-level office held by an appointee passes on mandate + N(0, e^2 I): its
    squared distance from the mandate has mean d e^2 (chi-square with d degrees of freedom
    scaled by e^2; tolerance 4 SE over the 5 offices x 200 steps), with no direction, whatever
    the agency culture."""
    model = _forced((1.0, 2.0), steps=1)
    bureau, tree = model.component("bureaucracy"), model.component("bureaucracy").tree
    top = tree.level_slice(1)
    gaps, offsets = [], []
    for _ in range(200):
        model.step()
        out = bureau.state.output[top]
        offsets.append(out - bureau.mandate)  # from the mandate it received
        gaps.append((offsets[-1] ** 2).sum(axis=1))
    gaps = np.concatenate(gaps)
    d, e = out.shape[1], 0.3
    assert model.world.appointed_share == 1.0
    assert abs(gaps.mean() - d * e**2) < 4 * np.sqrt(2 * d) * e**2 / np.sqrt(gaps.size)
    # unbiased: an appointee's misreading has no direction (no agency culture, no capture)
    offsets = np.concatenate(offsets)
    assert (np.abs(offsets.mean(axis=0)) < 4 * e / np.sqrt(offsets.shape[0])).all()


def test_the_sanctions_lever_sets_the_severity_that_deters():
    """The severity the government enforces is the one the officials' discretion responds
    to: without sanctions discretion grows at the drift rate; at the maximum it is held."""
    sets = {"government.sanction_max": 20.0}  # settings 0, 10, 20 and the declared 2
    none = _forced((0.0, 0.0), steps=150, **sets).component("bureaucracy").state.discretion
    harsh = _forced((0.0, 20.0), steps=150, **sets).component("bureaucracy").state.discretion
    none, harsh = none.mean(), harsh.mean()
    assert none > harsh + 0.1
