"""Sweep benchmarks (issue 4): throughput, Mesa batch_run side by side, store overhead and
memory over a 10,000-run sweep.

    python -m benchmarks.bench_sweep [--only throughput,batch_run,overhead,memory]

1. throughput: a 200-run sweep of baseline_democracy-v1 (10,000 voters, 200 steps; 2
   information levels x 100 replications, series every 10 steps) sequentially and with 2
   processes; the ratio is the speed-up (pool start-up included).
2. batch_run: the same 200 runs through Mesa's `batch_run` (2 processes, final-step data
   only) and through `instalign sweep` (2 processes), each in its own subprocess (batch_run
   forces the spawn start method on its process); runs/s and the peak RSS of the whole
   process tree (driver + workers, sampled every 50 ms). batch_run runs twice: as shipped,
   and with one BLAS thread per worker (what instalign's pool sets), to separate the
   framework from thread oversubscription.
3. overhead: 1,000 runs of a tiny scenario (200 voters, 20 steps) through a bare loop of
   `sim.run.run` (no summary, nothing kept) and through a sequential sweep into a store
   (summary + series every 5 steps); the difference per run is the cost of everything a
   sweep adds: spec, design, seeds, summaries, the store and its bookkeeping.
4. memory: a 10,000-run sweep of the tiny scenario with 2 processes: RSS of the driver
   and of the whole tree against runs done; Mesa's batch_run on the same 10,000 runs
   (data every 5 steps, like the store's series) for contrast, against elapsed time.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

from sim.model import InstitutionModel
from sim.scenario import load

REPO = Path(__file__).resolve().parent.parent
BASELINE = {
    "scenario": "baseline_democracy-v1",
    "parameters": {"electorate.information": [0.3, 0.6]},
    "replications": 100,
    "seed": 4,
    "record": {"every": 10},
}
TINY = {
    "scenario": "baseline_democracy-v1",
    "set": {"electorate": {"n_voters": 200}},
    "steps": 20,
    "parameters": {"electorate.information": [0.3, 0.6]},
    "seed": 4,
    "record": {"every": 5},
}


@functools.cache
def _baseline():
    return load("baseline_democracy-v1")  # read and validated once per process, as a sweep does


class BaselineModel(InstitutionModel):
    """baseline_democracy-v1 with keyword parameters, the shape Mesa's batch_run expects."""

    def __init__(self, information: float = 0.6, n_voters: int = 10_000, steps: int = 200,
                 rng: int | None = None) -> None:  # fmt: skip
        over = {"electorate.information": information, "electorate.n_voters": n_voters}
        super().__init__(_baseline().with_overrides({**over, "steps": steps}), rng)


def _spec(folder: Path, name: str, doc: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# ---- children (run in their own process) ------------------------------------------------


def _child_sweep(spec: str, out: str, executor: str, workers: int) -> dict:
    from sim.sweep import run_sweep
    from sim.sweep.runner import progress_bar

    t0 = time.perf_counter()
    _, manifest = run_sweep(
        spec, out, executor, workers, flush_seconds=2.0, progress=progress_bar(quiet=True)
    )
    return {"elapsed": time.perf_counter() - t0, "runs": manifest["counts"]["done"]}


def _child_batch_run(runs: int, workers: int, n_voters: int, steps: int, period: int) -> dict:
    from mesa.batchrunner import batch_run

    reps = runs // 2
    t0 = time.perf_counter()
    rows = batch_run(
        BaselineModel,
        parameters={"information": [0.3, 0.6], "n_voters": n_voters, "steps": steps},
        number_processes=workers,
        rng=list(range(reps)),
        max_steps=steps,
        data_collection_period=period,
        display_progress=False,
    )
    return {"elapsed": time.perf_counter() - t0, "runs": len({r["RunId"] for r in rows})}


# ---- measuring a child ------------------------------------------------------------------


def _tree_rss(proc: psutil.Process) -> tuple[int, int]:
    """(driver RSS, driver + descendants RSS) in bytes."""
    try:
        own = proc.memory_info().rss
        kids = proc.children(recursive=True)
    except psutil.Error:
        return 0, 0
    total = own
    for kid in kids:
        try:
            total += kid.memory_info().rss
        except psutil.Error:
            pass
    return own, total


def measure(
    args: list[str], progress: Path | None = None, every: float = 0.05, env: dict | None = None
) -> dict:
    """Run `python -m benchmarks.bench_sweep --child ...`; sample RSS until it exits."""
    cmd = [sys.executable, "-m", "benchmarks.bench_sweep", "--child", *args]
    env = {**os.environ, **(env or {})}
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True, env=env)
    ps, samples, peak = psutil.Process(proc.pid), [], (0, 0)
    start = last = time.monotonic()
    while proc.poll() is None:
        own, total = _tree_rss(ps)
        peak = (max(peak[0], own), max(peak[1], total))
        if time.monotonic() - last >= 0.5:
            done = _done(progress) if progress is not None else None
            samples.append((time.monotonic() - start, done, own, total))
            last = time.monotonic()
        time.sleep(every)
    out = json.loads(proc.stdout.read().strip().splitlines()[-1])
    if proc.returncode:
        raise RuntimeError(f"child {args} exited {proc.returncode}")
    return {**out, "peak_driver_mb": peak[0] / 2**20, "peak_tree_mb": peak[1] / 2**20,
            "samples": samples}  # fmt: skip


def _done(store: Path) -> int:
    try:
        return json.loads((store / "manifest.json").read_text())["counts"]["done"]
    except (OSError, ValueError, KeyError):
        return 0


# ---- the four benchmarks ----------------------------------------------------------------


def throughput(tmp: Path, repeat: int = 2) -> dict:
    """Best of `repeat` alternating timings (the machine may be shared: min is the least
    disturbed); the load average before each timing is kept."""
    from sim.sweep import run_sweep
    from sim.sweep.runner import progress_bar

    spec = _spec(tmp, "baseline200", BASELINE)
    times: dict[str, list[float]] = {"sequential": [], "processes": []}
    loads = []
    for i in range(repeat):
        for executor, workers in (("sequential", 1), ("processes", 2)):
            loads.append(round(os.getloadavg()[0], 2))
            t0 = time.perf_counter()
            run_sweep(spec, tmp / f"tp-{executor}-{i}", executor, workers,
                      progress=progress_bar(quiet=True))  # fmt: skip
            times[executor].append(time.perf_counter() - t0)
    best = {k: min(v) for k, v in times.items()}
    return {
        "runs": 200,
        "sequential_s": best["sequential"],
        "processes2_s": best["processes"],
        "speedup": best["sequential"] / best["processes"],
        "all_s": times,
        "load_before_each": loads,
    }


def versus_batch_run(tmp: Path) -> dict:
    spec = _spec(tmp, "baseline200", BASELINE)
    load0 = os.getloadavg()[0]
    ours = measure(["sweep", str(spec), str(tmp / "vs-ours"), "processes", "2"])
    load1 = os.getloadavg()[0]
    mesa = measure(["batch_run", "200", "2", "10000", "200", "-1"])
    load2 = os.getloadavg()[0]
    one = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    mesa1 = measure(["batch_run", "200", "2", "10000", "200", "-1"], env=one)
    out = {
        "instalign": _rates(ours) | {"load_before": load0},
        "mesa_batch_run": _rates(mesa) | {"load_before": load1},
        "mesa_batch_run_one_blas_thread": _rates(mesa1) | {"load_before": load2},
    }
    return out


def _rates(r: dict) -> dict:
    return {
        "runs": r["runs"],
        "elapsed_s": r["elapsed"],
        "runs_per_s": r["runs"] / r["elapsed"],
        "peak_tree_mb": r["peak_tree_mb"],
        "peak_driver_mb": r["peak_driver_mb"],
    }


def overhead(tmp: Path, runs: int = 1000) -> dict:
    from sim.run import run
    from sim.sweep import run_sweep
    from sim.sweep.runner import progress_bar

    base = load("baseline_democracy-v1", {"electorate.n_voters": 200, "steps": 20})
    t0 = time.perf_counter()
    for i in range(runs):
        config = base.with_overrides({"electorate.information": (0.3, 0.6)[i % 2]})
        run(config, seed=i)
    bare = time.perf_counter() - t0
    spec = _spec(tmp, "tiny1000", {**TINY, "replications": runs // 2})
    t0 = time.perf_counter()
    run_sweep(spec, tmp / "overhead", "sequential", progress=progress_bar(quiet=True))
    stored = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in (tmp / "overhead").rglob("*") if p.is_file())
    return {
        "runs": runs,
        "bare_ms_per_run": 1e3 * bare / runs,
        "sweep_ms_per_run": 1e3 * stored / runs,
        "overhead_ms_per_run": 1e3 * (stored - bare) / runs,
        "store_kb_per_run": size / 1024 / runs,
    }


def memory(tmp: Path, runs: int = 10_000) -> dict:
    spec = _spec(tmp, "tiny10k", {**TINY, "replications": runs // 2})
    out = tmp / "mem"
    ours = measure(["sweep", str(spec), str(out), "processes", "2"], progress=out, every=0.1)
    mesa = measure(["batch_run", str(runs), "2", "200", "20", "5"], every=0.1)
    return {"instalign": _curve(ours, runs), "mesa_batch_run": _curve(mesa)}


def _curve(r: dict, runs: int | None = None) -> dict:
    """Driver and tree RSS at 10%, 25%, 50%, 75% and 100% of the runs done (of the elapsed
    time when the child does not report progress)."""
    marks, samples = {}, r["samples"]
    for frac in (0.1, 0.25, 0.5, 0.75, 1.0):
        if runs is not None:
            hit = [x for x in samples if x[1] is not None and x[1] >= frac * runs]
        else:
            hit = [x for x in samples if x[0] >= frac * samples[-1][0]] if samples else []
        if hit:
            marks[f"{int(frac * 100)}%"] = {
                "driver_mb": round(hit[0][2] / 2**20, 1), "tree_mb": round(hit[0][3] / 2**20, 1),
            }  # fmt: skip
    return {**_rates(r), "rss_by_progress": marks}


def memory_mesa(tmp: Path, runs: int = 10_000) -> dict:
    return {"mesa_batch_run": _curve(measure(["batch_run", str(runs), "2", "200", "20", "5"]))}


SECTIONS = {"throughput": throughput, "batch_run": versus_batch_run, "overhead": overhead,
            "memory": memory, "memory_mesa": memory_mesa}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    """Run the sweep benchmarks; print and return their numbers."""
    parser = argparse.ArgumentParser(prog="benchmarks.bench_sweep")
    parser.add_argument("--only", default="throughput,batch_run,overhead,memory")
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args([] if argv is None else argv)
    if args.child:
        return _child(args.child)
    results = {"cores": os.cpu_count(), "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        for name in args.only.split(","):
            t0 = time.perf_counter()
            results[name] = SECTIONS[name](Path(tmp))
            took = time.perf_counter() - t0
            print(f"{name} ({took:.0f} s):", json.dumps(results[name], indent=1), flush=True)
    results["load_after"] = os.getloadavg()[0]
    out = REPO / "results" / "bench_sweep.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"written to {out}")
    return results


def _child(argv: list[str]) -> dict:
    kind, *rest = argv
    if kind == "sweep":
        out = _child_sweep(rest[0], rest[1], rest[2], int(rest[3]))
    else:
        out = _child_batch_run(*(int(x) for x in rest))
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
