"""One run of a sweep, as executed on a worker: picklable in, picklable out.

`execute(task)` never raises for a failing run: the error and its traceback come back as
data (`Outcome.ok is False`), so the sweep records the failure and goes on, whatever the
executor. A run's result depends only on its `Config` and integer seed.

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

import numpy as np

from sim.run import run
from sim.scenario import Config

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


@dataclass
class Outcome:
    run_id: int
    ok: bool
    elapsed: float
    summary: dict[str, float] = field(default_factory=dict)  # {metric}_final, {metric}_mean
    series: dict[str, np.ndarray] | None = None  # step + metrics at the recorded steps
    error: str = ""
    traceback: str = ""


def execute(task: Task, every: int | None = None) -> Outcome:
    """Run one task; `every` overrides the task's series period (1: the full series)."""
    t0 = time.perf_counter()
    try:
        if task.fault:
            raise InjectedFault(f"run {task.run_id}: fault injected by {FAULTS_ENV} (test hook)")
        result = run(task.config, seed=task.seed)
        stats = result.summary()
        summary = {f"{m}_{k}": stats[m][k] for m in task.metrics for k in ("final", "mean")}
        series = _thin(result.series, task.metrics, every or task.every)
        return Outcome(task.run_id, True, time.perf_counter() - t0, summary, series)
    except Exception as err:
        return Outcome(
            task.run_id,
            False,
            time.perf_counter() - t0,
            error=f"{type(err).__name__}: {err}",
            traceback=traceback.format_exc(),
        )


def _thin(series, metrics: tuple[str, ...], every: int | None) -> dict[str, np.ndarray] | None:
    if not every:
        return None
    steps = series["step"].to_numpy()
    keep = (steps % every == 0) | (steps == steps.max())
    out = {"step": steps[keep].astype(np.int64)}
    out.update({m: series[m].to_numpy(dtype=np.float64)[keep] for m in metrics})
    return out
