"""Police-patrol oversight (McCubbins & Schwartz 1984, "Congressional Oversight Overlooked:
Police Patrols versus Fire Alarms", AJPS 28(1)): centralized, active, direct audits of a sample
of agency actions, at the overseer's own cost.

Alignment failure it answers: *drift while unmonitored*. A patrol finds misbehaviour whether
or not anyone outside noticed it, but only in the share of actions it can afford to audit.

Each step the patrol audits a random share `audit_budget` of the watched actions (`schedule:
random`), or every watched action during the first `audit_budget` share of the run's horizon
(`model.horizon`, the steps the run is meant to last) and none after (`schedule: upfront`:
upfront auditing, Greenblatt et al. 2023). An audited action
is judged correctly with probability `accuracy`: a harmful one is flagged with that
probability, a benign one is flagged with probability 1 - accuracy. Cost: `cost` per audit.
"""

from __future__ import annotations

import numpy as np

from sim.oversight.base import Docket, Layer
from sim.params.core import Param


class PolicePatrol(Layer):
    name = "police_patrol"
    role = "audits a random (or upfront) share of actions; judges each with some accuracy"
    observes = "the audited actions themselves (ground truth, up to its accuracy)"
    stochastic = True
    references = ("McCubbins & Schwartz 1984", "Greenblatt et al. 2023 (upfront auditing)")
    scope = "all"
    cost = 1.0
    fields = (
        Param(
            "audit_budget",
            "float",
            0.05,
            "Share of watched actions audited each step (upfront: share of the run's horizon "
            "during which every action is audited).",
            unit="share",
            low=0.0,
            high=1.0,
        ),
        Param(
            "accuracy",
            "float",
            0.9,
            "Probability that an audit judges an action correctly (harmful flagged, benign "
            "cleared).",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
        Param(
            "schedule",
            "choice",
            "random",
            "random: a fresh random sample every step; upfront: everything early, nothing later.",
            choices=("random", "upfront"),
        ),
    )

    def sampled(self, cand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        budget = self.f.audit_budget
        if self.f.schedule == "upfront":
            window = budget * self.model.horizon
            return cand if self.model.steps <= window else np.zeros_like(cand)
        return cand & (rng.random(cand.shape[0]) < budget)

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        audited = self.sampled(cand, rng)
        right = rng.random(len(docket)) < self.f.accuracy
        flag = audited & (docket.harmful == right)
        return flag, flag.astype(float), float(audited.sum())
