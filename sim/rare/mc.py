"""Plain Monte Carlo for a rare event (issue 14), the control: n independent paths, each run
until the event or the horizon; p is the share that hit. Interval: the exact binomial
(Clopper & Pearson 1934, Biometrika 26:404) from scipy.stats.binomtest; standard error
sqrt(p(1-p)/n); ESS n. A useful estimate needs ~100/p paths for 10% relative error, so plain
Monte Carlo is only feasible for p down to about 1e-3 to 1e-4 on a real model.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

from sim.rare import Estimate, make_estimate
from sim.rare.system import State, System


def run_path(system: System, state: State) -> tuple[State, int]:
    """Step a path until it hits the event or reaches the horizon; returns it and the steps."""
    steps = 0
    while not system.hit(state) and system.time(state) < system.horizon:
        state = system.step(state)
        steps += 1
    return state, steps


def path_seeds(seed: int, n: int) -> list[int]:
    """n independent per-path seeds from one master seed (SeedSequence)."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(n, np.uint64)]


def estimate(system: System, n: int, seed: int, progress=None) -> Estimate:
    """Share of n independent paths that hit the event within the horizon. `progress(fraction,
    note)`, if given, is called after each path (sim/rare/tail.py)."""
    hits, steps = 0, 0
    for i, s in enumerate(path_seeds(seed, n)):
        state, k = run_path(system, system.start(s))
        hits, steps = hits + bool(system.hit(state)), steps + k
        if progress is not None:
            progress((i + 1) / n, f"MC path {i + 1}/{n}, {hits} hits")
    ci = binomtest(hits, n).proportion_ci(0.95, method="exact")
    p = hits / n
    return make_estimate(p, math.sqrt(p * (1 - p) / n), (ci.low, ci.high), n, steps, "mc",
                         hits=hits, n=n)  # fmt: skip
