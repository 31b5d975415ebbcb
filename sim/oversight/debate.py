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

Argument length and judge time (issue 13, item 4). An argument of length L (`argument_length`)
read by a judge with time T (`judge_time`) is read in part: the judge reads a share
rho = min(1, T / L) of it. An argument's evidence accumulates over what is read (sequential
sampling: increments independent, so evidence grows as rho in mean and sqrt(rho) in sd; the
multiple-observations model of Green & Swets 1966), so the judge receives rho mu + sqrt(rho) eps
of an argument that, read whole, gives mu + eps: SNR sqrt(rho) mu. Long arguments a judge
cannot finish are why debate recurses to one step the judge can check (Irving, Christiano &
Amodei 2018, sec. 2); in the human debates of Michael et al. 2023 ("Debate Helps Supervise
Unreliable Experts") judges never read the source and saw only short quotes the debaters chose
to reveal. rho = 1 (the default L = T = 1) is the model above, bit for bit.

Sandbagging debaters. A `trusted` debater (the default) argues its side at full skill. An
`untrusted` debater is a copy of the deployed scheming model: on its own lineage's coordinated
attacks (`Docket.lineage` scheming and `Docket.coordinated`, as ai_monitor's collusion) the
side it must argue honestly ("this is harmful") is argued weakly, at skill 0, with probability
`sandbag` (van der Weij et al. 2024 on strategic underperformance).

A case judged harmful is flagged. Cost: `cost` per case argued.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sim.errors import ConfigError
from sim.mechanisms.scheming import SCHEMING
from sim.mechanisms.signal_detection import discriminability
from sim.oversight.base import Docket, Layer
from sim.params.core import Param


def judge_correct(rng: np.random.Generator, n: int, fmt: str, skill: float, advantage,
                  accuracy: float, read: float = 1.0, weak=None) -> np.ndarray:  # fmt: skip
    """Whether the judge reaches the true verdict on each of n cases (`advantage`: tau' per
    case, or one for all; `read`: the share rho of each argument the judge reads; `weak`: the
    cases whose honest side is argued at skill 0)."""
    m = float(ndtri(accuracy))
    x = m + rng.standard_normal(n)
    mean = skill * (1.0 + advantage)
    if weak is not None:
        mean = np.where(weak, 0.0, mean)
    honest = read * mean + np.sqrt(read) * rng.standard_normal(n)
    liar = read * skill + np.sqrt(read) * rng.standard_normal(n)
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
    references = ("Irving, Christiano & Amodei 2018", "Khan et al. 2024",
                  "Michael et al. 2023", "van der Weij et al. 2024")  # fmt: skip
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
        Param("argument_length", "float", 1.0, "L: length of each argument, in the time a "
              "judge needs to read it whole.", unit="judge-time", low=0.01, high=1000.0),
        Param("judge_time", "float", 1.0, "T: the judge's time per argument (it reads a share "
              "min(1, T / L)).", unit="judge-time", low=0.0, high=1000.0),
        Param("debater_trust", "choice", "trusted", "trusted: honest debaters; untrusted: "
              "copies of the scheming model that may sandbag.", choices=("trusted", "untrusted")),
        Param("sandbag", "float", 0.0, "Probability an untrusted debater argues weakly (skill "
              "0) for exposing its own lineage's coordinated attack.", unit="probability",
              low=0.0, high=1.0),
    )  # fmt: skip

    @classmethod
    def check(cls, spec: dict, path: str) -> None:
        if spec["debater_trust"] == "trusted" and spec["sandbag"] > 0:
            raise ConfigError(
                "a trusted debater does not sandbag",
                path=f"{path}.sandbag",
                allowed="0 for debater_trust: trusted (set debater_trust: untrusted)",
            )

    def weak(self, docket: Docket, rng: np.random.Generator) -> np.ndarray:
        """The cases an untrusted debater argues weakly: its lineage's coordinated attacks,
        each with probability `sandbag`."""
        sibling = (docket.lineage == SCHEMING) & docket.coordinated
        return sibling & (rng.random(len(docket)) < self.f.sandbag)

    def reading(self, docket: Docket, rng: np.random.Generator) -> dict:
        """judge_correct's `read` (rho = min(1, T / L)) and `weak`, given only when they
        differ from a whole reading by trusted debaters."""
        out = {"weak": self.weak(docket, rng)} if self.weak_possible() else {}
        read = min(1.0, self.f.judge_time / self.f.argument_length)
        return out | ({"read": read} if read < 1.0 else {})

    def weak_possible(self) -> bool:
        return self.f.debater_trust == "untrusted" and self.f.sandbag > 0

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        s = self.f
        advantage = discriminability(
            s.truth_advantage, docket.capability, s.debater_capability, s.gap_sensitivity
        )
        right = judge_correct(rng, len(docket), s.format, s.debater_skill, advantage,
                              s.judge_accuracy, **self.reading(docket, rng))  # fmt: skip
        flag = cand & (docket.harmful == right)
        return flag, flag.astype(float), float(cand.sum())
