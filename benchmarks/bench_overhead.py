"""Per-run overhead and event tables (issue 16): the recorder against Mesa's DataCollector
round trip, Mesa's `batch_run` on the same model, and a 1.8M-event run against the old
list of dicts.

    python -m benchmarks.bench_overhead [--only tiny,events] [--repeats 15] [--steps 400]

1. tiny: runs of the sweep benchmark's tiny scenario (baseline_democracy-v1, 200 voters, 20
   steps, information 0.6; summary and series every 5 steps), in this process, each arm
   `RUNS` runs per repeat, arms interleaved in every repeat, medians over the repeats:
   - `recorder`: what a sweep worker does now (`sim.sweep.task.execute`: build, run, summary
     and thinned series from the recorder's arrays);
   - `datacollector`: the same before issue 16: the model collecting with Mesa's
     DataCollector every step (`DataCollectorModel` below), the frame built, then taken apart
     into arrays for the summary and the series (the old task code, kept here);
   - `batch_run`: Mesa's `batch_run(..., number_processes=1)` on the same model function
     (data every 5 steps), with the recorder (`batch_run`) and with Mesa's DataCollector
     (`batch_run_datacollector`, what `batch_run` paid before).
   Ratios are per-run times (> 1: the recorder is faster).
2. events: full_institution-v1 with a 111,110-official bureaucracy (branching 10, depth 5)
   and a final audit budget of 0.2, for `--steps` steps (400 at seed 1: 1.8M detection
   events), once with the columnar event log and once with the old list of dicts
   (`legacy_record` below, the old recording loop), each in its own subprocess (so each peak
   RSS is its own): step time by decile (flat: the last decile's median over the first's,
   and the same from a line fitted through the decile medians), the events' memory (the
   columns' bytes; for the list, its dicts with their values and the spells' dict with its
   key tuples, counted object by object), RSS growth over the run, the peak RSS, and the
   time and peak RSS to build the event tables at the end.

Results are printed and written to results/bench_overhead.json.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import types
from functools import partial
from pathlib import Path

import mesa
import numpy as np

from sim.components import METRICS
from sim.model import InstitutionModel
from sim.recorder import DataCollectorView
from sim.scenario import load
from sim.sweep.task import Task, execute

REPO = Path(__file__).resolve().parent.parent
TINY = {"electorate.n_voters": 200, "steps": 20, "electorate.information": 0.6}
EVERY = 5
RUNS = 20  # runs per arm per repeat
# 111,110 officials; a final audit of 20% of the actions: 1.8M detections in 400 steps
BIG = {"bureaucracy.branching": 10, "bureaucracy.depth": 5, "oversight.audit_budget": 0.2}


@functools.cache
def _tiny_config():
    return load("baseline_democracy-v1").with_overrides(TINY)  # read once, as a sweep does


# ---- the collection path before issue 16 --------------------------------------------------
def _metric(model, name: str) -> float:
    return model.metric_values[name]


class DataCollectorModel(InstitutionModel):
    """The model as it was before issue 16: Mesa's DataCollector collects every step (the
    recorder is left empty)."""

    def _collect(self) -> None:
        if isinstance(self.datacollector, DataCollectorView):  # set by InstitutionModel
            reporters = {"step": "steps", **{k: partial(_metric, name=k) for k in METRICS}}
            self.datacollector = mesa.DataCollector(model_reporters=reporters)
        for comp in self.components:
            self.metric_values.update(comp.report())
        self.datacollector.collect(self)


def legacy_execute(task: Task) -> dict:
    """`sim.sweep.task.execute` before issue 16: run with the DataCollector, build the frame,
    take it apart into arrays, summary and series as the old task code did."""
    config, steps = task.config, int(task.config["steps"])
    model = DataCollectorModel(config, task.seed, steps)
    model.run_for(steps)
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    tables = {k: v for comp in model.components for k, v in comp.tables().items()}
    step = series["step"].to_numpy()
    values = series[list(task.metrics)].to_numpy(dtype=np.float64)
    body = values[step > 0] if len(values) > 1 else values
    nan = np.isnan(body)
    filled = np.asfortranarray(np.where(nan, 0.0, body))
    count = (~nan).sum(axis=0)
    summary = {}
    for j, m in enumerate(task.metrics):
        mean = float(filled[:, j].sum() / count[j]) if count[j] else float("nan")
        summary[f"{m}_final"], summary[f"{m}_mean"] = float(values[-1, j]), mean
    keep = (step % task.every == 0) | (step == step.max())
    thinned = {"step": step[keep].astype(np.int64)}
    thinned.update({m: np.ascontiguousarray(values[keep, j]) for j, m in enumerate(task.metrics)})
    return {"summary": summary, "series": thinned, "tables": tables}


class TinyModel(InstitutionModel):
    """The tiny scenario with keyword parameters, the shape `batch_run` expects."""

    def __init__(self, information: float = 0.6, rng: int | None = None) -> None:
        cfg = _tiny_config().with_overrides({"electorate.information": information})
        super().__init__(cfg, rng)


class TinyCollected(DataCollectorModel):
    def __init__(self, information: float = 0.6, rng: int | None = None) -> None:
        cfg = _tiny_config().with_overrides({"electorate.information": information})
        super().__init__(cfg, rng)


# ---- 1. tiny runs ---------------------------------------------------------------------------
def tiny(repeats: int) -> dict:
    metrics = tuple(METRICS)
    tasks = [Task(i, 1000 + i, _tiny_config(), metrics, EVERY) for i in range(RUNS)]
    # the two paths give the same numbers
    for t in tasks[:3]:
        new, old = execute(t), legacy_execute(t)
        assert new.ok, new.traceback
        assert np.array_equal(list(new.summary.values()), list(old["summary"].values()),
                              equal_nan=True)  # fmt: skip

    def batch(model_cls):
        def go():
            rows = mesa.batch_run(model_cls, parameters={"information": 0.6},
                                  number_processes=1, rng=[t.seed for t in tasks],
                                  max_steps=20, data_collection_period=EVERY,
                                  display_progress=False)  # fmt: skip
            assert len({r["RunId"] for r in rows}) == RUNS

        return go

    arms = {
        "recorder": lambda: [execute(t) for t in tasks],
        "datacollector": lambda: [legacy_execute(t) for t in tasks],
        "batch_run": batch(TinyModel),
        "batch_run_datacollector": batch(TinyCollected),
    }
    for go in arms.values():  # warm up
        go()
    times: dict[str, list[float]] = {k: [] for k in arms}
    for _ in range(repeats):
        for name, go in arms.items():
            gc.collect()
            t0 = time.perf_counter()
            go()
            times[name].append((time.perf_counter() - t0) / RUNS)
    ms = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    ours = ms["recorder"]
    return {
        "runs_per_repeat": RUNS,
        "repeats": repeats,
        "ms_per_run": {k: round(v, 3) for k, v in ms.items()},
        "speedup_vs_datacollector": round(ms["datacollector"] / ours, 2),
        "ratio_vs_batch_run": round(ms["batch_run"] / ours, 2),
        "ratio_vs_batch_run_datacollector": round(ms["batch_run_datacollector"] / ours, 2),
    }


# ---- 2. a 1.8M-event run ----------------------------------------------------------------------
def legacy_record(self, docket, caught, batches) -> None:
    """Oversight._record before issue 16: a dict per detection, a dict of open spells, a
    Python loop over the step's harmful and caught actions."""
    t, tot = self.model.steps, self.totals
    tot["harmful"] += int(docket.harmful.sum())
    tot["caught"] += int(caught.sum())
    tot["benign"] += int((~docket.harmful).sum())
    tot["escalated"] += int((docket.flagged & ~docket.harmful).sum())
    self.catches = np.bincount(docket.first[caught], minlength=len(self.layers))
    names = [b.producer for b in batches]
    code = np.concatenate([np.full(len(b), j) for j, b in enumerate(batches)] or [[]])
    actor = np.concatenate([b.actor for b in batches] or [[]]).astype(np.int64)
    spells = self.legacy_spells
    for key in zip(code[docket.harmful].tolist(), actor[docket.harmful].tolist(), strict=True):
        spells.setdefault((names[key[0]], key[1]), t)
    for i in np.flatnonzero(caught).tolist():
        key = (names[int(code[i])], int(actor[i]))
        delay = t - spells.pop(key, t)
        tot["delay"] += delay
        self.legacy_events.append({"step": t, "producer": key[0], "actor": key[1],
                                   "layer": int(docket.first[i]) + 1, "delay": delay})  # fmt: skip


def _legacy_tables(oversight) -> int:
    import pandas as pd

    frame = pd.DataFrame(oversight.legacy_events,
                         columns=["step", "producer", "actor", "layer", "delay"])  # fmt: skip
    frame = frame.astype({"step": "int64", "producer": "str", "actor": "int64",
                          "layer": "int64", "delay": "int64"})  # fmt: skip
    return len(frame)


def _deep_bytes(events: list[dict], spells: dict) -> int:
    """Bytes of the list, its dicts, their values and the spells dict with its keys (each
    object once: shared strings and small ints are not counted twice)."""
    seen: set[int] = set()

    def size(obj) -> int:
        if id(obj) in seen:
            return 0
        seen.add(id(obj))
        return sys.getsizeof(obj)

    total = size(events) + size(spells)
    for e in events:
        total += size(e) + sum(size(v) for v in e.values())
    for k, v in spells.items():
        total += size(k) + size(k[0]) + size(k[1]) + size(v)
    return total


def _rss() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _maxrss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def events_child(mode: str, steps: int, seed: int) -> dict:
    import pandas  # noqa: F401  (imported before the baseline RSS: the tables need it)

    cfg = load("full_institution-v1", BIG)
    model = InstitutionModel(cfg, seed, horizon=steps)
    oversight = model.component("oversight")
    if mode == "legacy":
        oversight.legacy_events, oversight.legacy_spells = [], {}
        oversight._record = types.MethodType(legacy_record, oversight)
    gc.collect()
    rss0 = _rss()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        model.run_for(1)
        times.append(time.perf_counter() - t0)
    rss1, peak_run = _rss(), _maxrss()
    if mode == "legacy":
        n = len(oversight.legacy_events)
        event_mb = _deep_bytes(oversight.legacy_events, oversight.legacy_spells) / 2**20
        t0 = time.perf_counter()
        rows = _legacy_tables(oversight)
    else:
        n = len(oversight.events)
        spells = oversight.spells
        nbytes = sum(a.nbytes for d in (spells.actor, spells.start, spells.order)
                     for a in d.values())  # fmt: skip
        event_mb = (oversight.events.nbytes + nbytes) / 2**20
        t0 = time.perf_counter()
        rows = len(oversight.tables()["detections"])
    tables_s = time.perf_counter() - t0
    assert rows == n
    dec = max(1, steps // 10)
    deciles = [statistics.median(times[i : i + dec]) for i in range(0, steps, dec)]
    first, last = statistics.median(times[:dec]), statistics.median(times[-dec:])
    x = np.arange(len(deciles))
    fit = np.polyval(np.polyfit(x, deciles, 1), x)
    return {
        "mode": mode,
        "steps": steps,
        "events": n,
        "event_mb": round(event_mb, 1),
        "step_ms_by_decile": [round(1e3 * t, 1) for t in deciles],
        "flatness_last_over_first_decile": round(last / first, 3),
        # a line through the decile medians (less sensitive to one noisy decile): its value
        # at the last decile over its value at the first
        "flatness_fitted": round(fit[-1] / fit[0], 3),
        "mean_step_ms": round(1e3 * statistics.fmean(times), 1),
        "rss_growth_mb": round(rss1 - rss0, 1),
        "peak_rss_run_mb": round(peak_run, 1),
        "tables_s": round(tables_s, 2),
        "peak_rss_with_tables_mb": round(_maxrss(), 1),
    }


def events(steps: int, seed: int = 1) -> dict:
    out = {}
    for mode in ("columnar", "legacy"):
        cmd = [sys.executable, "-m", "benchmarks.bench_overhead", "--child", mode,
               "--steps", str(steps), "--seed", str(seed)]  # fmt: skip
        res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
        if res.returncode:
            raise RuntimeError(f"events child {mode} failed:\n{res.stderr[-3000:]}")
        out[mode] = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"events {mode}:", json.dumps(out[mode]), flush=True)
    assert out["columnar"]["events"] == out["legacy"]["events"]
    out["event_memory_ratio"] = round(out["legacy"]["event_mb"] / out["columnar"]["event_mb"], 1)
    out["mean_step_speedup"] = round(
        out["legacy"]["mean_step_ms"] / out["columnar"]["mean_step_ms"], 2
    )
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="tiny,events")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", choices=("columnar", "legacy"), help=argparse.SUPPRESS)
    args = ap.parse_args([] if argv is None else argv)
    if args.child:
        print(json.dumps(events_child(args.child, args.steps, args.seed)), flush=True)
        return {}
    results: dict = {"cores": os.cpu_count(), "load_before": os.getloadavg()[0]}
    only = set(args.only.split(","))
    if "tiny" in only:
        results["tiny"] = tiny(args.repeats)
        print("tiny:", json.dumps(results["tiny"], indent=1), flush=True)
    if "events" in only:
        results["events"] = events(args.steps, args.seed)
        print("events:", json.dumps({k: v for k, v in results["events"].items()
                                     if not isinstance(v, dict)}), flush=True)  # fmt: skip
    results["load_after"] = os.getloadavg()[0]
    out = REPO / "results" / "bench_overhead.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
