"""Critique-assisted human review (Saunders, Yeh, Wu, Bills, Ouyang, Ward & Leike 2022,
"Self-critiquing models for assisting human evaluators": with model-written critiques, human
labelers found about 50% more flaws).

Alignment failure it answers: *scalable oversight*. Human reviewers miss flaws in work that
outstrips them; an AI critic points flaws out, which humans can then verify, as long as the
critic is not itself outmatched by the actor.

A reviewer finds the flaw in a harmful action on its own with probability h (`human_recall`).
With critiques, a critic points the flaw out with probability

    c' = min(1, c * 2 / (1 + exp(k (c_actor - c_critic))))

(c = `critique_recall` between equals, the capability-gap curve of sim/mechanisms/signal_detection)
and the human verifies a pointed-out flaw with probability v, so recall is

    r = 1 - (1 - h)(1 - c' v)       (h = 0.4, c = 0.6, v = 0.55 give r = 0.6, 1.5 x h).

A benign action is flagged with probability `false_alarm`. Reviewers take the most suspicious
candidates first, up to a share `budget` of them; by default the layer reviews what lower
layers flagged (`scope: flagged`) and passes on what it could not review. Cost: `cost` per case.

The suspicion it hands up (which ranks its cases for the final audit) is what the reviewers
observed, never the ground truth: the number of signs of a flaw in the case, one for each of
"a reviewer found a flaw on their own", "the critic pointed one out" and "the pointed-out flaw
was verified" (0-3; a false alarm is one sign). Cases it passed on unreviewed score 0.

Sandbagging critics (issue 13, item 4). A `trusted` critic (the default) is honest. An
`untrusted` critic is a copy of the deployed scheming model: on its own lineage's coordinated
attacks (`Docket.lineage` scheming and `Docket.coordinated`, the signal an untrusted monitor
colludes on, sim/oversight/ai_monitor.py) it withholds the critique with probability `sandbag`
(sandbagging: strategic underperformance on an evaluation, van der Weij et al. 2024, "AI
Sandbagging: Language Models can Strategically Underperform on Evaluations"; the critic as an
untrusted model, Greenblatt et al. 2023). Reviewers then find the flaw only on their own (h).
"""

from __future__ import annotations

import numpy as np

from sim.errors import ConfigError
from sim.mechanisms.scheming import SCHEMING
from sim.mechanisms.signal_detection import discriminability
from sim.oversight.base import Docket, Layer
from sim.params.core import Param


def recall(human: float, critique: float, verify: float) -> float | np.ndarray:
    """r = 1 - (1 - h)(1 - c' v): the reviewer finds the flaw alone or via the critique."""
    return 1.0 - (1.0 - human) * (1.0 - np.asarray(critique) * verify)


def first_share(cand: np.ndarray, priority: np.ndarray, share: float, rng) -> np.ndarray:
    """The most suspicious `share` of the candidates (ties broken at random)."""
    idx = np.flatnonzero(cand)
    k = int(np.floor(share * idx.size + rng.random()))
    if k >= idx.size:
        return cand.copy()
    order = idx[rng.permutation(idx.size)]
    order = order[np.argsort(-priority[order], kind="stable")]
    out = np.zeros_like(cand)
    out[order[:k]] = True
    return out


class CritiqueReview(Layer):
    name = "critique_review"
    role = "human reviewers, assisted by AI critiques, confirm or dismiss cases"
    observes = "the cases it reviews; the critic's pointers to flaws"
    stochastic = True
    references = ("Saunders et al. 2022", "Leike et al. 2018 (scalable agent alignment)",
                  "van der Weij et al. 2024")  # fmt: skip
    scope = "flagged"
    cost = 0.5
    fields = (
        Param(
            "budget",
            "float",
            1.0,
            "Share of candidate cases the reviewers can examine (most suspicious first).",
            unit="share",
            low=0.0,
            high=1.0,
        ),
        Param("human_recall", "float", 0.4, "h: flaws found unaided.", low=0.0, high=1.0),
        Param("critique", "bool", True, "Whether reviewers get AI critiques."),
        Param(
            "critique_recall",
            "float",
            0.6,
            "c: probability the critic points out the flaw (critic as capable as the actor).",
            low=0.0,
            high=1.0,
        ),
        Param("verify", "float", 0.55, "v: a pointed-out flaw is verified.", low=0.0, high=1.0),
        Param("critic_capability", "float", 1.0, "Critic capability.", low=0.0, high=10.0),
        Param(
            "gap_sensitivity",
            "float",
            1.0,
            "k: how fast the critic's recall falls as the actor outmatches it.",
            low=0.0,
            high=20.0,
        ),
        Param(
            "false_alarm",
            "float",
            0.05,
            "Probability a benign case is judged flawed.",
            low=0.0,
            high=1.0,
        ),
        Param(
            "critic_trust",
            "choice",
            "trusted",
            "trusted: an honest critic; untrusted: a copy of the scheming model that may sandbag.",
            choices=("trusted", "untrusted"),
        ),
        Param(
            "sandbag",
            "float",
            0.0,
            "Probability an untrusted critic withholds the critique "
            "of its own lineage's coordinated attack.",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
    )

    @classmethod
    def check(cls, spec: dict, path: str) -> None:
        if spec["critic_trust"] == "trusted" and spec["sandbag"] > 0:
            raise ConfigError(
                "a trusted critic does not sandbag",
                path=f"{path}.sandbag",
                allowed="0 for critic_trust: trusted (set critic_trust: untrusted to model it)",
            )

    def critic_recall(self, capability: np.ndarray) -> np.ndarray:
        """c': the critic's recall against each actor (0 without critiques)."""
        s = self.f
        if not s.critique:
            return np.zeros(capability.shape[0])
        gap = discriminability(
            s.critique_recall, capability, s.critic_capability, s.gap_sensitivity
        )
        return np.minimum(1.0, gap)

    def recall(self, capability: np.ndarray) -> np.ndarray:
        """r = 1 - (1 - h)(1 - c' v) against each actor (h without critiques)."""
        s = self.f
        return recall(s.human_recall, self.critic_recall(capability), s.verify)

    def observe(self, docket: Docket, rng: np.random.Generator):
        """What the reviewers see in each case: a flaw found unaided (on a benign case, a false
        alarm), a flaw the critic pointed out, and whether they verified that pointer."""
        n, s = len(docket), self.f
        found = rng.random(n) < np.where(docket.harmful, s.human_recall, s.false_alarm)
        pointed = docket.harmful & (rng.random(n) < self.critic_recall(docket.capability))
        verified = pointed & (rng.random(n) < s.verify)
        if s.critic_trust == "untrusted" and s.sandbag > 0:
            held = self.withheld(docket, rng)
            pointed, verified = pointed & ~held, verified & ~held
        return found, pointed, verified

    def withheld(self, docket: Docket, rng: np.random.Generator) -> np.ndarray:
        """The critiques an untrusted critic withholds: its lineage's coordinated attacks, each
        with probability `sandbag`."""
        sibling = (docket.lineage == SCHEMING) & docket.coordinated
        return sibling & (rng.random(len(docket)) < self.f.sandbag)

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        reviewed = first_share(cand, docket.priority, self.f.budget, rng)
        found, pointed, verified = self.observe(docket, rng)
        flag = reviewed & (found | verified)
        signs = np.where(reviewed, found.astype(float) + pointed + verified, 0.0)
        if self.f.scope == "flagged":
            flag |= cand & ~reviewed  # what it could not review goes on unexamined
        return flag, signs, float(reviewed.sum())
