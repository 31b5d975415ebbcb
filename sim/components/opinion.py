"""Public opinion: voters experience the implemented policy and the incumbent's effort,
perceive it through their information level, and approve or not (see sim/electorate.py).
Runs last each step, after every layer that shapes what is implemented."""

from __future__ import annotations

import numpy as np

from sim import electorate as el
from sim.components.base import Component, Metric


class Opinion(Component):
    name = "opinion"
    role = "voters perceive delivered welfare through their information and approve"
    observes = "implemented policy, effort split and harms (true); visible signals (proxy)"
    stochastic = True
    references = ("Downs 1957 (rational ignorance)", "Gao, Schulman & Hilton 2022")
    order = 90
    metrics = (
        Metric("welfare", "utility", "Mean true voter utility u_i."),
        Metric("approval", "share", "Mean voter approval of the incumbent."),
        Metric(
            "goodhart_gap",
            "sd",
            "Approval minus welfare, each as change from the run's "
            "baseline (step 0) in units of its cross-voter sd at baseline (1 when voters "
            "do not differ at all).",
        ),
    )

    def __init__(self, model) -> None:
        super().__init__(model)
        self.observe(first=True)
        u, a = self.utility, model.electorate.approval
        self.base = (float(u.mean()), _scale(u), float(a.mean()), _scale(a))

    def observe(self, first: bool = False) -> None:
        model, cfg, world = self.model, self.model.config, self.model.world
        voters = model.electorate
        self.utility = voters.utility(world.implemented) + (
            model.effort.welfare(world.visible_effort) - world.harm
        )
        signal = el.perceived_signal(
            self.utility,
            voters.information,
            model.effort.signal(world.visible_effort),
            cfg["electorate.perception_noise"],
            self.rng,
        )
        voters.perceived[:] = (
            signal if first else el.smooth(voters.perceived, signal, cfg["electorate.memory"])
        )
        voters.approval[:] = el.approval(
            voters.perceived, cfg["electorate.approval_sensitivity"], cfg["electorate.aspiration"]
        )

    def step(self) -> None:
        self.observe()

    def report(self) -> dict[str, float]:
        w0, sw, a0, sa = self.base
        welfare = float(self.utility.mean())
        approval = float(np.mean(self.model.electorate.approval))
        return {
            "welfare": welfare,
            "approval": approval,
            "goodhart_gap": (approval - a0) / sa - (welfare - w0) / sw,
        }


def _scale(x) -> float:
    """Cross-voter sd at baseline; 1 when voters do not differ at all (say information 0 and no
    perception noise), so the gap is then a plain, unstandardized change instead of exploding."""
    sd = float(x.std())
    return sd if sd > 1e-9 else 1.0
