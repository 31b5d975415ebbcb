"""An approval-maximizing government: the same learner as the welfare maximizer, scored by
its approval ratings (the polls an office-seeking incumbent reads: Downs 1957; Mayhew 1974)
instead of by welfare. Approval sees the visible part of government work with weight 1 - q
and true welfare only with weight q (sim/electorate.py), so what this learner comes to
favour is whatever the voters' perception rewards: an outcome, not a rule."""

from __future__ import annotations

from sim.levers.base import Period
from sim.levers.welfare_maximizer import WelfareMaximizer


class ApprovalMaximizer(WelfareMaximizer):
    name = "approval_maximizer"
    observes = "mean approval of the incumbent while each setting was in force (its polls)"
    references = ("Downs 1957", "Mayhew 1974", "Sutton & Barto 2018, ch. 2")

    def reward(self, period: Period) -> float:
        return period.approval
