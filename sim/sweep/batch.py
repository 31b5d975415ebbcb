"""Runs in chunks: one executor task per chunk of runs, its outcomes packed for the trip back.

A tiny run (200 voters, 20 steps) takes a few milliseconds; dispatching it alone costs a
process pool a fraction of a millisecond and Dask one to a few milliseconds (scheduler,
serialization, a future per run), and its outcome (a summary dict and one small array per
metric) costs the driver more to unpickle than to store. So the runner sends runs in
chunks (`run_chunk`), and each chunk comes back as one `Packed` object: the summaries as
one float matrix, the series as one array per metric for the whole chunk.

- `execute_batch(tasks)` runs tasks one after another and returns one `Outcome` per task,
  in order. `sim.sweep.task.execute` never raises for a failing run; a task function that
  does (a test hook) still yields an `Outcome` with `ok=False` for that run, and the rest
  of the chunk is kept.
- What a chunk cannot protect: a worker that dies (SIGKILL, the OOM killer) loses the runs
  of its chunk that finished before it died (they were never sent back); they stay missing
  and `--resume` runs them. An executor-level error for a chunk (Dask's `KilledWorker`)
  becomes a failure of each of its runs. The chunk rule keeps chunks short (below), so
  little is lost, and Ctrl-C (which lets every chunk in flight finish) stays quick.
- The chunk size (`Chunking`): for `runs` runs on `workers` workers, `left` of them not
  yet dispatched,

      cap   = clamp(runs // (per_worker * workers), 1, largest)
      chunk = 1 until the first outcome is back; then
              clamp(min(floor(seconds / mean seconds per finished run),
                        ceil(left / (spread * workers))), 1, cap)

  with per_worker, largest, seconds, spread = 32, 64, 0.25 s, 4 for processes and 16, 256,
  0.5 s, 4 for Dask (a task costs Dask more); the sequential executor runs one run at a time. So a
  worker gets at least `per_worker` chunks of the sweep, a chunk holds at most `seconds` of
  work, chunks shrink as the sweep ends (guided self-scheduling: the workers finish
  together), and a sweep of long runs or of few runs is dispatched run by run, exactly as
  before.

Seeds are fixed per run before dispatch (`sim.sweep.seeds`): chunking changes nothing in
any run's result.
"""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.sweep.task import Outcome, Task, execute

TaskFn = Callable[[Task], Outcome]
_FIELDS = tuple(f.name for f in dataclasses.fields(Outcome))
_OTHER = tuple(f for f in _FIELDS if f not in ("summary", "series"))


def execute_batch(tasks: Sequence[Task], fn: TaskFn | None = None) -> list[Outcome]:
    """Run `tasks` in order with `fn` (default `sim.sweep.task.execute`): one Outcome per
    task. A task whose `fn` raises (an Exception) is an Outcome with ok=False and the
    traceback; the others are kept."""
    fn = execute if fn is None else fn
    out = []
    for task in tasks:
        t0 = time.perf_counter()
        try:
            out.append(fn(task))
        except Exception as err:
            out.append(
                Outcome(
                    task.run_id,
                    False,
                    time.perf_counter() - t0,
                    error=f"{type(err).__name__}: {err}",
                    traceback=traceback.format_exc(),
                )
            )
    return out


def run_chunk(fn: TaskFn | None, tasks: Sequence[Task], pack: bool = True) -> Packed | list:
    """What an executor runs for one chunk: `execute_batch`, packed for transport (`pack`)
    or as the plain list (the sequential executor: nothing travels)."""
    outcomes = execute_batch(tasks, fn)
    return Packed(outcomes) if pack else outcomes


def outcomes(result: Packed | Sequence[Outcome] | Outcome) -> list[Outcome]:
    """The Outcomes of a chunk's result, in task order."""
    if isinstance(result, Packed):
        return result.outcomes()
    if isinstance(result, Outcome):
        return [result]
    return list(result)


class Packed:
    """A chunk's outcomes, column-wise: the successful runs whose summaries are all floats
    under the same names and whose series share their names are stored as one summary
    matrix (runs x columns) and one concatenated array per series column; anything else
    (failures, tail-sweep summaries with text) travels as it is. `outcomes()` gives back
    Outcomes equal to the originals (the same floats, bit for bit; series as views)."""

    __slots__ = ("other", "packed", "rest", "series", "series_keys", "sizes", "summary",
                 "summary_keys")  # fmt: skip

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        group, self.rest, self.packed = _split(outcomes)
        self.summary_keys: tuple[str, ...] = ()
        self.series_keys: tuple[str, ...] | None = None
        self.summary = self.sizes = None
        self.series: dict[str, np.ndarray] = {}
        self.other = [tuple(getattr(o, f) for f in _OTHER) for o in group]
        if not group:
            return
        first = group[0]
        self.summary_keys = tuple(first.summary)
        self.summary = np.array([list(o.summary.values()) for o in group], dtype=np.float64)
        if first.series is not None:
            self.series_keys = tuple(first.series)
            self.sizes = np.array([len(o.series[self.series_keys[0]]) for o in group])
            self.series = {k: np.concatenate([o.series[k] for o in group])
                           for k in self.series_keys}  # fmt: skip

    def __len__(self) -> int:
        return len(self.packed)

    def outcomes(self) -> list[Outcome]:
        made = []
        ends = np.cumsum(self.sizes).tolist() if self.sizes is not None else None
        rows = self.summary.tolist() if self.summary is not None else []
        for i, (other, row) in enumerate(zip(self.other, rows, strict=True)):
            series = None
            if ends is not None:
                a, b = (ends[i - 1] if i else 0), ends[i]
                series = {k: v[a:b] for k, v in self.series.items()}
            fields = dict(zip(_OTHER, other, strict=True))
            summary = dict(zip(self.summary_keys, row, strict=True))
            made.append(Outcome(**fields, summary=summary, series=series))
        packed, rest = iter(made), iter(self.rest)
        return [next(packed) if p else next(rest) for p in self.packed]


def _split(outcomes: Sequence[Outcome]) -> tuple[list[Outcome], list[Outcome], list[bool]]:
    """(outcomes that pack like the first packable one, the others, which is which)."""
    group, rest, which = [], [], []
    shape: tuple | None = None
    for o in outcomes:
        this = _shape(o)
        fits = this is not None and (shape is None or this == shape)
        shape = this if fits else shape
        (group if fits else rest).append(o)
        which.append(fits)
    return group, rest, which


def _shape(o: Outcome) -> tuple | None:
    """What must match for outcomes to share a pack (None: this one travels as it is)."""
    if not o.ok or not o.summary or not all(type(v) is float for v in o.summary.values()):
        return None
    if o.series is None:
        return (tuple(o.summary), None)
    arrays = list(o.series.values())
    if not arrays or not all(isinstance(a, np.ndarray) and a.ndim == 1 for a in arrays):
        return None
    if len({len(a) for a in arrays}) != 1:
        return None
    return (tuple(o.summary), tuple((k, a.dtype.str) for k, a in o.series.items()))


# ---- the chunk size ---------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    per_worker: int  # at least this many chunks per worker over the sweep
    largest: int  # runs in a chunk at most
    seconds: float  # work in a chunk at most (from the finished runs' mean time)
    pack: bool  # pack outcomes for transport (not for the sequential executor)
    spread: int = 4  # a chunk takes at most 1/(spread x workers) of the runs left (0: off)


POLICIES = {
    "sequential": Policy(1, 1, 0.0, False, 0),
    "processes": Policy(32, 64, 0.25, True, 4),
    "dask": Policy(16, 256, 0.5, True, 4),
}


class Chunking:
    """The chunk-size rule of the module docstring, fed with finished runs' times."""

    def __init__(self, kind: str, runs: int, workers: int) -> None:
        self.policy = POLICIES.get(kind, POLICIES["processes"])
        p = self.policy
        self.workers = max(1, workers)
        self.cap = max(1, min(p.largest, runs // (p.per_worker * self.workers)))
        self.seconds = self.count = 0.0

    def size(self, left: int | None = None) -> int:
        """The next chunk's size, `left` runs not yet dispatched (None: not counted)."""
        if self.cap == 1 or not self.count:
            return 1
        mean = self.seconds / self.count
        fit = math.floor(self.policy.seconds / mean) if mean > 0 else self.cap
        spread = self.policy.spread * self.workers
        tail = math.ceil(left / spread) if left is not None and spread else self.cap
        return max(1, min(self.cap, fit, tail))

    def observe(self, finished: Sequence[Outcome]) -> None:
        for o in finished:
            if o.ok:
                self.seconds += o.elapsed
                self.count += 1


def describe(kind: str) -> dict[str, Any]:
    """The chunk rule's constants for `kind` (recorded in the session's manifest entry)."""
    return dataclasses.asdict(POLICIES.get(kind, POLICIES["processes"]))
