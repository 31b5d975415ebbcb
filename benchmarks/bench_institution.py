"""Institutional world (issue 3): run time of `full_institution-v1` (10,000 voters, a 3-level
bureaucracy of branching 5 = 155 officials, 50 AI agents, 3 oversight layers, 200 steps), with
the share of each component in the step time, and of the anchors C1-C4, A4, A5.

Targets: full_institution-v1 < 2 s; the six anchors together < 60 s.
"""

from __future__ import annotations

import time
from collections import defaultdict

from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import load

SCENARIO = "full_institution-v1"
ANCHORS = ("A4", "A5", "C1", "C2", "C3", "C4")


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def full_institution() -> dict[str, float]:
    cfg = load(SCENARIO)
    seconds = best_of(lambda: run(cfg))
    return {"seconds": seconds, "steps": cfg["steps"], "voters": cfg["electorate.n_voters"]}


def component_shares(steps: int = 200) -> dict[str, float]:
    """Seconds spent in each component's step() over one run (one timing pass)."""
    model = InstitutionModel(load(SCENARIO))
    spent: dict[str, float] = defaultdict(float)
    for comp in model.components:
        comp.step = _timed(comp.step, comp.name, spent)
    model.run_for(steps)
    return dict(spent)


def _timed(fn, name: str, spent: dict[str, float]):
    def wrapper() -> None:
        start = time.perf_counter()
        fn()
        spent[name] += time.perf_counter() - start

    return wrapper


def anchors() -> dict[str, float]:
    from sim.validate import ANCHORS as REGISTRY

    out = {}
    for aid in ANCHORS:
        start = time.perf_counter()
        REGISTRY[aid].run()
        out[aid] = time.perf_counter() - start
    return out


def main() -> dict[str, dict[str, float]]:
    out = {"scenario": full_institution(), "components": component_shares(), "anchors": anchors()}
    s = out["scenario"]
    print(
        f"{SCENARIO}: {s['voters']:,} voters, 155 officials, 50 AI agents, 3 layers x "
        f"{s['steps']} steps in {s['seconds']:.3f} s (target < 2 s)"
    )
    parts = ", ".join(f"{k} {v:.3f} s" for k, v in out["components"].items())
    print(f"   step time by component: {parts}")
    a = out["anchors"]
    print(
        f"anchors {', '.join(ANCHORS)}: {sum(a.values()):.1f} s in all (target < 60 s): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in a.items())
    )
    return out


if __name__ == "__main__":
    main()
