"""Decomposed review: each case split into sub-claims, each rated by its own rater (factored
cognition, Christiano, Shlegeris & Amodei 2018, "Supervising strong learners by amplifying weak
experts"; Wu et al. 2021, "Recursively Summarizing Books with Human Feedback"; the seam is the
obfuscated-arguments problem, Barnes & Christiano 2020). The scoring model is
sim/mechanisms/decomposition.py.

Alignment failure it answers: *raters with systematic errors*. A holistic rater (`pieces: 1`)
sees all of a case's harm but through its own view of how the case looks: with `blind_spot` b
it has a crack (sim/mechanisms/checker_view.py) that a searching attacker can aim at. Split
into k sub-claims, each rater judges a small piece closely (evidence d' k^focus in the flawed
piece) and the crack does not reach it: a sub-claim rater reads only its piece's content,
not the whole action's framing, and the crack is a direction of that framing (appearance).
This is a modelling choice: the piece raters may have cracks of their own, which this layer
leaves out. The price is the seams: a share `seam` of the harm lies in the interactions
between sub-claims, which no piece rater sees. So decomposition helps exactly when harm does
not hide in the seams, and how much the crack costs holistic rating depends on how hard the
attacker searches for it.

Scores: d' = 2 d0 / (1 + exp(k_gap (c_actor - c_rater))) as for the AI monitor. A case is
flagged when any piece's score passes the threshold that keeps the benign flag rate at
`flag_rate` (decomposition.piece_threshold). With `pieces: 1` and a blind spot, cases with
appearance features are scored through the crack, d' h (1 - b c^2) + a . w_a + eps, against
the threshold that keeps that flag rate (checker_view.crack_threshold), and the layer publishes
its view to a white-box attacker; with `pieces` > 1 it publishes none (there is no crack to
search for). Cost: `cost` per sub-claim rating, so `pieces` x `cost` per case.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import checker_view as cv
from sim.mechanisms import decomposition as dc
from sim.mechanisms.signal_detection import discriminability, threshold
from sim.oversight.base import Docket, Layer, blind_spot_field
from sim.params.core import Param


class DecomposedReview(Layer):
    name = "decomposed_review"
    role = "rates each case as k sub-claims, each by its own rater, and flags it if any fails"
    observes = "each sub-claim's content, not the seams between them nor the whole's framing"
    stochastic = True
    references = ("Christiano, Shlegeris & Amodei 2018", "Wu et al. 2021",
                  "Barnes & Christiano 2020", "Green & Swets 1966")  # fmt: skip
    scope = "flagged"
    cost = 0.05
    fields = (
        Param(
            "pieces",
            "int",
            4,
            "k: sub-claims per case (1: holistic rating).",
            unit="sub-claims",
            low=1,
            high=64,
        ),
        Param(
            "seam",
            "float",
            0.0,
            "Share of a harmful case's evidence that lies in the interactions between "
            "sub-claims, seen by no sub-claim rater (0: harm sits in one sub-claim).",
            unit="share",
            low=0.0,
            high=1.0,
        ),
        Param(
            "focus",
            "float",
            0.5,
            "Exponent of the closer look: a sub-claim rater's evidence is d' k^focus (0.5: "
            "evidence grows as the square root of the looks; 0: no gain from decomposing).",
            low=0.0,
            high=1.0,
        ),
        Param("capability", "float", 0.5, "Raters' capability c_rater.", low=0.0, high=10.0),
        Param(
            "discriminability",
            "float",
            2.0,
            "d0: d' between a rater and an actor of equal capability.",
            unit="sd",
            low=0.0,
            high=10.0,
        ),
        Param(
            "gap_sensitivity",
            "float",
            1.0,
            "k_gap: how fast d' falls as the actor outgrows the raters.",
            unit="1/capability",
            low=0.0,
            high=20.0,
        ),
        Param(
            "flag_rate",
            "float",
            0.1,
            "Share of benign cases it flags (any sub-claim).",
            unit="share",
            low=0.0,
            high=1.0,
        ),
        blind_spot_field(
            "size of a holistic rater's crack in appearance space (reaches only pieces: 1)."
        ),
    )

    def view(self) -> cv.View | None:
        """A holistic rater's weights and threshold (checker_view); None when decomposed."""
        s = self.f
        if self.crack is None or s.pieces > 1:
            return None
        return cv.make_view(self.crack, s.blind_spot, threshold(s.flag_rate), s.discriminability,
                            s.capability, s.gap_sensitivity, 0.0, self.watches)  # fmt: skip

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        s = self.f
        dprime = discriminability(
            s.discriminability, docket.capability, s.capability, s.gap_sensitivity
        )
        score = dc.suspicion(rng, dprime, docket.harmful, s.pieces, s.seam, s.focus)
        tau = np.full(len(docket), dc.piece_threshold(s.flag_rate, s.pieces))
        view = self.view() if s.blind_spot > 0 and docket.featured.any() else None
        if view is not None:  # a holistic rater scores featured cases through its crack
            cv.score_featured(view, score, tau, docket.featured, dprime, docket.harmful,
                              docket.appearance)  # fmt: skip
        flag = cand & (score > tau)
        return flag, score, float(cand.sum() * s.pieces)
