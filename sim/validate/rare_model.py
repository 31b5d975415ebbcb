"""Anchor G4 (issue 14): exact rare-event probabilities reproduced INSIDE the simulator, at
p = 1e-3, 1e-6 and 1e-9, by the estimators of sim/rare run on `sim.model.InstitutionModel`
(sim/rare/model_system.py); every estimate within 3 of its own standard errors of the truth.

The case is a deployment whose law is known in closed form: one aligned AI agent, no lab
protocol, no oversight, one task a step at catastrophe rate r (its KL budget unspent, so each
task is catastrophic with probability r exactly, sim/mechanisms/scheming.py), so the
catastrophe count by step T is Binomial(T, r) and a first catastrophe within T steps has
P = 1 - (1 - r)^T, r set so that P is exactly 1e-3, 1e-6 or 1e-9 (the closed form supplies
only the expected value; the simulator draws every path). It is estimated by importance
sampling through the deployment's declared tilted draw (`ai_deployment.harm`, the tilt tuned by
cross-entropy; Rubinstein 1999, de Boer et al. 2005). Its score cannot climb before the event
(the count is 0 until it is 1), so it is a case for importance sampling, not for splitting.

Adaptive multilevel splitting runs inside the simulator in anchor G1 (k or more catastrophes,
P(Binomial(20, 0.05) >= 6) = 3.3e-4). With the catastrophe count as its score it does not
reach 1e-6 here reliably: paths reach a count at spread-out times and late ones have no time
left (the race against the horizon of sim/rare/ams.py); measured at p = 1e-6 (k = 10,
n = 300): relative error 0.8, and at 1e-9 (k = 14) the population died out.
"""

from __future__ import annotations

import math

from sim.validate.core import Check, anchor, within_se

T = 20
LEVELS = (1e-3, 1e-6, 1e-9)
IS_BUDGET = 400
SOURCE = "Rubinstein 1999, MCAP 1:127; de Boer et al. 2005, AOR 134:19"


def deployment(rate: float):
    """The one-agent deployment above at catastrophe rate `rate` (a scenario Config)."""
    from sim.scenario import load

    over = {"electorate.n_voters": 50, "ai_agents.count": 1, "ai_agents.alignment": "aligned",
            "ai_agents.protocol": "none", "ai_agents.tasks_per_step": 1,
            "ai_agents.base_harm_rate": rate, "steps": T}  # fmt: skip
    return load("ai_control_protocols-v1", over)


def first_rate(p: float) -> float:
    """r with 1 - (1 - r)^T = p."""
    return -math.expm1(math.log1p(-p) / T)


def first_catastrophe(p: float, seed: int):
    """The importance-sampling estimate of a first catastrophe by T at exact probability p."""
    from sim.rare.tail import estimate, prepare

    system = prepare(deployment(first_rate(p)), "catastrophes >= 1", T, "is")
    return estimate(system, "is", IS_BUDGET, seed)


@anchor("G4", "Importance sampling reproduces exact probabilities inside the simulator at "
        "1e-3, 1e-6 and 1e-9", SOURCE)  # fmt: skip
def g4(seed: int) -> list[Check]:
    rows = []
    for i, p in enumerate(LEVELS):
        est = first_catastrophe(p, seed + i)
        tilt = est.extra["tilt"]["ai_deployment.harm"]
        label = (f"IS, first catastrophe within {T} steps, p={p:g}, {IS_BUDGET} paths, "
                 f"harm log-odds shift {tilt:.2f}: p (model steps {est.model_steps})")  # fmt: skip
        rows.append(within_se(label, est.p, p, est.se))
    return rows
