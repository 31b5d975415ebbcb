"""Fire-alarm oversight (McCubbins & Schwartz 1984, "Congressional Oversight Overlooked:
Police Patrols versus Fire Alarms", AJPS 28(1); Lupia & McCubbins 1994 on informed
complainants): the overseer waits for citizens and organized interests to complain, then
triages the complaints into audits.

Alignment failure it answers: *drift the public can see*. Alarms are cheap for the overseer but
only as good as the complainants' information: they miss what voters cannot perceive (harm that
has not yet taken effect, subtle deviations) and fire on what uninformed voters misperceive.
Interest groups are informed but self-interested: a group never complains about an official it
has captured.

Complaints about action j are Poisson with mean

    lambda_j = e_j [ r_v (q dev_j + (1 - q) m)  +  r_g dev_j (G - s_j) ]

e_j = 1 if the action took effect before review (otherwise there is nothing to see), q the
voters' mean information (world.voter_information, read each step: news of caught harm raises
it when media is on, so stories sharpen complaints), m the deviation an uninformed voter
misperceives, G the number of interest groups and s_j = 1 if actor j is captured by one. Voter
terms apply when `voter` complains, group terms when `interest_group` does. An action with at
least `threshold` complaints is flagged, with the complaint count as its suspicion. Cost:
`cost` per complaint triaged.
"""

from __future__ import annotations

import numpy as np

from sim.oversight.base import Docket, Layer
from sim.params.core import Param


class FireAlarm(Layer):
    name = "fire_alarm"
    role = "voters and interest groups complain about deviations they perceive; triage flags"
    observes = "effects that took place, through voters' information; groups see them fully"
    stochastic = True
    references = ("McCubbins & Schwartz 1984", "Lupia & McCubbins 1994")
    scope = "all"
    cost = 0.005
    fields = (
        Param(
            "complainants",
            "choice",
            "voter",
            "Who files complaints: voter, interest_group or both.",
            choices=("voter", "interest_group"),
            many=True,
        ),
        Param(
            "complaint_rate",
            "float",
            20.0,
            "Expected complaints from the electorate per unit of perceived deviation.",
            unit="complaints/policy unit",
            low=0.0,
        ),
        Param(
            "group_rate",
            "float",
            10.0,
            "Expected complaints from each interest group per unit of deviation.",
            unit="complaints/policy unit",
            low=0.0,
        ),
        Param(
            "misperception",
            "float",
            0.1,
            "Deviation an uninformed voter perceives in a faithful action (noise complaints).",
            unit="policy units",
            low=0.0,
        ),
        Param(
            "threshold",
            "int",
            5,
            "Complaints needed before an action is triaged into an audit.",
            unit="complaints",
            low=1,
        ),
    )

    @classmethod
    def roles_used(cls, spec):
        c = spec["complainants"]
        return {**super().roles_used(spec), "complainants": (c,) if isinstance(c, str) else c}

    def __init__(self, index, spec, model) -> None:
        super().__init__(index, spec, model)
        c = spec["complainants"]
        self.who = (c,) if isinstance(c, str) else tuple(c)
        world = model.world  # the oversight component's declared reads (reads_last)
        self.groups = world.interest_groups if "interest_group" in self.who else 0

    @property
    def information(self) -> float:
        """The voters' mean information now (world.voter_information, a declared read of the
        oversight component): constant unless media moves it (sim/components/media.py)."""
        return self.model.world.voter_information

    def intensity(self, docket: Docket) -> np.ndarray:
        s, q, dev = self.f, self.information, docket.deviation
        lam = np.zeros(len(docket))
        if "voter" in self.who:
            lam += s.complaint_rate * (q * dev + (1.0 - q) * s.misperception)
        if self.groups:
            lam += s.group_rate * dev * (self.groups - docket.shielded)
        return lam * docket.took_effect

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        complaints = rng.poisson(self.intensity(docket)) * cand
        flag = complaints >= self.f.threshold
        return flag, complaints.astype(float), float(complaints.sum())
