"""Public opinion: voters experience the implemented policy, the incumbent's effort (the
share of it oversight leaves for government work, `world.effort_budget`) and the harms done
below it, perceive them through their information level, and approve or not
(`sim.electorate.Perception`: Downs 1957 on rational ignorance). Runs last each step, after
every layer that shapes what is implemented, and records what voters experienced
(`world.harm_seen`, `world.implemented_seen`) for next step's polls.

The Goodhart gap (Gao, Schulman & Hilton 2022 in an electorate) is measured against a
benchmark: the same voters fully informed (q = 1), with the same perception noise draws, the
same memory and the same delivered performance; approval in excess of the benchmark's is
approval that welfare does not warrant.

The update (`Electorate.observe`) runs block by block over the voters, in place: into the
voters' own arrays and the component's utility array, with the random draws written into a
block-sized buffer. A step allocates no voter-sized temporary (above ~4M voters, arrays over
32 MB, each would pay fresh page faults) and its ~28 elementwise passes stay in cache."""

from __future__ import annotations

import numpy as np

from sim.components.base import Component, Metric
from sim.electorate import Perception


class Opinion(Component):
    name = "opinion"
    role = "voters perceive delivered welfare through their information and approve"
    observes = "implemented policy, effort split and harms (true); visible signals (proxy)"
    stochastic = True
    references = ("Downs 1957 (rational ignorance)", "Gao, Schulman & Hilton 2022")
    order = 90
    params = ("electorate",)
    reads = ("implemented", "visible_effort", "harm", "effort_budget", "information")
    writes = ("harm_seen", "implemented_seen", "welfare_seen", "approval_seen")
    metrics = (
        Metric("welfare", "utility", "Mean true voter utility u_i."),
        Metric("approval", "share", "Mean voter approval of the incumbent."),
        Metric(
            "goodhart_gap",
            "share",
            "Mean approval minus the mean approval the same voters would give if fully "
            "informed (q = 1: same perception noise, same memory, same delivered "
            "performance, aspiration relative to the same typical government). 0 when voters "
            "are informed; positive when approval exceeds what delivered welfare warrants.",
        ),
    )

    def __init__(self, model) -> None:
        super().__init__(model)
        self.perception = Perception.from_section(self.p.electorate)
        self.utility = np.empty(model.electorate.n)  # u_i, reused every step
        self.observe(first=True)

    def observe(self, first: bool = False) -> None:
        """Utility, perception and approval from this step's implemented policy, effort and
        harm, for the voters and for their fully informed benchmark (same noise draws)."""
        model, world, voters = self.model, self.world, self.model.electorate
        v, harm = world.visible_effort, world.harm
        work = world.effort_budget  # the share of the incumbent's effort oversight left
        implemented = world.implemented
        info = world.information  # each voter's current q_i (the baseline unless media moves it)
        voters.observe(
            self.perception, implemented, work * model.effort.welfare(v) - harm, info,
            work * model.effort.signal(v), self.rng, self.utility, first,
        )  # fmt: skip
        # the means the metrics report (approval changes only here: one pass each a step)
        self.means = (
            float(self.utility.mean()),
            float(np.mean(voters.approval)),
            float(np.mean(voters.informed_approval)),
        )
        world.harm_seen = float(harm)  # what next step's polls know
        world.welfare_seen, world.approval_seen = self.means[:2]
        world.implemented_seen = np.array(implemented, dtype=float)

    def step(self) -> None:
        self.observe()

    def report(self) -> dict[str, float]:
        welfare, approval, informed = self.means
        return {"welfare": welfare, "approval": approval, "goodhart_gap": approval - informed}
