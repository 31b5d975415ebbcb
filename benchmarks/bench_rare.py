"""Rare-event estimators (issue 14): efficiency of adaptive multilevel splitting and of
cross-entropy importance sampling against plain Monte Carlo, as relative variance x cost, on
the closed-form systems of sim/rare/system.py, all in one process.

For each case the estimator runs R times on fresh seeds; its relative variance is the
variance of its R estimates over p^2 (p exact) and its cost the mean number of model steps it
took (for IS the cross-entropy pilot counted). Plain Monte Carlo's relative variance at cost C
is known exactly, (1 - p) / (p C / c), c its measured cost per path (a binomial proportion),
so the MC side is exact rather than an estimate that would see no event at p = 1e-6.
The same measure is taken inside the simulator (`model_case`): importance sampling through
the AI deployment's declared tilted draw on a first catastrophe within 20 steps at exact
probability 1e-6 (anchor G4's case; splitting cannot climb toward a first catastrophe).
Efficiency = MC's relative variance x cost over the method's. Target: at least 100x at
p ~ 1e-6; at p ~ 1e-2 the numbers say how they compare.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from sim.rare import ams, importance, mc
from sim.rare.system import CaptureChain, IndependentLayers

CASES = {
    "layers, p = 1e-6": IndependentLayers(6, 0.1),
    "layers, p = 1e-2": IndependentLayers(2, 0.1),
    "chain, p ~ 1e-2": CaptureChain(2, 0.0104, 10),
}
AMS_N, AMS_K, PILOT, IS_N, TARGET = 1000, 10, 500, 2000, 100.0


def work_ams(system, seed: int) -> tuple[float, int]:
    est = ams.estimate(system, AMS_N, AMS_K, seed)
    return est.p, est.model_steps


def work_is(system, seed: int) -> tuple[float, int]:
    tilt, pilot, _ = importance.cross_entropy_run(system, PILOT, seed)
    est = importance.estimate(system, IS_N, seed + 10_000, tilt)
    return est.p, est.model_steps + pilot


def efficiency(system, work, repeats: int) -> tuple[float, float]:
    """(relative variance x cost against MC's, seconds per run) over `repeats` seeds."""
    p, start = system.exact(), time.perf_counter()
    runs = [work(system, seed) for seed in range(repeats)]
    seconds = (time.perf_counter() - start) / repeats
    est, cost = np.array([r[0] for r in runs]), float(np.mean([r[1] for r in runs]))
    per_path = mc.estimate(system, 2000, 0).model_steps / 2000
    mc_product = (1 - p) / p * per_path  # MC relative variance x cost, exactly
    return mc_product / (float(est.var(ddof=1)) / p**2 * cost), seconds


def main(repeats: int = 20) -> dict:
    out = {}
    for label, system in CASES.items():
        for name, work in (("AMS", work_ams), ("IS", work_is)):
            gain, secs = efficiency(system, work, repeats)
            out[(label, name)] = gain
            print(f"{label} (exact {system.exact():.3g}), {name}: {gain:,.0f}x plain MC at equal "
                  f"cost ({repeats} runs, {secs:.2f} s each)")  # fmt: skip
    gain, secs, reps = model_case(max(3, repeats // 4))
    out[("simulator, first catastrophe, p = 1e-6", "IS")] = gain
    print(f"simulator, first catastrophe by step 20 (exact 1e-06), IS: {gain:,.0f}x plain MC at "
          f"equal cost ({reps} runs, {secs:.1f} s each)")  # fmt: skip
    worst = min(v for (label, _), v in out.items() if "1e-6" in label)
    print(f"   at p = 1e-6 the weaker method is {worst:,.0f}x MC (target >= {TARGET:g}x)")
    return out


class Deployment:
    """Anchor G4's one-agent deployment as a system with its exact probability."""

    def __init__(self, p: float):
        from sim.rare.tail import prepare
        from sim.validate.rare_model import T, deployment, first_rate

        self.p = p
        self.system = prepare(deployment(first_rate(p)), "catastrophes >= 1", T, "is")

    def __getattr__(self, name):
        return getattr(self.system, name)

    def exact(self) -> float:
        return self.p


def model_case(repeats: int) -> tuple[float, float, int]:
    """IS (cross-entropy pilot counted, budget 400 as in G4) on the simulator at p = 1e-6."""
    from sim.rare.tail import estimate

    system = Deployment(1e-6)

    def work(_, seed: int) -> tuple[float, int]:
        est = estimate(system.system, "is", 400, seed)
        return est.p, est.model_steps

    gain, secs = efficiency(system, work, repeats)
    return gain, secs, repeats


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
