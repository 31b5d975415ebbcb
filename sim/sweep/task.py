"""One run of a sweep, as executed on a worker: picklable in, picklable out.

`execute(task)` never raises for a failing run: the error and its traceback come back as
data (`Outcome.ok is False`), so the sweep records the failure and goes on, whatever the
executor. A run's result depends only on its `Config` and integer seed. A successful
outcome also carries the run's event tables (`RunResult.extra`, e.g. oversight's
`detections` and `offenders`), stored as `events/<name>/part-*.parquet`.

A task of a tail sweep (`Task.tail`, sim/sweep/tail.py) makes one tail-probability estimate
with the run's seed *instead of* the ordinary run (why: sim/sweep/tail.py); its summary is the
estimate's `tail_*` columns, with no series and no event tables.

Test-only fault injection (off by default): run ids listed in the environment variable
`INSTALIGN_SWEEP_FAULTS` (comma-separated, read by the driver when it builds the tasks)
raise `InjectedFault` instead of running. It exists so the tests can provoke failures on
every executor without a model bug; the manifest records it when it is set.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.recorder import final_and_mean
from sim.run import run
from sim.scenario import Config
from sim.sweep.tail import Request
from sim.sweep.tail import estimate as estimate_tail

FAULTS_ENV = "INSTALIGN_SWEEP_FAULTS"


class InjectedFault(RuntimeError):
    """Raised in place of a run whose id is listed in INSTALIGN_SWEEP_FAULTS (tests only)."""


def faults_from_env() -> frozenset[int]:
    raw = os.environ.get(FAULTS_ENV, "").strip()
    return frozenset(int(x) for x in raw.split(",") if x.strip()) if raw else frozenset()


@dataclass(frozen=True)
class Task:
    run_id: int
    seed: int
    config: Config
    metrics: tuple[str, ...]
    every: int | None  # record the series every k steps (and the last step); None: no series
    fault: bool = False
    tail: Request | None = None  # a tail sweep: one estimate instead of the run


@dataclass
class Outcome:
    run_id: int
    ok: bool
    elapsed: float
    # {metric}_final, {metric}_mean; a tail sweep's tail_* columns (two of them text)
    summary: dict[str, float | str] = field(default_factory=dict)
    series: dict[str, np.ndarray] | None = None  # step + metrics at the recorded steps
    error: str = ""
    traceback: str = ""
    tables: dict[str, Any] = field(default_factory=dict)  # event tables by name (DataFrames)


def execute(task: Task, every: int | None = None) -> Outcome:
    """Run one task; `every` overrides the task's series period (1: the full series)."""
    t0 = time.perf_counter()
    try:
        if task.fault:
            raise InjectedFault(f"run {task.run_id}: fault injected by {FAULTS_ENV} (test hook)")
        if task.tail is not None:
            summary = estimate_tail(task.tail, task.config, task.seed)
            return Outcome(task.run_id, True, time.perf_counter() - t0, summary)
        result = run(task.config, seed=task.seed)
        rec = result.recording  # the run's arrays (sim/recorder.py): no DataFrame here
        steps, values = rec.steps, rec.select(task.metrics)
        summary = _summary(task.metrics, steps, values)
        series = _thin(task.metrics, steps, values, every or task.every)
        out = Outcome(task.run_id, True, time.perf_counter() - t0, summary, series)
        out.tables = dict(result.extra)  # each component's `tables()`, e.g. detections
        return out
    except Exception as err:
        return Outcome(
            task.run_id,
            False,
            time.perf_counter() - t0,
            error=f"{type(err).__name__}: {err}",
            traceback=traceback.format_exc(),
        )


def _summary(metrics: tuple[str, ...], steps: np.ndarray, values: np.ndarray) -> dict:
    """{metric}_final and {metric}_mean (over steps 1..n, NaN skipped), computed like
    `RunResult.summary()` (sim.recorder.final_and_mean: bit for bit pandas' mean), so the
    numbers are those of `instalign run`."""
    final, mean = final_and_mean(steps, values)
    out = {}
    for j, m in enumerate(metrics):
        out[f"{m}_final"], out[f"{m}_mean"] = float(final[j]), float(mean[j])
    return out


def _thin(
    metrics: tuple[str, ...], steps: np.ndarray, values: np.ndarray, every: int | None
) -> dict[str, np.ndarray] | None:
    if not every:
        return None
    keep = (steps % every == 0) | (steps == steps.max())
    out = {"step": steps[keep].astype(np.int64)}
    columns = np.ascontiguousarray(values[keep].T)  # one copy; each metric a contiguous row
    out.update(zip(metrics, columns, strict=True))
    return out
