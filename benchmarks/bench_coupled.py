"""Coupled institution (issue 12): run time of `coupled_institution-v1` (every feedback loop
on: a government that sets and pays for oversight, strategic interest groups, overseer
organizations with review queues, AI officials in the delegation tree, media that inform
voters; 10,000 voters, 155 officials, 50 AI agents) against `full_institution-v1` (the same
chain without the feedback), timed in the same process: interleaved repeats, medians, and the
ratio of the medians. Target: the coupled scenario under 2x full_institution-v1.

Also the time each component's step takes over one coupled run, so a slow new component is
named rather than hidden in the total.
"""

from __future__ import annotations

import statistics
import sys
import time

from benchmarks.bench_institution import component_shares
from sim.run import run
from sim.scenario import load

COUPLED, BASE = "coupled_institution-v1", "full_institution-v1"
TARGET = 2.0


def seconds(cfg) -> float:
    start = time.perf_counter()
    run(cfg)
    return time.perf_counter() - start


def interleaved(repeats: int = 7) -> dict[str, list[float]]:
    """Each scenario run `repeats` times, alternating (after one warm-up run of each), so
    both see the same machine load."""
    cfgs = {name: load(name) for name in (BASE, COUPLED)}
    for cfg in cfgs.values():
        seconds(cfg)
    times: dict[str, list[float]] = {name: [] for name in cfgs}
    for _ in range(repeats):
        for name, cfg in cfgs.items():
            times[name].append(seconds(cfg))
    return times


def main(repeats: int = 7) -> dict:
    times = interleaved(repeats)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med[COUPLED] / med[BASE]
    cfg = load(COUPLED)
    print(
        f"{COUPLED} ({cfg['electorate.n_voters']:,} voters, {cfg['steps']} steps): median "
        f"{med[COUPLED]:.3f} s; {BASE}: {med[BASE]:.3f} s; ratio {ratio:.2f}x "
        f"(target < {TARGET:g}x; {repeats} interleaved repeats each)"
    )
    shares = component_shares(cfg["steps"], COUPLED)
    print("   step time by component: " + ", ".join(f"{k} {v:.3f} s" for k, v in shares.items()))
    return {"median_seconds": med, "ratio": ratio, "times": times, "components": shares}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
