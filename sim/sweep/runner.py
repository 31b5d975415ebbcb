"""Dispatch a sweep's runs to an executor and store each result as it finishes.

- `run_sweep` checks everything before the first write: the executor (name, workers, a
  reachable scheduler), the spec, the design's size (counted before it is built), every
  design point's config (`sim.sweep.plan.check_points`) and `--out` (`sim.sweep.prepare`).
  A refusal is a ConfigError (exit code 2) and `--out` stays as it was.
- Runs go out in chunks, one executor task per chunk (`sim.sweep.batch`: the chunk size
  rule, and how a chunk's outcomes travel back packed). Only a few chunks per worker (and
  at least `Executor.window` runs) are in flight at once and results are flushed to
  Parquet parts every few seconds, so memory stays flat however many runs a sweep has.
  The driver's work per run is receiving it and appending it to the store's buffers;
  tables are built once per flush.
- A run that raises comes back as data (`sim.sweep.task.Outcome`) and is stored in
  `failures.parquet`; the sweep goes on. An exception raised by the executor for one
  future (dask's `KilledWorker` after a task killed its workers, a pickling error) is
  recorded the same way.
- A broken process pool (a worker killed by a signal or the OOM killer) stops the sweep:
  the runs that came back are flushed, the others stay missing (also those of the dead
  worker's chunk that it finished before it died), status `incomplete`.
- Ctrl-C (SIGINT) or SIGTERM once: no new runs start, the ones in flight finish and are
  stored, status `interrupted`. Twice: pending runs are cancelled at once. Either way the
  finished runs are on disk and `--resume` completes the sweep.
- A store that stops taking results (a full disk): no new runs start, the ones in flight
  finish, every run the disk still takes is written (`StoreWriter`), the status is
  `failed-write` with the error, and `StoreWriteError` (exit code 4) says what is stored.
- The store's lock and heartbeat (`sim.sweep.lock`) refuse a second driver and let
  `--resume` take over the store of a driver that died.
- Progress: `sim.progress.Progress` on stderr (a bar on a terminal, a plain line every few
  seconds in a log).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import itertools
import math
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from sim.errors import ConfigError
from sim.progress import Progress, interval
from sim.sweep import batch, lock, plan, prepare, store
from sim.sweep.design import build
from sim.sweep.executors import Executor, open_executor, prestart
from sim.sweep.executors import check as check_executor
from sim.sweep.spec import load_spec
from sim.sweep.store import StoreWriteError
from sim.sweep.task import Outcome, Task, execute, faults_from_env
from sim.sweep.writer import StoreWriter, session_info

if TYPE_CHECKING:
    from rich.console import Console


ProgressFactory = Callable[..., Progress]  # (total=, label=) -> a sim.progress.Progress
FLUSH_ROWS = 1024  # runs buffered at most between two flushes (chunked executors)


@dataclass
class Report:
    submitted: int = 0
    ran: int = 0
    failed: int = 0
    status: str = "complete"  # complete | interrupted | incomplete | failed-write
    reason: str = ""


class Stop:
    """SIGINT/SIGTERM handling: the first asks for a graceful stop, the second aborts."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict = {}

    def __enter__(self) -> Stop:
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True


def progress_bar(console: Console | None = None, quiet: bool = False) -> ProgressFactory:
    """How a sweep shows its progress on stderr (`console`'s file, if given): a
    `sim.progress.Progress` of runs done and failed, a bar on a terminal and a plain line
    every few seconds in a log; `quiet` shows nothing."""
    stream = console.file if console is not None else None
    every = interval()  # a bad INSTALIGN_PROGRESS_SECONDS is refused before anything runs
    return functools.partial(Progress, unit="runs", every=every, stream=stream, quiet=quiet)


def run_tasks(
    tasks: Iterator[Task],
    total: int,
    executor: Executor,
    writer: StoreWriter,
    progress: ProgressFactory,
) -> Report:
    """Run `tasks` on `executor` in chunks, storing every outcome in `writer` as it arrives."""
    report, pending = Report(), {}
    chunking = batch.Chunking(executor.kind, total, executor.workers)
    with Stop() as stop, progress(total=total, label=writer.manifest["sweep"]) as shown:
        try:
            _loop(tasks, total, executor, writer, shown, stop, report, pending, chunking)
        except KeyboardInterrupt:
            report.status, report.reason = "interrupted", "aborted by a second Ctrl-C"
            for future in pending:
                future.cancel()
        if stop.requested and report.status == "complete":
            report.status, report.reason = "interrupted", "stopped by Ctrl-C (or SIGTERM)"
    return report


def _loop(tasks, total, executor, writer, shown, stop, report, pending, chunking) -> None:
    """Keep `in_flight` chunks submitted; store what comes back. `execute` is looked up
    here, at run time, so a test can replace it (`runner.execute`)."""
    exhausted, fn, pack = False, execute, chunking.policy.pack
    while True:
        size = chunking.size(total - report.submitted)
        while not (exhausted or stop.requested) and len(pending) < _in_flight(executor, size):
            chunk = list(itertools.islice(tasks, size))
            if not chunk:
                exhausted = True
                break
            try:
                future = executor.submit(batch.run_chunk, fn, chunk, pack)
            except cf.BrokenExecutor as err:  # the pool broke since the last wait
                _broken(report, err)
                break
            pending[future] = [t.run_id for t in chunk]
            report.submitted += len(chunk)
        if not pending:
            return
        done, _ = cf.wait(list(pending), timeout=0.5, return_when=cf.FIRST_COMPLETED)
        for future in [f for f in pending if f in done]:  # stored in the order submitted
            outcomes = _outcomes(future, pending.pop(future), report)
            if outcomes:
                failed = sum(not o.ok for o in outcomes)
                writer.add_many(outcomes)
                report.ran += len(outcomes) - failed
                report.failed += failed
                shown.advance(len(outcomes), failed=failed)
                chunking.observe(outcomes)
        writer.maybe_flush()
        if writer.stuck and report.status == "complete":
            report.status = "failed-write"
            report.reason = f"the store does not take results ({writer.error})"
            stop.requested = True  # the runs in flight finish; their results are tried too
        if report.status == "incomplete":
            for future in pending:
                future.cancel()
            stop.requested = True


def _in_flight(executor: Executor, size: int) -> int:
    """Chunks to keep submitted: `window` runs, and with worker processes at least two
    chunks per worker plus one (a worker finds its next chunk waiting while the driver
    stores the last one). The sequential executor runs each chunk as it is submitted."""
    if executor.kind == "sequential":
        return executor.window
    return max(math.ceil(executor.window / size), 2 * executor.workers + 1)


def _broken(report: Report, err: BaseException) -> None:
    report.status = "incomplete"
    report.reason = f"a worker process died ({type(err).__name__})"


def _outcomes(future: cf.Future, run_ids: list[int], report: Report) -> list[Outcome]:
    """The chunk's Outcomes; an executor-level error becomes a failure of each of its runs,
    except a broken pool (no run can be blamed) and cancellation, which leave them missing."""
    if future.cancelled():
        return []
    err = future.exception()
    if err is None:
        return batch.outcomes(future.result())
    if isinstance(err, cf.BrokenExecutor | cf.CancelledError):
        _broken(report, err)
        return []
    tb = "".join(traceback.format_exception(err))
    error = f"{type(err).__name__}: {err}"
    return [Outcome(r, False, 0.0, error=error, traceback=tb) for r in run_ids]


def run_sweep(
    spec: str | Path,
    out: str | Path,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    max_runs: int | None = None,
    flush_seconds: float = 2.0,
    progress: ProgressFactory | None = None,
    max_design_runs: int | None = None,
    reuse: bool = False,
) -> tuple[Report, dict]:
    """Validate everything, prepare the store `out`, run what is not done; (report,
    manifest). Every check that can fail comes before the first write (a ConfigError, exit
    code 2, and `out` as it was); a store the disk stops taking raises StoreWriteError
    after keeping every run it could write. `max_design_runs` raises the design size cap.
    `reuse` keeps the executor's workers warm for the next sweep of this process with the
    same executor and workers (`sim.sweep.executors`: one pool for a design search)."""
    check_executor(executor, workers, scheduler)
    prestart(executor, scheduler)  # the workers' imports overlap the checks below
    if max_runs is not None and max_runs < 1:
        raise ConfigError(f"{max_runs}", source="--max-runs", allowed="int >= 1")
    if not flush_seconds >= 0:
        raise ConfigError(f"{flush_seconds}", source="--flush-seconds", allowed="seconds >= 0")
    sweep = load_spec(spec)
    design = build(sweep, max_design_runs)
    plan.check_points(sweep, design)
    out = Path(out)
    state = prepare.check(out, sweep, resume)  # refuse before starting or writing anything
    progress = progress or progress_bar()
    with open_executor(executor, workers, scheduler, reuse) as ex, lock.owned(out) as previous:
        state = prepare.check(out, sweep, resume)  # again, now that the store is ours
        manifest, repairs = prepare.prepare(out, sweep, design, state)
        _announce(out, previous, repairs)
        table = pq.read_table(out / "design.parquet").to_pandas()
        done = store.done_ids(out)
        todo = [r for r in table["run_id"].tolist() if r not in done][: max_runs or None]
        faults = faults_from_env()
        session = session_info(executor, ex.workers, scheduler)
        session.update(faults=sorted(faults) or None, took_over=previous, repaired=repairs or None)
        session.update(start_method=ex.start_method, chunks=batch.describe(executor))
        rows = max(64, 8 * ex.window, FLUSH_ROWS if executor != "sequential" else 0)
        writer = StoreWriter(out, manifest, session, flush_seconds, rows)
        tasks = plan.tasks(manifest, table, todo, str(out / "manifest.json"), faults)
        try:
            report = run_tasks(tasks, len(todo), ex, writer, progress)
        except BaseException:
            with contextlib.suppress(Exception):
                writer.finish("crashed")  # keep every finished run, then re-raise
            raise
        manifest = writer.finish(report.status)
    if manifest["status"] == "failed-write":
        raise _write_error(out, writer, manifest, report)
    return report, manifest


def _announce(out: Path, previous: dict | None, repairs: list) -> None:
    """Say on stderr what `--resume` found and did before running anything."""
    if previous:
        _say(f"{out}: taking over from a driver that died ({lock.describe(previous)})")
    for r in repairs:
        did = f"rebuilt {r['rebuilt']}" if "rebuilt" in r else f"moved aside to {r['moved']}"
        runs = f"; its runs {r['runs']} run again" if r.get("runs") else ""
        _say(f"{out}: {r['file']} {r.get('reason', '')}: {did}{runs}")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _write_error(out: Path, writer: StoreWriter, manifest: dict, report: Report):
    c = manifest["counts"]
    lost = writer.session.get("unwritten", 0)
    state = (
        "status failed-write" if writer.manifest_written else "the manifest could not be updated"
    )
    err = StoreWriteError(
        f"{out}: writing results failed ({writer.error}); {c['done']} of {c['total']} runs "
        f"are stored, {lost} finished runs could not be written ({state}); free space, then "
        "run the same command with --resume"
    )
    err.report, err.manifest = report, manifest
    return err
