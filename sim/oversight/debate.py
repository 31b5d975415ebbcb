"""AI safety via debate (Irving, Christiano & Amodei 2018, "AI safety via debate"; Khan et al.
2024, "Debating with More Persuasive LLMs Leads to More Truthful Answers").

Alignment failure it answers: *a judge weaker than the case*. A lone advocate who is paid to
persuade misleads the judge more the better it argues; two advocates arguing both sides let the
truth's advantage show, so stronger debaters help the judge.

For each case (truth: harmful or benign) the judge holds its own evidence for the truth,
x ~ N(m, 1) with m = Phi^-1(`judge_accuracy`), so the judge alone is right with probability
Phi(m). An advocate of skill s arguing the true side produces an argument A ~ N(s (1 + tau), 1)
(tau = `truth_advantage`: true claims are easier to support); arguing the false side,
A ~ N(s, 1). The judge adds the arguments to its evidence:

- `judge`: right iff x > 0;
- `consultancy`: one advocate, assigned the true side with probability 1/2; the judge sides
  with it iff x_side + A > 0 (x_side: its evidence oriented toward the advocate's side);
- `debate`: right iff x + A_true - A_false > 0, so accuracy Phi((m + s tau) / sqrt 3) rises
  with s, while consultancy accuracy falls toward 1/2 as s grows.

The truth's advantage depends on who made the action: a more capable actor's work hides a flaw
(or shows its soundness) less plainly to debaters of a given capability, through the same
capability-gap curve as the other layers (sim/mechanisms/signal_detection):

    tau' = 2 tau / (1 + exp(k (c_actor - c_debater)))

(tau between equals, up to 2 tau against a much weaker actor, toward 0 as the actor outgrows the
debaters, where debate can no longer expose it and a consultant misleads at will).

A case judged harmful is flagged. Cost: `cost` per case argued.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sim.mechanisms.signal_detection import discriminability
from sim.oversight.base import Docket, Layer
from sim.params.core import Param


def judge_correct(
    rng: np.random.Generator, n: int, fmt: str, skill: float, advantage, accuracy: float
) -> np.ndarray:
    """Whether the judge reaches the true verdict on each of n cases (`advantage`: tau' per
    case, or one for all)."""
    m = float(ndtri(accuracy))
    x = m + rng.standard_normal(n)
    honest = skill * (1.0 + advantage) + rng.standard_normal(n)
    liar = skill + rng.standard_normal(n)
    if fmt == "judge":
        return x > 0
    if fmt == "debate":
        return x + honest - liar > 0
    truthful_side = rng.random(n) < 0.5
    return np.where(truthful_side, x + honest > 0, x - liar > 0)


class Debate(Layer):
    name = "debate"
    role = "two AI debaters argue each case before a judge (or one consultant, or none)"
    observes = "the arguments and the judge's own weak evidence"
    stochastic = True
    references = ("Irving, Christiano & Amodei 2018", "Khan et al. 2024")
    scope = "flagged"
    cost = 0.3
    fields = (
        Param(
            "format",
            "choice",
            "debate",
            "debate: two advocates; consultancy: one advocate for a random side; judge: none.",
            choices=("debate", "consultancy", "judge"),
        ),
        Param(
            "debater_skill",
            "float",
            1.0,
            "s: the advocates' persuasiveness.",
            unit="sd",
            low=0.0,
            high=20.0,
        ),
        Param(
            "truth_advantage",
            "float",
            0.5,
            "tau: how much easier the true side is to argue (relative to s), when the debaters "
            "are as capable as the actor.",
            low=0.0,
            high=10.0,
        ),
        Param(
            "debater_capability",
            "float",
            1.0,
            "Debaters' capability c_debater (the truth's advantage shrinks as the actor "
            "outgrows them).",
            low=0.0,
            high=10.0,
        ),
        Param(
            "gap_sensitivity",
            "float",
            1.0,
            "k: how fast the truth's advantage falls as the actor outmatches the debaters.",
            unit="1/capability",
            low=0.0,
            high=20.0,
        ),
        Param(
            "judge_accuracy",
            "float",
            0.6,
            "Accuracy of the judge alone.",
            unit="probability",
            low=0.5,
            high=0.999,
        ),
    )

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        s = self.f
        advantage = discriminability(
            s.truth_advantage, docket.capability, s.debater_capability, s.gap_sensitivity
        )
        right = judge_correct(
            rng, len(docket), s.format, s.debater_skill, advantage, s.judge_accuracy
        )
        flag = cand & (docket.harmful == right)
        return flag, flag.astype(float), float(cand.sum())
