"""Scale (issue 16, part 2): the electorate kernels against the code they replaced, side by
side in one process (the baseline is kept below: `old_support`, `old_context`, `old_observe`,
`old_report`).

(a) Politicians: one step of `party_competition-v1` with K = 2..12 vote-seeking parties
    (Hunter, Aggregator, Predator in turn; 100,000 voters), the new kernels and the old
    full-matrix pass; the log-log slope of step time against K (target <= 1.1).
(b) Voters: one step of `baseline_democracy-v1` (two Hunters) at 1e3..1e7 voters, new and old,
    with the memory per voter: bytes the model holds after build and the peak a step adds
    (tracemalloc; numpy reports its buffers to it). Target at 10M: < 0.3 s a step.
(c) The 1M-voter step against this machine: copy bandwidth (np.copyto of a 256 MB array,
    and of an 8 MB one, the size of one voter array at 1M), and a floor measured here: the
    perception-noise draws (1M standard normals into a buffer), the two tanh passes of the
    approval update and the minimum bytes a step must move (each array read or written once),
    at the 8 MB copy bandwidth. The floor's pieces are timed between the step timings, so
    both see the same load. Targets: < 25 ms, within 2.5x of the floor.

Timings are medians of interleaved repeats (new, old, new, old, ...), wall clock; the load
average is printed because this machine is shared.

    python -m benchmarks.bench_scale [--quick] [--only a|b|c] [--max-voters N]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import time
import tracemalloc

import numpy as np

from sim.components.electoral import Electoral
from sim.components.opinion import Opinion
from sim.model import InstitutionModel
from sim.scenario import load
from sim.strategies import CampaignContext

PARTIES = "party_competition-v1"
VOTERS = "baseline_democracy-v1"
MIX = ["hunter", "aggregator", "predator"]


# -- the baseline: the vote-share pass and opinion update before issue 16 ---------------------
def old_nearest(ideals: np.ndarray, platforms: np.ndarray) -> np.ndarray:
    d = ideals.shape[1]
    u = np.einsum("kj,jn->kn", 2.0 / d * platforms, ideals.T)
    u -= (np.einsum("kj,kj->k", platforms, platforms) / d)[:, None]
    best = np.zeros(ideals.shape[0], dtype=np.intp)
    best_u = u[0].copy()
    for k in range(1, u.shape[0]):
        np.copyto(best, k, where=u[k] > best_u)
        np.maximum(best_u, u[k], out=best_u)
    return best


def old_support(ideals: np.ndarray, platforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    choice = old_nearest(ideals, platforms)
    k, d = platforms.shape
    counts = np.bincount(choice, minlength=k).astype(float)
    sums = np.stack(
        [np.bincount(choice, weights=ideals[:, j], minlength=k) for j in range(d)], axis=1
    )
    centroids = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], platforms)
    return counts / ideals.shape[0], centroids


class _Eager:
    """The old context's eager support: shares and centroids computed at every move."""

    def __init__(self, ideals, platforms):
        self.shares, self.centroids = old_support(ideals, platforms)


def old_context(self, with_support: bool, measure_kl: bool = False) -> CampaignContext:
    platforms = self.platforms()
    support = _Eager(self.model.electorate.ideals, platforms) if with_support else None
    shares = support.shares if support else np.full(len(platforms), np.nan)
    return CampaignContext(
        platforms, shares, support, self.p.politicians.step_size, self.rng, self.pollster,
        measure_kl, self.measure_rng,
    )  # fmt: skip


def old_observe(self, first: bool = False) -> None:
    model, world, voters = self.model, self.world, self.model.electorate
    v, harm = world.visible_effort, world.harm
    work = world.effort_budget
    implemented, info = world.implemented, world.information
    self.utility = voters.utility(implemented) + (work * model.effort.welfare(v) - harm)
    visible = work * model.effort.signal(v)
    noise = self.perception.noise(voters.n, self.rng)
    voters.perceived[:], voters.approval[:] = self.perception.update(
        self.utility, info, visible, voters.perceived, voters.aspiration, noise, first
    )
    voters.informed_perceived[:], voters.informed_approval[:] = self.perception.update(
        self.utility, 1.0, visible, voters.informed_perceived, voters.informed_aspiration,
        noise, first,
    )  # fmt: skip
    world.harm_seen = float(harm)
    world.welfare_seen = float(self.utility.mean())
    world.approval_seen = float(np.mean(voters.approval))
    world.implemented_seen = np.array(implemented, dtype=float)


def old_report(self) -> dict[str, float]:
    """`Opinion.report` before the means were kept from `observe`."""
    voters = self.model.electorate
    approval = float(np.mean(voters.approval))
    return {
        "welfare": float(self.utility.mean()),
        "approval": approval,
        "goodhart_gap": approval - float(np.mean(voters.informed_approval)),
    }


@contextlib.contextmanager
def kernels(which: str):
    """Run the models built inside with the new kernels ("new") or the baseline ("old")."""
    if which == "new":
        yield
        return
    saved = Electoral.context, Opinion.observe, Opinion.report
    Electoral.context, Opinion.observe, Opinion.report = old_context, old_observe, old_report
    try:
        yield
    finally:
        Electoral.context, Opinion.observe, Opinion.report = saved


# -- measuring ---------------------------------------------------------------------------
def build(scenario: str, overrides: dict, which: str, seed: int = 1) -> InstitutionModel:
    with kernels(which):
        model = InstitutionModel(load(scenario, overrides), seed)
        model.run_for(1)  # warm-up: first touches, lazy imports
    return model


def step_time(model: InstitutionModel, which: str, steps: int) -> tuple[float, float]:
    """(wall, CPU) seconds a step over `steps` steps."""
    with kernels(which):
        wall, cpu = once(lambda: model.run_for(steps))
    return wall / steps, cpu / steps


def interleaved(models: dict, steps: int, repeats: int) -> dict[str, float]:
    """Median wall seconds a step of each model (and CPU seconds, key + "_cpu"), timed new,
    old, new, old, ..."""
    times: dict[str, list[float]] = {}
    for _ in range(repeats):
        for which, model in models.items():
            wall, cpu = step_time(model, which, steps)
            times.setdefault(which, []).append(wall)
            times.setdefault(which + "_cpu", []).append(cpu)
    return {k: statistics.median(v) for k, v in times.items()}


def once(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call; CPU is this process's, summed over its threads: on a
    shared machine it leaves out the time the process waited for a core."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def same_trajectory(scenario: str, overrides: dict, steps: int = 10) -> bool:
    """The new kernels and the baseline give the same platforms, bit for bit."""
    runs = []
    for which in ("new", "old"):
        model = build(scenario, overrides, which)
        with kernels(which):
            model.run_for(steps)
        runs.append(model.world.platforms.copy())
    return bool(np.array_equal(runs[0], runs[1]))


def slope(xs, ys) -> float:
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def load_note() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


# -- (a) politicians ---------------------------------------------------------------------------
def politicians(counts, voters: int, steps: int, repeats: int) -> dict:
    rows = []
    for k in counts:
        over = {"electorate.n_voters": voters, "politicians.count": k, "politicians.strategy": MIX}
        models = {w: build(PARTIES, over, w) for w in ("new", "old")}
        t = interleaved(models, steps, repeats)
        rows.append({"politicians": k, "new_s": t["new"], "old_s": t["old"]})
        print(
            f"  K={k:>2}: new {t['new'] * 1e3:7.2f} ms  old {t['old'] * 1e3:7.2f} ms  "
            f"({t['old'] / t['new']:.1f}x)",
            flush=True,
        )
    ks = [r["politicians"] for r in rows]
    out = {
        "rows": rows,
        "slope_new": slope(ks, [r["new_s"] for r in rows]),
        "slope_old": slope(ks, [r["old_s"] for r in rows]),
    }
    four = [r for r in rows if r["politicians"] >= 4]  # the range issue 16 measured (1.43)
    if len(four) >= 2:
        k4 = [r["politicians"] for r in four]
        out["slope_new_4"] = slope(k4, [r["new_s"] for r in four])
        out["slope_old_4"] = slope(k4, [r["old_s"] for r in four])
    same = same_trajectory(PARTIES, {"electorate.n_voters": 5000, "politicians.count": 7,
                                     "politicians.strategy": MIX})  # fmt: skip
    print(
        f"  log-log slope over K={ks[0]}..{ks[-1]}: new {out['slope_new']:.2f} (target <= 1.1), "
        f"old {out['slope_old']:.2f}; same trajectory as the baseline: {same}"
    )
    if "slope_new_4" in out:
        print(f"  over K=4..{ks[-1]}: new {out['slope_new_4']:.2f}, old {out['slope_old_4']:.2f}")
    out["same_trajectory"] = same
    return out


# -- (b) voters ---------------------------------------------------------------------------
def memory(scenario: str, overrides: dict, which: str, steps: int = 2) -> tuple[float, float]:
    """(bytes held after build, peak bytes a step adds on top) by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        with kernels(which):
            base = tracemalloc.get_traced_memory()[0]
            model = InstitutionModel(load(scenario, overrides), 1)
            model.run_for(1)
            held = tracemalloc.get_traced_memory()[0] - base
            tracemalloc.reset_peak()
            now = tracemalloc.get_traced_memory()[0]
            model.run_for(steps)
            peak = tracemalloc.get_traced_memory()[1] - now
    finally:
        tracemalloc.stop()
    del model
    gc.collect()
    return held, peak


def voters(sizes, quick: bool) -> dict:
    rows = []
    for n in sizes:
        over = {"electorate.n_voters": int(n)}
        steps = max(1, min(20, int(2e6 // n)))
        repeats = 3 if n >= 5e6 else 5
        models = {w: build(VOTERS, over, w) for w in ("new", "old")}
        t = interleaved(models, steps, repeats)
        del models
        gc.collect()
        mem = {w: memory(VOTERS, over, w) for w in ("new", "old")}
        row = {"voters": int(n), "new_s": t["new"], "old_s": t["old"], "new_cpu_s": t["new_cpu"]}
        for w in ("new", "old"):
            row[f"{w}_held_B"], row[f"{w}_step_peak_B"] = (m / n for m in mem[w])
        rows.append(row)
        print(
            f"  N={int(n):>10,}: new {t['new'] * 1e3:8.2f} ms (CPU {t['new_cpu'] * 1e3:.2f})  "
            f"old {t['old'] * 1e3:8.2f} ms ({t['old'] / t['new']:.1f}x); "
            f"held {row['new_held_B']:.0f} B/voter, a step adds "
            f"{row['new_step_peak_B']:.1f} B/voter (old {row['old_step_peak_B']:.1f})",
            flush=True,
        )
    return {"rows": rows}


# -- (c) the 1M-voter step against the machine ------------------------------------------------
def minimum_bytes(n: int, d: int, moves: int) -> int:
    """Bytes a step must move at the least, each array once: the opinion update reads the
    ideal points (d), ||x||^2, information, both aspirations, both perceived (and writes
    them) and writes both approvals; each vote-share pass (one a move) reads the ideal points.
    The noise the RNG writes is in the RNG's time."""
    per_voter = 8 * (d + 1 + 1 + 2 + 2 * 2 + 2) + moves * 8 * d
    return n * per_voter


class Floor:
    """The pieces of the floor, each timed once per call of `sample` (so that they are
    interleaved with the step timings and see the same load): the 1M perception-noise draws
    into a buffer, one tanh pass over 1M values, and np.copyto of 8 MB (one voter array at 1M)
    and of 256 MB (beyond any cache) for the copy bandwidth."""

    def __init__(self, n: int) -> None:
        self.n, self.rng = n, np.random.default_rng(1)
        self.buf, self.x = np.empty(n), np.linspace(-3, 3, n)
        self.small = np.ones(n), np.empty(n)
        self.large = np.ones(32 * 2**20), np.empty(32 * 2**20)
        self.samples: dict[str, list[float]] = {"rng": [], "tanh": [], "copy8": [], "copy256": []}

    def sample(self) -> None:
        s = self.samples
        s["rng"].append(once(lambda: self.rng.standard_normal(out=self.buf))[0])
        s["tanh"].append(once(lambda: np.tanh(self.x, out=self.buf))[0])
        s["copy8"].append(once(lambda: np.copyto(self.small[1], self.small[0]))[0])
        s["copy256"].append(once(lambda: np.copyto(self.large[1], self.large[0]))[0])

    def result(self, d: int = 2, moves: int = 2) -> dict:
        med = {k: statistics.median(v) for k, v in self.samples.items()}
        bw8, bw256 = 2 * 8 * self.n / med["copy8"], 2 * 8 * self.large[0].size / med["copy256"]
        traffic = minimum_bytes(self.n, d, moves)
        return {
            "rng_s": med["rng"],
            "tanh_s": med["tanh"],
            "copy_8MB_Bps": bw8,
            "copy_256MB_Bps": bw256,
            "min_bytes": traffic,
            "floor_s": med["rng"] + 2 * med["tanh"] + traffic / bw8,
        }


def breakdown(model: InstitutionModel, steps: int = 10) -> dict[str, float]:
    """Seconds a step in each component's step; "other" is the rest of the step (metrics,
    events)."""
    spent = {c.name: 0.0 for c in model.components}
    for comp in model.components:

        def timed(comp=comp, fn=comp.step):
            start = time.perf_counter()
            fn()
            spent[comp.name] += time.perf_counter() - start

        comp.step = timed
    try:
        start = time.perf_counter()
        model.run_for(steps)
        total = time.perf_counter() - start
    finally:
        for comp in model.components:
            del comp.step
    spent["other"] = total - sum(spent.values())
    return {k: v / steps for k, v in spent.items()}


def million(repeats: int, steps: int = 10) -> dict:
    """The 1M-voter step, new and old, and the floor's pieces, all interleaved."""
    n = 1_000_000
    over = {"electorate.n_voters": n}
    models = {w: build(VOTERS, over, w) for w in ("new", "old")}
    floor = Floor(n)
    wall: dict[str, list[float]] = {"new": [], "old": []}
    cpu: dict[str, list[float]] = {"new": [], "old": []}
    for _ in range(repeats):
        for which, model in models.items():
            with kernels(which):
                w, c = once(lambda model=model: model.run_for(steps))
            wall[which].append(w / steps)
            cpu[which].append(c / steps)
        floor.sample()
    t = {k: statistics.median(v) for k, v in wall.items()}
    t_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    parts = breakdown(models["new"])
    f = floor.result()
    out = {"new_s": t["new"], "old_s": t["old"], "new_cpu_s": t_cpu["new"],
           "old_cpu_s": t_cpu["old"], "parts": parts, **f}  # fmt: skip
    print(
        f"  copy bandwidth: {f['copy_8MB_Bps'] / 1e9:.1f} GB/s at 8 MB, "
        f"{f['copy_256MB_Bps'] / 1e9:.1f} GB/s at 256 MB (read + write)"
    )
    print(
        f"  floor {f['floor_s'] * 1e3:.1f} ms = 1M normal draws {f['rng_s'] * 1e3:.1f} ms + "
        f"2 tanh passes {2 * f['tanh_s'] * 1e3:.1f} ms + {f['min_bytes'] / 1e6:.0f} MB at "
        f"{f['copy_8MB_Bps'] / 1e9:.1f} GB/s {f['min_bytes'] / f['copy_8MB_Bps'] * 1e3:.1f} ms"
    )
    print(
        f"  1M-voter step: new {t['new'] * 1e3:.1f} ms (target < 25 ms; "
        f"{t['new'] / f['floor_s']:.2f}x the floor, target <= 2.5x; CPU "
        f"{t_cpu['new'] * 1e3:.1f} ms), old {t['old'] * 1e3:.1f} ms (CPU "
        f"{t_cpu['old'] * 1e3:.1f} ms; {t['old'] / t['new']:.1f}x)"
    )
    print("  where a step goes: " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in parts.items()))
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_scale")
    ap.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    ap.add_argument("--only", choices=["a", "b", "c"], action="append")
    ap.add_argument("--max-voters", type=float, default=1e7)
    args = ap.parse_args([] if argv is None else argv)
    only = set(args.only or "abc")
    out: dict = {}
    print(load_note(), "(timings are wall clock, medians of interleaved repeats)")
    if "a" in only:
        counts = [2, 4, 8, 12] if args.quick else [2, 3, 4, 6, 8, 10, 12]
        print(f"(a) politicians, {PARTIES}, 100,000 voters, parties {'/'.join(MIX)}:")
        out["politicians"] = politicians(counts, 100_000, 5 if args.quick else 10, 5)
    if "b" in only:
        sizes = [s for s in (1e3, 1e4, 1e5, 1e6, 1e7) if s <= args.max_voters]
        if args.quick:
            sizes = [s for s in sizes if s <= 1e6]
        print(f"(b) voters, {VOTERS} (two Hunters):")
        out["voters"] = voters(sizes, args.quick)
    if "c" in only:
        print("(c) the 1M-voter step against this machine:")
        out["million"] = million(3 if args.quick else 5)
    print(load_note())
    return out


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
