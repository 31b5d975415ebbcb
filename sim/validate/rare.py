"""Anchors G1-G3 (issue 14): the rare-event estimators of sim/rare/ reproduce exact
probabilities of closed-form systems (sim/rare/system.py) at p = 1e-3, 1e-6 and 1e-9, each
estimate within 3 of its own standard errors of the truth. Every check runs the estimator on
the simulated paths; the closed forms only supply the expected values.

G1 adaptive multilevel splitting (Cérou & Guyader 2007; Bréhier et al. 2016) on k independent
layers all missing (p = miss^k) at all three levels, and on a capture chain at 1e-3 (with the
captured count as score, AMS on the chain is heavy-tailed at smaller p: see sim/rare/ams.py).
G2 importance sampling tuned by cross-entropy (Rubinstein 1999; de Boer et al. 2005) on all
three systems at all three levels. G3 plain Monte Carlo with a Clopper-Pearson interval, at
1e-3 only: at 1e-6 it needs ~1e8 paths for 10% relative error, out of reach. G1 also runs
AMS on the simulator itself, on a case whose probability is known in closed form
(`in_simulator`).
"""

from __future__ import annotations

from sim.rare import ams, importance, mc
from sim.rare.system import make
from sim.validate.core import Check, anchor, within_se

LEVELS = (1e-3, 1e-6, 1e-9)
AMS_N, AMS_K, PILOT, IS_N, MC_N = 4000, 40, 500, 5000, 20_000
IS_CASES = [(name, p) for name in ("layers", "catastrophe", "chain") for p in LEVELS]
SOURCE_AMS = "Cérou & Guyader 2007, Stoch. Anal. Appl. 25:417; Bréhier et al. 2016, AAP 26:3559"
SOURCE_IS = "Rubinstein 1999, MCAP 1:127; de Boer, Kroese, Mannor & Rubinstein 2005, AOR 134:19"
SOURCE_MC = "Clopper & Pearson 1934, Biometrika 26:404"


def check(label: str, est, exact: float) -> Check:
    """The estimate within 3 of its own SE of the exact probability."""
    return within_se(f"{label}: p (model steps {est.model_steps})", est.p, exact, est.se)


@anchor("G1", "AMS reproduces exact rare-event probabilities", SOURCE_AMS)
def g1(seed: int) -> list[Check]:
    cases = [("layers", p) for p in LEVELS] + [("chain", 1e-3)]
    rows = []
    for i, (name, p) in enumerate(cases):
        system = make(name, p)
        est = ams.estimate(system, AMS_N, AMS_K, seed + i)
        rows.append(check(f"AMS {name} p={p:g}, n={AMS_N}, k={AMS_K}", est, system.exact()))
    return [*rows, in_simulator(seed)]


def in_simulator(seed: int, particles: int = 100) -> Check:
    """AMS on the model itself (sim/rare/model_system.py): one aligned AI agent, no protocol,
    one task a step at harm rate 0.05 over 20 steps, so catastrophes by step 20 ~
    Binomial(20, 0.05) and P(catastrophes >= 6) = 3.3e-4, scored by the catastrophe count."""
    from scipy.stats import binom

    from sim.rare.event import parse
    from sim.rare.model_system import ModelSystem, importance_for
    from sim.scenario import load

    over = {"electorate.n_voters": 100, "ai_agents.count": 1, "ai_agents.alignment": "aligned",
            "ai_agents.protocol": "none", "ai_agents.base_harm_rate": 0.05,
            "steps": 20}  # fmt: skip
    config, event = load("ai_control_protocols-v1", over), parse("catastrophes >= 6")
    system = ModelSystem(config, event, 20, importance_for(event, config))
    est = ams.estimate(system, particles, particles // 10, seed)
    return check(f"AMS in the simulator, Binomial(20, 0.05) >= 6, n={particles}", est,
                 float(binom.sf(5, 20, 0.05)))  # fmt: skip


@anchor("G2", "Importance sampling with a cross-entropy tilt reproduces exact rare-event "
        "probabilities", SOURCE_IS)  # fmt: skip
def g2(seed: int) -> list[Check]:
    rows = []
    for i, (name, p) in enumerate(IS_CASES):
        system = make(name, p)
        tilt = importance.cross_entropy(system, PILOT, seed + 100 + i)
        est = importance.estimate(system, IS_N, seed + i, tilt)
        rows.append(check(f"IS {name} p={p:g}, n={IS_N}, tilt {shown(tilt)}", est, system.exact()))
    return rows


@anchor("G3", "Plain Monte Carlo with an exact binomial interval, at p = 1e-3", SOURCE_MC)
def g3(seed: int) -> list[Check]:
    rows = []
    for i, name in enumerate(("layers", "catastrophe", "chain")):
        system = make(name, 1e-3)
        est = mc.estimate(system, MC_N, seed + i)
        rows.append(check(f"MC {name} p=0.001, n={MC_N}", est, system.exact()))
    return rows


def shown(tilt: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in tilt.items())
