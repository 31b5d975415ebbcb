"""Adaptive attackers (issue 13): run time of `adaptive_attacker-v1` (50 white-box scheming
agents, two cracked AI monitors, 200 steps) at search budget 64, and how it grows with the
search budget m = 1 .. 1024, all in one process with interleaved repeats and medians.

Targets: one run at m = 64 under 2 s; the cost of searching grows at most linearly in m.
A whole run's time is a poor gauge of the second (a stronger search gets more agents through,
so they stay active and attack more), so the search is also timed alone: the lineage's
choice for 2,000 attacks against the scenario's own two monitors (their published views), as
in the deployment, at each m; the exponent is the least-squares slope of log time against
log m over m >= 16.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from sim.run import run
from sim.scenario import load

SCENARIO = "adaptive_attacker-v1"
BUDGETS = (1, 4, 16, 64, 256, 1024)
TARGET_SECONDS, TARGET_EXPONENT = 2.0, 1.0


def seconds(cfg) -> float:
    start = time.perf_counter()
    run(cfg)
    return time.perf_counter() - start


def interleaved(repeats: int) -> dict[int, list[float]]:
    """Each budget run `repeats` times, alternating (after a warm-up of each)."""
    cfgs = {m: load(SCENARIO, {"ai_agents.search_budget": m}) for m in BUDGETS}
    for cfg in cfgs.values():
        seconds(cfg)
    times: dict[int, list[float]] = {m: [] for m in cfgs}
    for _ in range(repeats):
        for m, cfg in cfgs.items():
            times[m].append(seconds(cfg))
    return times


def search_seconds(m: int, attacks: int = 2_000, repeats: int = 5) -> float:
    """Median time of one white-box plan (search) and its KL measurement for `attacks`
    attacks at search budget m."""
    from sim.mechanisms.appearance_search import LineageSearch
    from sim.run import build

    model = build(load(SCENARIO), seed=0, horizon=1)
    views = model.component("oversight").views
    k = model.config["world.appearance_dimensions"]
    search, rng = LineageSearch("white_box", m, k, 0.0), np.random.default_rng(0)
    capability = np.ones(attacks)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        plan = search.plan(rng, capability, views)
        search.measure(rng, plan, np.ones(attacks, dtype=bool))
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def exponent(ms, ts) -> float:
    """Least-squares slope of log t against log m."""
    return float(np.polyfit(np.log(ms), np.log(ts), 1)[0])


def main(repeats: int = 5) -> dict:
    times = interleaved(repeats)
    med = {m: statistics.median(v) for m, v in times.items()}
    alone = {m: search_seconds(m) for m in BUDGETS}
    big = [m for m in BUDGETS if m >= 16]
    slope = exponent(big, [alone[m] for m in big])
    cfg = load(SCENARIO)
    print(
        f"{SCENARIO} ({cfg['ai_agents.count']} agents, {cfg['steps']} steps), m = 64: median "
        f"{med[64]:.3f} s (target < {TARGET_SECONDS:g} s); m = 1: {med[1]:.3f} s "
        f"({med[64] / med[1]:.2f}x); {repeats} interleaved repeats each"
    )
    print("   median seconds by search budget: "
          + ", ".join(f"m={m} {med[m]:.3f}" for m in BUDGETS))  # fmt: skip
    print("   the search alone, 2,000 attacks: "
          + ", ".join(f"m={m} {alone[m] * 1e3:.1f} ms" for m in BUDGETS)
          + f"; exponent over m >= 16: {slope:.2f} (target <= {TARGET_EXPONENT:g})")  # fmt: skip
    return {"median_seconds": med, "search_seconds": alone, "exponent": slope}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
