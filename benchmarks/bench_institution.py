"""Institutional world (issue 3): run time of `full_institution-v1` (10,000 voters, a 3-level
bureaucracy of branching 5 = 155 officials, 50 AI agents, 3 oversight layers, 200 steps), with
the share of each component in the step time; the bureaucracy component alone at 155 officials
against the same at 5 (a ratio timed in one process); and the anchors C1-C4, A4, A5, also as a
multiple of one full_institution-v1 run timed in the same process.

Targets: full_institution-v1 < 2 s; the bureaucracy component, 155 officials x 200 steps,
< 0.5 s and within a few times the 5-official tree (vectorized: the tree's size barely
matters; one Python call per official would make the ratio approach 31); the six anchors
together < 60 s. These were wall-clock assertions in the test suite (test_bureaucracy,
test_anchors_oversight) until issue 9: timings belong here, never in a test.
"""

from __future__ import annotations

import time
from collections import defaultdict

from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import defaults_config, load

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


def component_shares(steps: int = 200, scenario: str = SCENARIO) -> dict[str, float]:
    """Seconds spent in each component's step() over one run (one timing pass)."""
    model = InstitutionModel(load(scenario))
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


BUREAU = {"electorate.n_voters": 300, "bureaucracy.capture_rate": 0.01}
BUREAU_STEPS = 200


def bureaucracy_alone(depth: int, repeats: int = 3) -> float:
    """Best of `repeats`: the bureaucracy component's step and report, BUREAU_STEPS times, on a
    tree of `depth` levels of branching 5 with one measured dimension (model built outside
    the timing)."""
    cfg = defaults_config().with_overrides(
        {**BUREAU, "bureaucracy.depth": depth, "bureaucracy.measured_dimensions": 1}
    )
    times = []
    for _ in range(repeats):
        model = InstitutionModel(cfg, 3)
        comp = model.component("bureaucracy")
        start = time.perf_counter()
        for _ in range(BUREAU_STEPS):
            model.world.actions = []
            comp.step()
            comp.report()
        times.append(time.perf_counter() - start)
    return min(times)


def bureaucracy_scaling() -> dict[str, float]:
    big, small = bureaucracy_alone(3), bureaucracy_alone(1)
    return {"officials_155": big, "officials_5": small, "ratio": big / small}


def anchors() -> dict[str, float]:
    from sim.validate import ANCHORS as REGISTRY

    out = {}
    for aid in ANCHORS:
        start = time.perf_counter()
        REGISTRY[aid].run()
        out[aid] = time.perf_counter() - start
    return out


def main() -> dict[str, dict[str, float]]:
    out = {
        "scenario": full_institution(),
        "components": component_shares(),
        "bureaucracy": bureaucracy_scaling(),
        "anchors": anchors(),
    }
    s = out["scenario"]
    print(
        f"{SCENARIO}: {s['voters']:,} voters, 155 officials, 50 AI agents, 3 layers x "
        f"{s['steps']} steps in {s['seconds']:.3f} s (target < 2 s)"
    )
    parts = ", ".join(f"{k} {v:.3f} s" for k, v in out["components"].items())
    print(f"   step time by component: {parts}")
    b = out["bureaucracy"]
    print(
        f"bureaucracy component alone, {BUREAU_STEPS} steps: 155 officials "
        f"{b['officials_155']:.3f} s (target < 0.5 s), 5 officials {b['officials_5']:.3f} s: "
        f"{b['ratio']:.1f}x for 31x the officials"
    )
    a = out["anchors"]
    total = sum(a.values())
    print(
        f"anchors {', '.join(ANCHORS)}: {total:.1f} s in all (target < 60 s) = "
        f"{total / s['seconds']:.0f}x one {SCENARIO} run: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in a.items())
    )
    return out


if __name__ == "__main__":
    main()
