"""The menu auction (sim/mechanisms/menu_auction.py): anchor E1 passes and fails when the
government stops listening to a group; a group's ideal pulls the policy its way; a large weight
on voters' welfare brings the policy to their optimum; the equilibrium schedules are
non-negative, truthful and charge each group its marginal contribution; seeded replay. Anchor
E4 (the Tullock contest, sim/validate/lobbying.py) passes, and fails when bidders misjudge the
prize or the contest drops its reservation price."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import menu_auction as ma
from sim.validate import ANCHORS
from sim.validate.core import rng_for


def lobby(seed: int, k: int = 2, d: int = 1, a: float = 1.0) -> ma.Lobby:
    return ma.draw_lobby(rng_for(seed, k, d), k, d, 51, a)


def distance_to_c(game: ma.Lobby) -> float:
    return float(np.linalg.norm(ma.equilibrium(game).policy - game.voters.mean(axis=0)))


def test_anchor_e1_passes():
    failed = [(c.label, c.expected, c.measured) for c in ANCHORS["E1"].run() if not c.passed]
    assert not failed, failed


def test_anchor_e1_fails_when_the_government_ignores_a_group(monkeypatch):
    """A government deaf to the last group's schedule picks argmax a W + (the others' C)."""
    real = ma.Schedules.pay

    def deaf(self, p):
        paid = real(self, p)
        paid[:, -1] = 0.0
        return paid

    monkeypatch.setattr(ma.Schedules, "pay", deaf)
    failed = {c.label for c in ANCHORS["E1"].run() if not c.passed}
    assert {"d=1, k=1, a=0.5: p[0]", "d=2, k=3, a=1: p[1]"} <= failed


def test_government_weighs_every_schedule():
    """Schedules positive on the whole box: the choice is argmax a W + sum_i (b_i - |p - z_i|^2)
    = (a c + sum z_i) / (a + k); leaving schedule i out would move it by |z_i - p| / (a + k - 1)."""
    game = lobby(3, k=3, d=2, a=2.0)
    lo, hi = game.box()
    big = np.full(3, np.sum((hi - lo) ** 2) + 1.0)
    choice = ma.government_choice(game, ma.Schedules(game, big))
    want = (2.0 * game.voters.mean(axis=0) + game.ideals.sum(axis=0)) / 5.0
    assert np.all(np.abs(choice.policy - want) <= choice.precision)
    assert np.min(np.linalg.norm(game.ideals - want, axis=1)) / 4.0 > 100 * choice.precision.max()


@pytest.mark.parametrize("a", [0.5, 4.0])
def test_a_group_with_a_higher_ideal_pulls_the_policy_up(a):
    game = lobby(5, k=2, d=1, a=a)
    higher = ma.Lobby(game.ideals + np.array([[0.0], [1.0]]), game.voters, a)
    low, high = ma.equilibrium(game), ma.equilibrium(higher)
    assert high.policy[0] - low.policy[0] > 2 * (low.precision[0] + high.precision[0])


def test_large_weight_on_welfare_brings_the_policy_to_c():
    game = lobby(7, k=2, d=2)
    dist = [distance_to_c(ma.Lobby(game.ideals, game.voters, a)) for a in (1, 10, 100, 1000)]
    assert np.all(np.diff(dist) < 0), dist
    assert dist[-1] < 0.01 * dist[0], dist  # p - c shrinks like 1 / (a + k): 3 / 1002 here


def test_schedules_are_nonnegative_truthful_and_charge_marginal_contributions():
    game = lobby(11, k=3, d=2, a=1.0)
    margin = 1e-8
    out = ma.equilibrium(game, margin=margin)
    assert out.converged
    lo, hi = game.box()
    p = lo + (hi - lo) * np.random.default_rng(0).random((2000, 2))
    paid, gain = out.schedules.pay(p), game.group_welfare(p)
    assert np.all(paid >= 0.0) and np.all(out.payments > 0.0)
    on = paid > 0.0  # truthful: C_i(p) - C_i(q) = u_i(p) - u_i(q) wherever both are paid
    assert np.allclose((paid - gain)[on], out.schedules.constants[np.nonzero(on)[1]], atol=1e-12)
    u = game.group_welfare(out.policy[None, :])[0]
    assert np.allclose(out.net_payoffs, u - out.payments, atol=1e-15)
    assert_marginal_contributions(game, out, margin)


def assert_marginal_contributions(game: ma.Lobby, out: ma.Outcome, margin: float) -> None:
    """B&W: the government gets exactly (here: the margin above) its best value without group
    i. Slack: after group i's last best response the others' b_j moved by <= margin / (2 k)
    each, which moves the value at the policy and the outside option by <= (k - 1) of that
    each; each value is off by at most (a + k) |precision|^2 (Hessian -2 (a + k) I at a peak)."""
    lo, hi = game.box()
    k, value = game.ideals.shape[0], ma.government_objective(game, out.schedules)
    at_policy = float(value(out.policy[None, :])[0])
    slack = margin * (k - 1) / k + 2 * (game.weight + k) * np.sum(out.precision**2)
    for i in range(k):
        outside = ma.maximize(ma.government_objective(game, out.schedules, skip=i), lo, hi).value
        assert abs(at_policy - outside - margin) <= slack, (i, at_policy - outside)


def run(seed: int) -> ma.Outcome:
    return ma.equilibrium(ma.draw_lobby(np.random.default_rng(seed), 3, 2, 51, 1.0))


def test_same_seed_identical_other_seed_differs():
    one, two, other = run(5), run(5), run(6)
    for field in ("policy", "payments", "net_payoffs"):
        assert np.array_equal(getattr(one, field), getattr(two, field))
    assert not np.array_equal(one.policy, other.policy)


def test_anchor_e4_passes():
    failed = [(c.label, c.expected, c.measured) for c in ANCHORS["E4"].run() if not c.passed]
    assert not failed, failed


def test_anchor_e4_fails_when_bidders_overbid_or_the_contest_ignores_the_reservation_price(
    monkeypatch,
):
    """Bidders that best-respond to a prize 10% larger than V miss x* = (n-1) V / n^2; a
    contest that drops the reservation price k captures more officials than the anchor's
    win probability."""
    from sim.mechanisms import contest

    real_best, real_win = contest.best_response, contest.win_probabilities
    monkeypatch.setattr(contest, "best_response", lambda o, v, k: real_best(o, 1.1 * v, k))
    failed = {c.label for c in ANCHORS["E4"].run() if not c.passed}
    assert {"n=2, V=1: lowest bid", "n=10, V=4: highest bid"} <= failed
    monkeypatch.setattr(contest, "best_response", real_best)
    monkeypatch.setattr(contest, "win_probabilities", lambda b, k: real_win(b, 0.5 * k))
    failed = {c.label for c in ANCHORS["E4"].run() if not c.passed}
    assert "capture share, 1 group(s), k=0.03" in failed
