"""Interest groups as strategic agents (issue 12, item 2): the bureaucracy's interest groups
(their number and policy positions are the bureaucracy's, `bureaucracy.interest_groups`)
get a budget per step and a strategy (sim/lobby/: passive, fixed_split, learning) that
splits it among the channels, so how fast officials and overseers are captured becomes an
outcome of the money offered, not a constant rate:

- officials: each group's money on this channel is spread evenly over the officials, and
  every official is the prize of a Tullock contest (sim/mechanisms/contest.py; Tullock
  1980): group i wins it this step with probability x_i / (sum x + k), k =
  `interest_groups.official_price`, scaled by the official's lobbying weight and by 1 - its
  believed detection rate (sim/mechanisms/capture.py). Written to `world.capture_bids`;
- overseers: the same contest for each oversight layer (the revolving door: the winner is the
  overseer's future employer), k = `interest_groups.overseer_price`; `world.overseer_bids`;
- oversight: lobbying the incumbent against the audit budget. A group that spends on it is
  organized; its stake is `interest_groups.stake` x the share of the officials it holds
  (`world.officials_held`, written by the bureaucracy): the more it holds, the more the
  audit threatens. The government turns the stakes into contributions by a menu auction
  (sim/mechanisms/budget_lobby.py; Grossman & Helpman 1994) and picks its budget by
  a W + sum C_i. `world.lobby_stakes`;
- campaigns (only when listed in `interest_groups.channels`): each group gives this money to
  the candidate whose platform (`world.platforms`, written by electoral) is nearest its
  ideal (`world.group_positions`, written by the bureaucracy); electoral adds it up over the
  cycle and it buys valence with uninformed voters at the election
  (sim/mechanisms/campaign_money.py; Baron 1994; Grossman & Helpman 1996).
  `world.campaign_money`.

The loop is closed: money -> capture -> stake in weak oversight -> lobbying -> a lower audit
budget -> fewer captured officials caught and removed, weaker deterrence -> more capture.
Each `interest_groups.period` steps a strategy scores the split in force by the mean share
of officials the group held, and chooses the next. Runs after oversight (order 45): its bids
take effect at the next step.
"""

from __future__ import annotations

import numpy as np

from sim.components.base import Component, Metric
from sim.lobby import CHANNELS, DEFAULT_CHANNELS, LOBBY_STRATEGIES
from sim.mechanisms import campaign_money, contest

OFFICIALS, OVERSEERS, OVERSIGHT, CAMPAIGNS = range(len(CHANNELS))


class InterestGroups(Component):
    name = "interest_groups"
    role = "interest groups spend money on capturing officials and overseers and on lobbying"
    observes = "the share of officials each group holds; the overseers it holds"
    stochastic = True
    references = ("Tullock 1980", "Grossman & Helpman 1994", "Stigler 1971", "Dal Bo 2006",
                  "Baron 1994", "Grossman & Helpman 1996")  # fmt: skip
    order = 45  # after oversight: this step's holdings set next step's bids and stakes
    section = "interest_groups"
    params = ("interest_groups", "bureaucracy", "oversight", "government")
    reads_last = ("officials_held", "overseers_held", "lobby_paid", "group_positions", "platforms")
    reads_last += ("money_to_winner", "valence_bought", "votes_bought")
    reads = ("mandate",)  # this step's mandate (electoral), for mandate_group_gap
    writes = ("capture_bids", "overseer_bids", "lobby_stakes", "campaign_money")
    metrics = (
        Metric("group_spending", "money/step", "Money all interest groups spend this step on "
               "the three channels together."),
        *(Metric(f"share_on_{c}", "share", f"Mean share of the groups' budgets spent on the "
                 f"{c} channel this step.") for c in CHANNELS),
        Metric("lobby_stake", "budget share", "Sum of the groups' stakes against the audit "
               "budget (stake x share of officials held, for organized groups)."),
        Metric("lobby_contributions", "money", "Contributions the groups paid the incumbent "
               "at its last budget choice (the menu auction's outcome; 0 before any)."),
        Metric("campaign_money", "money/step", "Campaign money the groups give candidates "
               "this step (0 unless interest_groups.channels lists campaigns)."),
        Metric("campaign_to_winner", "share", "Share of the campaign money of the last "
               "election cycle that went to the candidate who won it (NaN before an election "
               "with campaign money, or under the retrospective rule).", may_be_nan=True),
        Metric("valence_bought", "utility", "Mean over voters of the valence the winner's "
               "campaign money bought it at the last election, w (1 - q_i) m / (m + c)."),
        Metric("mandate_group_gap", "policy units", "Mean distance of the mandate in force "
               "from the groups' ideals (NaN without groups).", may_be_nan=True),
        Metric("votes_bought", "share", "Net share of the vote campaign money moved at the "
               "last election (half the summed change in candidates' shares against the "
               "same election without money)."),
    )  # fmt: skip

    def __init__(self, model) -> None:
        super().__init__(model)
        g, b = self.p.interest_groups, self.p.bureaucracy
        self.groups = b.interest_groups
        self.officials = sum(b.branching**k for k in range(1, b.depth + 1))
        self.layers = len(self.p.oversight.layers)
        self.enabled = self._channels()
        strategy = LOBBY_STRATEGIES[g.strategy]
        self.strategies = [strategy(self.enabled, g.exploration) for _ in range(self.groups)]
        self.shares = self._choose()
        self.held, self.steps = np.zeros(self.groups), 0
        self._offer(np.zeros(self.groups))

    def _channels(self) -> np.ndarray:
        """Which channels money may go to: the declared ones, overseers only with layers,
        lobbying only with a government that sets the audit budget."""
        chosen = self.p.interest_groups.channels
        chosen = (chosen,) if isinstance(chosen, str) else tuple(chosen)
        on = np.array(
            [("all" in chosen and c in DEFAULT_CHANNELS) or c in chosen for c in CHANNELS]
        )
        on[OVERSEERS] &= self.layers > 0
        on[OVERSIGHT] &= self.p.government.lever_policy != "none"
        return on

    def _choose(self) -> np.ndarray:
        shares = [s.choose(self.rng) for s in self.strategies]
        return np.array(shares).reshape(self.groups, len(CHANNELS))

    def step(self) -> None:
        """Score the holdings, re-split at a period's end, then offer next step's bids."""
        held = self._held()
        self.held += held
        self.steps += 1
        if self.steps >= self.p.interest_groups.period:
            for s, reward in zip(self.strategies, self.held / self.steps, strict=True):
                s.learn(float(reward))
            self.shares = self._choose()
            self.held, self.steps = np.zeros(self.groups), 0
        self._offer(held)

    def _held(self) -> np.ndarray:
        held = self.world.officials_held
        return np.zeros(self.groups) if held is None else np.asarray(held, dtype=float)

    def _offer(self, held: np.ndarray) -> None:
        """Bids per official and per layer (contest win probabilities) and lobbying stakes."""
        g, money = self.p.interest_groups, self.p.interest_groups.budget * self.shares
        w = self.world
        w.capture_bids = contest.win_probabilities(
            money[:, OFFICIALS] / max(self.officials, 1), g.official_price
        )
        w.overseer_bids = (
            contest.win_probabilities(money[:, OVERSEERS] / self.layers, g.overseer_price)
            if self.layers
            else None
        )
        organized = money[:, OVERSIGHT] > 0
        w.lobby_stakes = g.stake * held * organized
        if self.enabled[CAMPAIGNS]:  # off unless listed: nothing written, no draws
            w.campaign_money = self._campaigns(money[:, CAMPAIGNS])

    def _campaigns(self, money: np.ndarray) -> np.ndarray | None:
        """(K,) money given to each candidate: each group backs the nearest platform."""
        pos, platforms = self.world.group_positions, self.world.platforms
        if pos is None or platforms is None:
            return None
        return campaign_money.contributions(money, pos, platforms)

    # --- metrics -----------------------------------------------------------------------
    def snapshot(self) -> dict:
        """Each group's split of its budget and the overseers it holds (read-only)."""
        held = self.world.overseers_held
        return {
            "channels": list(CHANNELS),
            "shares": self.shares.tolist(),
            "overseers_held": [] if held is None else np.asarray(held).tolist(),
        }

    def _gap(self) -> float:
        pos = self.world.group_positions
        if pos is None or not len(pos):
            return float("nan")
        return float(np.linalg.norm(pos - self.world.mandate, axis=1).mean())

    def report(self) -> dict[str, float]:
        shares = self.shares if self.groups else np.zeros((1, len(CHANNELS)))
        paid = self.world.lobby_paid
        out = {
            "group_spending": float(self.p.interest_groups.budget * self.shares.sum()),
            "lobby_stake": float(np.sum(self.world.lobby_stakes)),
            "lobby_contributions": 0.0 if paid is None else float(np.sum(paid)),
            "campaign_money": float(
                self.p.interest_groups.budget * self.shares[:, CAMPAIGNS].sum()
            ),
            "campaign_to_winner": float(self.world.money_to_winner),
            "valence_bought": float(self.world.valence_bought),
            "votes_bought": float(self.world.votes_bought),
            "mandate_group_gap": self._gap(),
        }
        out.update({f"share_on_{c}": float(shares[:, i].mean()) for i, c in enumerate(CHANNELS)})
        return out
