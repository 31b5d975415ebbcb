"""instalign's executors against their peers on the same model (issue 16), side by side.

    python -m benchmarks.bench_peers [--quick] [--repeats N] [--only tiny,small,warm]
                                     [--wait-idle SECONDS]

Every measurement runs in a subprocess of its own (a fresh interpreter, as a user would
start it; Mesa's `batch_run` forces the spawn start method on its whole process), timed
inside it from the call to its return: worker start-up, dispatch, collecting results and
(for instalign) writing the store are included, the interpreter's own imports are not
(`process_s`, the whole subprocess from start to exit, is recorded too, and the CPU time
of the subprocess and all its workers per run, `cpu_ms_per_run`: what each framework costs
whatever else the machine is doing).
Contenders alternate within each repeat (the order rotates from one repeat to the next) and
each number is the median over the repeats, so a machine shared with other jobs disturbs
them alike; `--wait-idle S` waits up to S seconds before each measurement for the other jobs
to leave the CPU (under 25 % busy) and takes a measurement again (up to 3 times) when other
jobs took more than 15 % of the machine during it; the load average before each one and
the share of the machine other jobs took are recorded.

1. tiny: 4,000 runs of `baseline_democracy-v1` with 200 voters x 20 steps (2 information
   levels x 2,000 replications; `benchmarks/bench_sweep.py`'s tiny scenario), 2 processes:
   `instalign sweep` (summary + series every 5 steps into a store) against Mesa's
   `batch_run` on the same model class (`BaselineModel` of bench_sweep; data every 5 steps,
   rows kept in memory). Target: instalign >= 1.3x batch_run's runs/s.
2. small: 1,000 runs with 500 voters x 50 steps (series every 10 steps), 2 processes:
   instalign `processes` against instalign `sequential` (target >= 1.8x), against the EMA
   Workbench's `MultiprocessingEvaluator` (fork, 2 processes) on the same model through
   `sim.ema.instalign_model` (final values of the scenario's metrics; target instalign >=
   1.2x), and Dask (`--executor dask`: a LocalCluster of 2 single-threaded workers started
   by the sweep; target >= 0.9x the process pool). EMA is skipped, with a note, when it is
   not installed (`pip install 'instalign[ema]'`). instalign's children do what
   `instalign sweep` does: start the workers' forkserver first thing (`prestart`), so its
   imports run beside the driver's own, as EMA's fork workers get theirs from its driver.
   `processes_library` is the same sweep from a script that imported the simulator before
   calling `run_sweep` (the forkserver starts inside the call). `pair` is the machine's
   own bound for any 2-process executor: two sequential sweeps of half the runs each, side
   by side in independent interpreters (no pool, no driver, nothing to share), timed as
   the slower of the two from its call. These, `bound_vs_ema` (the sequential rate times
   the workers: perfect scaling) and each contender's runs/s over its whole process are
   recorded apart (`ratios_other`).
3. warm: 4 consecutive sweeps of 100 tiny runs in one process (what a design search does,
   one sweep per generation): workers spawned per sweep (the executor before issue 16),
   forked from the preloaded forkserver per sweep, and one warm pool (`reuse=True`);
   the time of the first sweep and the median of the others.

`--quick` (< 3 min on 2 idle cores): 1,000 tiny runs, 200 small runs, 3 sweeps of 60 tiny
runs, 2 repeats. Numbers
are printed and written to `results/bench_peers.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
TINY = {
    "scenario": "baseline_democracy-v1",
    "set": {"electorate": {"n_voters": 200}},
    "steps": 20,
    "parameters": {"electorate.information": [0.3, 0.6]},
    "seed": 4,
    "record": {"every": 5},
}
SMALL = {**TINY, "set": {"electorate": {"n_voters": 500}}, "steps": 50, "record": {"every": 10}}
SIZES = {"full": {"tiny": 4000, "small": 1000, "repeats": 3, "warm": 100, "sweeps": 4},
         "quick": {"tiny": 1000, "small": 200, "repeats": 2, "warm": 60, "sweeps": 3}}  # fmt: skip
WORKERS = 2
TARGETS = {"tiny_vs_batch_run": 1.3, "processes_vs_sequential": 1.8, "processes_vs_ema": 1.2,
           "dask_vs_processes": 0.9}  # fmt: skip


# ---- children (each in its own interpreter) -----------------------------------------------


def _child_sweep(spec: str, out: str, executor: str, workers: int, mode: str = "cli") -> dict:
    """`mode` "cli": as `instalign sweep` does, the workers' forkserver is started first
    thing (`prestart`), so its imports run beside the driver's; "library": `run_sweep`
    called by a script that has imported the simulator (it prestarts only inside)."""
    if mode == "cli":
        from sim.sweep.executors import prestart

        prestart(executor)
    from sim.sweep import run_sweep
    from sim.sweep.runner import progress_bar

    t0 = time.perf_counter()
    _, manifest = run_sweep(spec, out, executor, workers, progress=progress_bar(quiet=True))
    return {"elapsed": time.perf_counter() - t0, "runs": manifest["counts"]["done"]}


def _child_pair(spec: str, out: str, workers: int) -> dict:
    """`workers` sequential sweeps of `spec` side by side, each its own interpreter: what
    the machine gives independent processes that share nothing (no pool, no driver, no
    start-up inside the timing). Its time: the slowest sweep's, each timed from its call."""
    child = [sys.executable, "-m", "benchmarks.bench_peers", "--child", "sweep", spec]
    procs = [
        subprocess.Popen(
            [*child, f"{out}/part{i}", "sequential", "1"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(workers)
    ]
    rows = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit("a sequential sweep of the pair failed")
    return {"elapsed": max(r["elapsed"] for r in rows), "runs": sum(r["runs"] for r in rows)}


def _child_batch_run(runs: int, workers: int, voters: int, steps: int, period: int) -> dict:
    from benchmarks.bench_sweep import _child_batch_run as batch_run

    return batch_run(runs, workers, voters, steps, period)


def _child_ema(runs: int, workers: int, voters: int, steps: int) -> dict:
    import logging
    import multiprocessing
    import warnings

    multiprocessing.set_start_method("fork", force=True)  # EMA's pool: the default context
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import MultiprocessingEvaluator, perform_experiments

        from sim.ema import instalign_model
    logging.getLogger("EMA").setLevel(logging.WARNING)
    model = instalign_model(
        "baseline_democracy-v1",
        uncertainties={"electorate.information": (0.3, 0.6)},
        steps=steps,
        set={"electorate.n_voters": voters},
        seed=4,
    )
    t0 = time.perf_counter()
    with MultiprocessingEvaluator(model, n_processes=workers) as evaluator:
        experiments, _ = perform_experiments(model, scenarios=runs, evaluator=evaluator)
    return {"elapsed": time.perf_counter() - t0, "runs": len(experiments)}


def _child_warm(spec: str, folder: str, mode: str, sweeps: int) -> dict:
    """`sweeps` sweeps of `spec` one after another in this process."""
    import multiprocessing

    from sim.sweep import executors, run_sweep
    from sim.sweep.runner import progress_bar

    if mode == "spawn":  # the executor before issue 16: spawned workers, a pool per sweep
        executors._forkserver = lambda dask=False: multiprocessing.get_context("spawn")
    times = []
    for i in range(sweeps):
        t0 = time.perf_counter()
        run_sweep(spec, Path(folder) / f"s{i}", "processes", WORKERS,
                  progress=progress_bar(quiet=True), reuse=mode == "warm")  # fmt: skip
        times.append(time.perf_counter() - t0)
    executors.shutdown_warm()
    return {"times": times}


def _child(argv: list[str]) -> dict:
    kind, *rest = argv
    if kind == "sweep":
        return _child_sweep(rest[0], rest[1], rest[2], int(rest[3]), *rest[4:5])
    if kind == "pair":
        return _child_pair(rest[0], rest[1], int(rest[2]))
    if kind == "batch_run":
        return _child_batch_run(*(int(x) for x in rest))
    if kind == "ema":
        return _child_ema(*(int(x) for x in rest))
    if kind == "warm":
        return _child_warm(rest[0], rest[1], rest[2], int(rest[3]))
    raise SystemExit(f"unknown child {kind}")


WAIT_IDLE = 0.0  # --wait-idle: seconds to wait for the machine to quieten before a measurement


def _wait_idle(limit: float, busy: float = 25.0) -> float:
    """Wait (at most `limit` seconds) until the other jobs use less than `busy` % of the
    machine's CPU over half a second; the % seen last."""
    import psutil

    end = time.monotonic() + limit
    used = psutil.cpu_percent(interval=0.5)
    while used >= busy and time.monotonic() < end:
        used = psutil.cpu_percent(interval=0.5)
    return used


def measure(args: list[str], fresh: Path | None = None, make: bool = False) -> dict:
    """Run `python -m benchmarks.bench_peers --child ARGS`: its JSON line, the whole
    subprocess's wall time, its tree's CPU time, the load before it and the share of the
    machine other jobs took meanwhile. With --wait-idle, a measurement that other jobs
    disturbed (> 15 % of the machine) is taken again, up to 3 times (the last is kept)."""
    for _ in range(3 if WAIT_IDLE else 1):
        if fresh is not None:  # the child's folder, empty again for each attempt
            shutil.rmtree(fresh, ignore_errors=True)
            if make:
                fresh.mkdir()
        row = _measure(args)
        if row["others_share"] <= 0.15:
            break
    return row


def _measure(args: list[str]) -> dict:
    import psutil

    busy = _wait_idle(WAIT_IDLE) if WAIT_IDLE else None
    load = os.getloadavg()[0]
    cmd = [sys.executable, "-m", "benchmarks.bench_peers", "--child", *args]
    sys0, t0 = psutil.cpu_times(), time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=err, text=True)
        cpu = _tree_cpu(proc)
        whole, sys1 = time.perf_counter() - t0, psutil.cpu_times()
        out.seek(0), err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"child {args[0]} exited {proc.returncode}: {err.read()[-2000:]}")
        row = json.loads(out.read().strip().splitlines()[-1])
    used = sum(sys1) - sum(sys0) - (sys1.idle - sys0.idle) - (sys1.iowait - sys0.iowait)
    others = max(0.0, used - cpu) / (whole * (os.cpu_count() or 1))
    return {**row, "process_s": whole, "cpu_s": cpu, "load_before": load, "busy_before": busy,
            "others_share": round(others, 3)}  # fmt: skip


def _tree_cpu(proc: subprocess.Popen, every: float = 0.1) -> float:
    """CPU seconds (user + system) of `proc` and all its descendants until it exits: the
    largest value seen for each process, sampled every `every` seconds (a process's last
    moments before it exits between two samples are missed)."""
    import psutil

    seen: dict[tuple[int, float], float] = {}
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            family = [root, *root.children(recursive=True)]
        except psutil.Error:
            family = []
        for p in family:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                key = (p.pid, p.create_time())
                seen[key] = max(seen.get(key, 0.0), t.user + t.system)
        time.sleep(every)
    return sum(seen.values())


# ---- the benchmarks -------------------------------------------------------------------------


def ema_available() -> bool:
    try:
        import ema_workbench  # noqa: F401
    except ImportError:
        return False
    return True


def interleaved(contenders: dict[str, list[str]], repeats: int, tmp: Path) -> dict:
    """Each contender once per repeat, the order rotating; runs/s, median over repeats."""
    names = list(contenders)
    got: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            args = [a.replace("{out}", str(tmp / f"{name}-{r}")) for a in contenders[name]]
            got[name].append(measure(args, fresh=tmp / f"{name}-{r}"))
            shutil.rmtree(tmp / f"{name}-{r}", ignore_errors=True)
            row = got[name][-1]
            print(f"  {name}: {row['runs'] / row['elapsed']:.1f} runs/s ({row['elapsed']:.2f} s;"
                  f" CPU {1e3 * row['cpu_s'] / row['runs']:.2f} ms/run; load"
                  f" {row['load_before']:.1f}; others {100 * row['others_share']:.0f} %)",
                  flush=True)  # fmt: skip
    out = {}
    for name, rows in got.items():
        rates = [row["runs"] / row["elapsed"] for row in rows]
        out[name] = {
            "runs": rows[0]["runs"],
            "runs_per_s": statistics.median(rates),
            "elapsed_s": statistics.median(row["elapsed"] for row in rows),
            "process_s": statistics.median(row["process_s"] for row in rows),
            "cpu_ms_per_run": statistics.median(1e3 * r["cpu_s"] / r["runs"] for r in rows),
            "all_runs_per_s": [round(x, 1) for x in rates],
            "load_before": [round(row["load_before"], 1) for row in rows],
            "busy_before": [row["busy_before"] for row in rows],
            "others_share": [row["others_share"] for row in rows],
        }
    return out


def _spec(tmp: Path, name: str, doc: dict, runs: int) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**doc, "replications": runs // 2}, sort_keys=False))
    return path


def tiny(tmp: Path, size: dict) -> dict:
    runs = size["tiny"]
    spec = _spec(tmp, "tiny", TINY, runs)
    got = interleaved({
        "instalign": ["sweep", str(spec), "{out}", "processes", str(WORKERS)],
        "batch_run": ["batch_run", str(runs), str(WORKERS), "200", "20", "5"],
    }, size["repeats"], tmp)  # fmt: skip
    ratio = got["instalign"]["runs_per_s"] / got["batch_run"]["runs_per_s"]
    return {**got, "ratios": {"tiny_vs_batch_run": ratio}}


def small(tmp: Path, size: dict) -> dict:
    runs = size["small"]
    spec = _spec(tmp, "small", SMALL, runs)
    part = _spec(tmp, "small_part", SMALL, runs // WORKERS)
    contenders = {
        "processes": ["sweep", str(spec), "{out}", "processes", str(WORKERS)],
        "processes_library": ["sweep", str(spec), "{out}", "processes", str(WORKERS), "library"],
        "sequential": ["sweep", str(spec), "{out}", "sequential", "1"],
        "dask": ["sweep", str(spec), "{out}", "dask", str(WORKERS)],
        "pair": ["pair", str(part), "{out}", str(WORKERS)],
    }
    note = None
    if ema_available():
        contenders["ema"] = ["ema", str(runs), str(WORKERS), "500", "50"]
    else:
        note = "EMA Workbench not installed (pip install 'instalign[ema]'): skipped"
        print(f"  note: {note}")
    got = interleaved(contenders, size["repeats"], tmp)
    rate = {k: v["runs_per_s"] for k, v in got.items()}
    ratios = {"processes_vs_sequential": rate["processes"] / rate["sequential"],
              "dask_vs_processes": rate["dask"] / rate["processes"]}  # fmt: skip
    extra = {"library_vs_sequential": rate["processes_library"] / rate["sequential"],
             "pair_vs_sequential": rate["pair"] / rate["sequential"],
             "processes_vs_pair": rate["processes"] / rate["pair"]}  # fmt: skip
    if "ema" in rate:
        ratios["processes_vs_ema"] = rate["processes"] / rate["ema"]
        extra["library_vs_ema"] = rate["processes_library"] / rate["ema"]
        # the most a pool could reach: the sequential executor's time split perfectly over
        # the workers, no start-up, no driver cost; and what two independent sweeps got
        extra["bound_vs_ema"] = WORKERS * rate["sequential"] / rate["ema"]
        extra["pair_vs_ema"] = rate["pair"] / rate["ema"]
    whole = {k: v["runs"] / v["process_s"] for k, v in got.items()}  # the whole command
    extra.update({f"whole_process_{k}_runs_per_s": round(v, 1) for k, v in whole.items()})
    out = {**got, "ratios": ratios, "ratios_other": extra}
    return {**out, "note": note} if note else out


def warm(tmp: Path, size: dict) -> dict:
    spec, sweeps = _spec(tmp, "warm", TINY, size["warm"]), size["sweeps"]
    modes = {
        m: ["warm", str(spec), "{out}", m, str(sweeps)] for m in ("spawn", "forkserver", "warm")
    }
    got: dict[str, list[list[float]]] = {m: [] for m in modes}
    for r in range(size["repeats"]):
        for m in list(modes)[r % 3 :] + list(modes)[: r % 3]:
            folder = tmp / f"warm-{m}-{r}"
            args = [a.replace("{out}", str(folder)) for a in modes[m]]
            times = measure(args, fresh=folder, make=True)["times"]
            shutil.rmtree(folder, ignore_errors=True)
            got[m].append(times)
            print(f"  {m}: " + ", ".join(f"{t:.2f}" for t in times) + " s", flush=True)
    return {
        m: {
            "first_sweep_s": statistics.median(t[0] for t in runs),
            "later_sweeps_s": statistics.median(x for t in runs for x in t[1:]),
            "all_s": [[round(x, 2) for x in t] for t in runs],
        }
        for m, runs in got.items()
    }


SECTIONS = {"tiny": tiny, "small": small, "warm": warm}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="benchmarks.bench_peers")
    parser.add_argument("--quick", action="store_true", help="fewer runs (< 3 min)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="before each measurement, wait up to SECONDS for other jobs to "
                        "use < 25%% of the CPU (a shared machine)")  # fmt: skip
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args([] if argv is None else argv)
    if args.child:
        out = _child(args.child)
        print(json.dumps(out))
        return out
    global WAIT_IDLE
    WAIT_IDLE = args.wait_idle
    size = dict(SIZES["quick" if args.quick else "full"])
    if args.repeats:
        size["repeats"] = args.repeats
    results: dict = {"cores": os.cpu_count(), "mode": "quick" if args.quick else "full",
                     **size, "load_before": os.getloadavg()[0]}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        for name in args.only.split(","):
            print(f"{name}:", flush=True)
            t0 = time.perf_counter()
            results[name] = SECTIONS[name](Path(tmp), size)
            results[name]["took_s"] = time.perf_counter() - t0
    results["load_after"] = os.getloadavg()[0]
    ratios = {k: v for s in results.values() if isinstance(s, dict) for k, v in
              s.get("ratios", {}).items()}  # fmt: skip
    results["targets"] = {k: {"ratio": round(r, 3), "target": TARGETS[k], "met": r >= TARGETS[k]}
                          for k, r in ratios.items()}  # fmt: skip
    print(json.dumps(results["targets"], indent=1))
    out = REPO / "results" / f"bench_peers{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"written to {out}")
    return results


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        main(sys.argv[1:])
