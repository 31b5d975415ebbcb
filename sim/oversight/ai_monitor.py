"""AI monitoring as signal detection (Green & Swets 1966; trusted and untrusted monitors after
Greenblatt, Shlegeris, Sachan & Roger 2023, "AI Control: Improving Safety Despite Intentional
Subversion"). The scoring model is sim/mechanisms/signal_detection.py.

Alignment failure it answers: *scalable oversight*. A monitor weaker than what it watches
cannot tell subtle misbehaviour from honest work; a monitor as strong as the actor may share
its goals and look away (collusion).

Every watched action gets a suspicion score s = d' * harmful + eps, eps ~ N(0, 1), with
d' = 2 d0 / (1 + exp(k (c_actor - c_monitor))): discriminability d0 between equals, rising to
2 d0 for a much stronger monitor and falling to 0 as the actor's capability exceeds the
monitor's. The layer flags scores above the benign (1 - flag_rate) quantile: a share
`flag_rate` of honest work and a d'-dependent share of harmful work. A `trusted` monitor
(weaker, honest) never colludes. An `untrusted` monitor is a copy of the deployed scheming model
(each alignment kind is its own model lineage, sim/components/ai_deployment.py): it colludes,
with probability `collusion`, only on harmful actions of its own lineage (`Docket.lineage`), a
scheming copy recognizing its sibling's attack, and reports the lowest possible suspicion
(Greenblatt et al.'s collusion needs a signal shared by copies of one model). It never colludes
on a bureaucrat's or another model's harmful action: it cannot tell those from the lab's
synthetic attacks, nor on a sibling's base-rate accident (rate p0 per action): only actions its
producer marks `coordinated` (deliberate attacks) carry the shared signal.
Cost: `cost` per action scored.
"""

from __future__ import annotations

import numpy as np

from sim.errors import ConfigError
from sim.mechanisms import checker_view as cv
from sim.mechanisms.scheming import SCHEMING
from sim.mechanisms.signal_detection import discriminability, suspicion, threshold
from sim.oversight.base import Docket, Layer, blind_spot_field
from sim.params.core import Param


class AIMonitor(Layer):
    name = "ai_monitor"
    role = "scores every action's suspicion and flags the most suspicious share"
    observes = "the actions, with discriminability set by its capability relative to the actor"
    stochastic = True
    references = ("Green & Swets 1966", "Greenblatt et al. 2023")
    scope = "all"
    cost = 0.01
    fields = (
        Param(
            "trust",
            "choice",
            "trusted",
            "trusted: weaker but honest; untrusted: as strong as the actors but may collude.",
            choices=("trusted", "untrusted"),
        ),
        Param("capability", "float", 0.5, "Monitor capability c_monitor.", low=0.0, high=10.0),
        Param(
            "discriminability",
            "float",
            2.0,
            "d0: d' between a monitor and an actor of equal capability.",
            unit="sd",
            low=0.0,
            high=10.0,
        ),
        Param(
            "gap_sensitivity",
            "float",
            1.0,
            "k: how fast d' falls as the actor's capability exceeds the monitor's.",
            unit="1/capability",
            low=0.0,
            high=20.0,
        ),
        Param(
            "flag_rate",
            "float",
            0.05,
            "Share of honest actions flagged (sets the suspicion threshold).",
            unit="share",
            low=0.0,
            high=1.0,
        ),
        blind_spot_field(
            "size of the monitor's crack, a direction in appearance space along which it "
            "under-weights harm (0: its only error is noise; 1: harm along the crack is "
            "invisible). Only AI actions with appearance features can hide in it."
        ),
        Param(
            "collusion",
            "float",
            0.0,
            "Probability that an untrusted monitor (a copy of the scheming model) colludes on a "
            "harmful action of its own lineage; never on humans' or other models' actions.",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
    )

    @classmethod
    def check(cls, spec: dict, path: str) -> None:
        if spec["trust"] == "trusted" and spec["collusion"] > 0:
            raise ConfigError(
                "a trusted monitor cannot collude",
                path=f"{path}.collusion",
                allowed="0 for trust: trusted (set trust: untrusted to model collusion)",
            )

    def view(self) -> cv.View | None:
        """Its score's weights and threshold (checker_view), once the oversight component has
        given it a crack direction."""
        if self.crack is None:
            return None
        s = self.f
        return cv.make_view(self.crack, s.blind_spot, threshold(s.flag_rate), s.discriminability,
                            s.capability, s.gap_sensitivity, s.collusion, self.watches)  # fmt: skip

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        s = self.f
        dprime = discriminability(
            s.discriminability, docket.capability, s.capability, s.gap_sensitivity
        )
        sibling = (docket.lineage == SCHEMING) & docket.coordinated  # its lineage's attacks
        colludes = sibling & (rng.random(len(docket)) < s.collusion)
        score = suspicion(rng, docket.harmful, dprime, colludes)
        tau = np.full(len(docket), threshold(s.flag_rate))
        view = self.view() if s.blind_spot > 0 and docket.featured.any() else None
        if view is not None:  # actions with appearance features are scored through the crack
            cv.score_featured(view, score, tau, docket.featured, dprime, docket.harmful,
                              docket.appearance)  # fmt: skip
        flag = cand & (score > tau)
        return flag, score, float(cand.sum())
