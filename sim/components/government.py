"""Government levers (issue 12): the incumbent sets the final audit's budget and pays for
oversight out of the effort budget that funds its visible and substantive work, so
oversight now feeds back on what voters see and on whom they re-elect.

Each `government.period` steps the lever policy (sim/levers/: fixed, welfare_maximizer,
approval_maximizer) scores the setting that was in force by what the period brought (mean
approval, mean true welfare) and picks the next one among `government.budget_settings`
evenly spaced audit budgets in [0, `government.budget_max`] (plus `oversight.audit_budget`,
the fixed policy's setting). The chosen budget b is written to `world.oversight_budget`
(the oversight component audits that share of each step's actions) and the government's
work shrinks to `world.effort_budget` = max(0, 1 - `government.oversight_price` x b): both
the visible signal and the substantive welfare of the incumbent's effort are scaled by it
(sim/components/opinion.py). Voters see the visible part with weight 1 - q and everything
(including the harm oversight prevents) with weight q, so an approval-scored learner and a
welfare-scored one can come to favour different budgets; which ones they favour is
measured, not assumed (the multitask distortion of Holmstrom & Milgrom 1991 applied to the
oversight budget; Besley 2006 on benevolent vs office-seeking governments)."""

from __future__ import annotations

import numpy as np

from sim.components.base import Component, Metric
from sim.levers import LEVER_POLICIES, Period
from sim.mechanisms import budget_lobby


class Government(Component):
    name = "government"
    role = "the incumbent sets the oversight budget and pays for it with government work"
    observes = "the incumbent's approval and the voters' welfare over each period"
    stochastic = True
    references = ("Holmstrom & Milgrom 1991", "Besley 2006", "Sutton & Barto 2018, ch. 2")
    order = 15  # after the election and the incumbent's effort, before oversight runs
    section = "government"
    params = ("government", "oversight", "interest_groups", "bureaucracy")
    reads_last = ("welfare_seen", "approval_seen", "lobby_stakes")
    writes = ("oversight_budget", "effort_budget", "lobby_paid", "appointed_share")
    writes += ("sanction_severity",)
    metrics = (
        Metric("oversight_budget", "share", "Audit budget the government has in force (share "
               "of each step's actions the final audit can examine)."),
        Metric("effort_budget", "share", "Share of the incumbent's effort left for visible and "
               "substantive work after paying for oversight."),
        Metric("favoured_budget", "share", "The audit budget the lever policy rates best so far "
               "(its greedy choice; the fixed policy's own setting)."),
        Metric("appointed_share", "share", "Share of the top level's offices held by the "
               "incumbent's appointees (0 without the appointments lever)."),
        Metric("sanction_in_force", "severity", "Sanction severity the government enforces "
               "(bureaucracy.sanction_severity without the sanctions lever)."),
    )  # fmt: skip

    def __init__(self, model) -> None:
        super().__init__(model)
        g, fixed = self.p.government, float(self.p.oversight.audit_budget)
        grid = np.linspace(0.0, g.budget_max, g.budget_settings)
        self.budgets = np.unique(np.append(grid, fixed))
        base = self.p.bureaucracy.sanction_severity
        self.shares = np.linspace(0.0, 1.0, g.appointment_settings)  # one setting: [0]
        n = g.sanction_settings if g.sanction_settings > 1 else 0  # one setting: [base]
        self.severities = np.unique(np.append(np.linspace(0.0, g.sanction_max, n), base))
        self.shape = (len(self.budgets), len(self.shares), len(self.severities))
        first = (
            int(np.flatnonzero(self.budgets == fixed)[0]),
            0,
            int(np.flatnonzero(self.severities == base)[0]),
        )
        default = int(np.ravel_multi_index(first, self.shape))
        arms = int(np.prod(self.shape))  # every combination of the levers' settings
        self.policy = LEVER_POLICIES[g.lever_policy](arms, default, g.exploration)
        self.arm = self.policy.choose(self.rng)
        self.approval, self.welfare, self.steps = 0.0, 0.0, 0
        self.apply()

    def settings(self, arm: int) -> tuple[float, float, float]:
        """(audit budget, appointed share, sanction severity) of a lever arm."""
        b, a, s = np.unravel_index(arm, self.shape)
        return float(self.budgets[b]), float(self.shares[a]), float(self.severities[s])

    def apply(self) -> None:
        g, w = self.p.government, self.world
        budget, share, severity = self.settings(self.arm)
        w.oversight_budget = budget
        cost = g.oversight_price * budget + g.sanction_price * severity
        w.effort_budget = max(0.0, 1.0 - cost)
        w.appointed_share = share if len(self.shares) > 1 else None
        w.sanction_severity = severity if len(self.severities) > 1 else None

    def _lobbied(self, intended: int) -> int:
        """When interest groups lobby (world.lobby_stakes), the setting maximizing
        a W + sum C_i over the groups' truthful schedules (sim/mechanisms/budget_lobby.py);
        the contributions paid go to world.lobby_paid."""
        stakes = self.world.lobby_stakes
        if stakes is None:
            return intended
        weight = self.p.interest_groups.welfare_weight
        b, a, s = np.unravel_index(intended, self.shape)  # the groups lobby the budget only
        b, self.world.lobby_paid = budget_lobby.lobbied_setting(
            self.budgets, int(b), stakes, weight
        )
        return int(np.ravel_multi_index((b, a, s), self.shape))

    def step(self) -> None:
        """Record last step's approval and welfare under the setting in force; at the end
        of a period, score it and set the next one."""
        self.approval += self.world.approval_seen
        self.welfare += self.world.welfare_seen
        self.steps += 1
        if self.steps >= self.p.government.period:
            n = self.steps
            self.policy.learn(self.arm, Period(self.approval / n, self.welfare / n))
            self.arm = self._lobbied(self.policy.choose(self.rng))
            self.approval, self.welfare, self.steps = 0.0, 0.0, 0
        self.apply()

    def snapshot(self) -> dict:
        """The lever in force and each setting's estimate so far (read-only)."""
        means, tries = self.policy.estimates()
        return {
            "policy": self.policy.name,
            "budgets": self.budgets.tolist(),
            "in_force": self.settings(self.arm)[0],
            "levers": dict(
                zip(
                    ("budget", "appointed_share", "sanction_severity"),
                    self.settings(self.arm),
                    strict=True,
                )
            ),
            "estimates": means,
            "tries": tries,
        }

    def report(self) -> dict[str, float]:
        return {
            "oversight_budget": float(self.world.oversight_budget),
            "effort_budget": float(self.world.effort_budget),
            "favoured_budget": self.settings(self.policy.favoured())[0],
            "appointed_share": self.settings(self.arm)[1],
            "sanction_in_force": self.settings(self.arm)[2],
        }
