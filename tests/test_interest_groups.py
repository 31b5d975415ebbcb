"""Interest groups as strategic agents (issue 12, item 2): the Tullock contest reproduces its
closed-form equilibrium through its own best response, the strategies split money only on
enabled channels, lobbying against oversight buys lower audit budgets for larger stakes, and
the component turns money into capture (and no money into none); campaign money buys votes
only from uninformed voters, more of them the more money, and is off unless listed. The
emergent result
(lobbying from holdings doubles capture; it vanishes when caught officials are only fined)
is a finding: scenarios/findings/lobbying_compounds_capture.yaml."""

from __future__ import annotations

import numpy as np
import pytest

from sim.lobby import CHANNELS, DEFAULT_CHANNELS, LOBBY_STRATEGIES, splits
from sim.mechanisms import budget_lobby, campaign_money, contest, voting
from sim.params import PARAMS
from sim.run import run
from sim.scenario import load

SMALL = {"steps": 60, "electorate.n_voters": 300, "ai_agents.count": 5}
SETTINGS = np.linspace(0.0, 0.4, 9)
THREE = np.array([c in DEFAULT_CHANNELS for c in CHANNELS])  # `channels: all`


@pytest.mark.parametrize("n", [2, 3, 5])
def test_the_symmetric_contest_equilibrium_is_the_closed_form(n):
    """Tullock (1980): x* = (n - 1) V / n^2, found by iterating the mechanism's best response
    (a golden-section search on V p(x) - x), from a start away from the answer."""
    bids = contest.equilibrium(n, value=2.0)
    assert np.allclose(bids, (n - 1) * 2.0 / n**2, atol=1e-6)
    others = np.delete(bids, 0)
    best = contest.payoff(bids[0], others, 2.0, 0.0)
    assert best >= max(contest.payoff(bids[0] * f, others, 2.0, 0.0) for f in (0.9, 1.1))


def test_win_probabilities_leave_the_reservation_price_to_nobody():
    rng = np.random.default_rng(5)
    for _ in range(50):
        bids, k = rng.exponential(size=4), rng.exponential()
        p = contest.win_probabilities(bids, k)
        assert np.all(p >= 0) and np.isclose(p.sum(), bids.sum() / (bids.sum() + k))
        assert np.argmax(p) == np.argmax(bids)
    assert not contest.win_probabilities(np.zeros(3), 0.0).any()


def test_every_strategy_is_declared_and_spends_only_on_enabled_channels():
    assert set(PARAMS["interest_groups.strategy"].choices) == {"none", *LOBBY_STRATEGIES}
    enabled = np.array([True, False, True, False])
    rng = np.random.default_rng(0)
    for name, cls in LOBBY_STRATEGIES.items():
        for _ in range(20):
            shares = cls(enabled, 0.5).choose(rng)
            assert shares[1] == shares[3] == 0 and np.all(shares >= 0)
            assert np.isclose(shares.sum(), 0.0 if name == "passive" else 1.0)
    assert (splits(enabled)[:, 1] == 0).all() and len(splits(THREE)) == 6


def test_the_learning_group_comes_to_favour_the_split_that_pays():
    rng = np.random.default_rng(11)
    group = LOBBY_STRATEGIES["learning"](THREE, 0.1)
    for _ in range(300):
        shares = group.choose(rng)
        group.learn(float(shares[0]) + 0.05 * rng.standard_normal())  # officials pay
    assert np.array_equal(group.arms[group.bandit.favoured()], [1.0, 0.0, 0.0, 0.0])


def test_larger_stakes_buy_lower_audit_budgets_and_no_stake_buys_nothing():
    intended = 4  # 0.2
    assert budget_lobby.lobbied_setting(SETTINGS, intended, np.zeros(2), 1.0) == (
        intended,
        pytest.approx(np.zeros(2)),
    )
    chosen = [budget_lobby.lobbied_setting(SETTINGS, intended, np.array([s, s]), 1.0)[0]
              for s in (0.02, 0.06, 0.12, 0.5)]  # fmt: skip
    assert chosen == sorted(chosen, reverse=True) and chosen[0] > chosen[-1]
    arm, paid = budget_lobby.lobbied_setting(SETTINGS, intended, np.array([0.1, 0.0]), 1.0)
    assert paid[0] > 0 and paid[1] == 0  # an unorganized group pays nothing
    harder = budget_lobby.lobbied_setting(SETTINGS, intended, np.array([0.1, 0.0]), 10.0)[0]
    assert arm <= harder  # an incumbent that weighs its own choice more is harder to buy


def _series(**sets):
    return run(load("interest_money-v1", {**SMALL, **sets}), seed=4).series


def test_money_buys_capture_and_no_money_buys_none():
    """The constant capture rate is gone when groups bid: with no money nobody is captured;
    with money, more money buys more capture (paired on one seed, a large margin)."""
    none = _series(**{"interest_groups.budget": 0.0, "bureaucracy.capture_rate": 0.05})
    some = _series(**{"interest_groups.budget": 1.0})
    more = _series(**{"interest_groups.budget": 5.0})
    assert none["capture_index"].max() == 0 and none["overseers_captured"].max() == 0
    assert more["capture_index"].mean() > some["capture_index"].mean() > 0.02
    passive = _series(**{"interest_groups.strategy": "passive"})
    assert passive["capture_index"].max() == 0 and passive["group_spending"].max() == 0


def test_stakes_from_holdings_lower_the_audit_budget_only_when_groups_lobby():
    lobby = _series(**{"steps": 120})
    cut = _series(**{"steps": 120, "interest_groups.channels": ["officials", "overseers"]})
    assert lobby["oversight_budget"].iloc[-1] < 0.2 and lobby["lobby_stake"].max() > 0
    assert cut["oversight_budget"].max() == 0.2 and cut["lobby_stake"].max() == 0


def test_the_component_is_off_by_default():
    assert PARAMS["interest_groups.strategy"].default == "none"
    off = run(load("oversight_levers-v1", SMALL), seed=4).series
    assert "group_spending" not in off or off["group_spending"].isna().all()


def test_an_officials_capture_chance_is_the_contest_win_probability():
    """With bids x per official against reservation price k, a free official is captured in
    a step with probability x / (x + k) x (1 - its believed detection rate): measured over
    the 780 officials of a four-level tree and 8 seeds, within 4 standard errors."""
    sets = {"steps": 1, "electorate.n_voters": 200, "bureaucracy.depth": 4,
            "bureaucracy.prior_detection": 0.2, "interest_groups.strategy": "fixed_split",
            "interest_groups.budget": 7.8, "interest_groups.official_price": 0.03}  # fmt: skip
    cfg = load("regulatory_capture-v1", sets)
    captured = [run(cfg, seed=s).series["capture_index"].iloc[-1] for s in range(8)]
    x = 7.8 / 780  # the one group's money per official (no layers, no government: all on bids)
    p = x / (x + 0.03) * (1 - 0.2)
    se = np.sqrt(p * (1 - p) / (780 * 8))
    assert abs(np.mean(captured) - p) < 4 * se


# --- campaign money (issue 12, item 2(d); sim/mechanisms/campaign_money.py) ----------------
CAMPAIGNS = {"interest_groups.channels": ["all", "campaigns"]}


def _voters(n: int = 4000, seed: int = 21):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 2)), rng.beta(1.0, 4.0, size=n)


def _shares(ideals, info, money, weight=1.0):
    platforms = np.array([[-0.4, 0.0], [0.4, 0.0]])
    extra = campaign_money.valence(info, np.asarray(money, float), weight, 5.0)
    return voting.plurality(ideals, platforms, None, None, 1.0, extra)[1]


def test_money_moves_votes_only_among_uninformed_voters():
    """At information 1 money buys nothing: the same election for any money; at information
    0 the same money moves votes."""
    ideals, _ = _voters()
    informed, blank = np.ones(len(ideals)), np.zeros(len(ideals))
    base = _shares(ideals, informed, [0.0, 0.0])
    for money in ([5.0, 0.0], [0.0, 50.0], [3.0, 1.0]):
        assert np.array_equal(_shares(ideals, informed, money), base)
    assert _shares(ideals, blank, [5.0, 0.0])[0] > base[0]


def test_more_money_buys_more_vote_share_for_the_backed_candidate():
    """Candidate 0's vote share rises with its money (the same voters, information ~ Beta(1,
    4)); each step up moves a share d of voters with d > 3 binomial SEs sqrt(d (1 - d) / N),
    and the gains shrink (diminishing returns m / (m + c))."""
    ideals, info = _voters()
    shares = np.array([_shares(ideals, info, [m, 0.0])[0] for m in (0.0, 2.0, 5.0, 15.0, 50.0)])
    gains = np.diff(shares)
    assert np.all(gains > 3 * np.sqrt(gains * (1 - gains) / len(ideals))), shares
    per_money = gains / np.diff([0.0, 2.0, 5.0, 15.0, 50.0])
    assert np.all(np.diff(per_money) < 0), per_money


def test_groups_back_the_nearest_platform():
    positions = np.array([[2.0, 0.0], [-2.0, 0.1], [1.9, 0.0]])
    platforms = np.array([[-0.5, 0.0], [0.5, 0.0], [0.0, 3.0]])
    assert np.array_equal(campaign_money.backed_candidates(positions, platforms), [1, 0, 1])
    money = campaign_money.contributions(np.array([1.0, 2.0, 4.0]), positions, platforms)
    assert np.array_equal(money, [2.0, 5.0, 0.0])


def test_campaigns_are_off_unless_listed_and_keep_the_three_channel_grid():
    """`channels: all` leaves campaigns out: nothing given, and the learning groups' split
    grid (so their draws) is the three-channel one, in the same order."""
    three = [[0, 0, 1], [0, 0.5, 0.5], [0, 1, 0], [0.5, 0, 0.5], [0.5, 0.5, 0], [1, 0, 0]]
    assert np.array_equal(splits(THREE), np.pad(three, ((0, 0), (0, 1))))  # before campaigns
    off = _series(**{"steps": 60})
    assert off["campaign_money"].max() == 0 and off["votes_bought"].max() == 0
    on = _series(**{"steps": 60, **CAMPAIGNS})
    assert on["campaign_money"].min() > 0 and on["share_on_campaigns"].min() == 0.25


def test_campaign_money_buys_votes_only_from_an_uninformed_electorate():
    """In the coupled run (interest_money-v1 with the campaigns channel), informed voters
    (information 1) make the money weight irrelevant: the runs with weight 1 and weight 0
    are identical; at information 0.1 the money moves votes."""
    informed = {**CAMPAIGNS, "steps": 100, "electorate.information": 1.0}
    weighted = _series(**informed)
    unweighted = _series(**{**informed, "elections.money_weight": 0.0})
    assert weighted.drop(columns="campaign_to_winner").equals(
        unweighted.drop(columns="campaign_to_winner")
    )
    assert weighted["valence_bought"].max() == 0
    swayed = _series(**{**CAMPAIGNS, "steps": 100})
    assert swayed["votes_bought"].max() > 0.01 and swayed["valence_bought"].max() > 0
