"""Dispatch a sweep's runs to an executor and store each result as it finishes.

- Only `Executor.window` runs are in flight at once and results are flushed to Parquet
  parts every few seconds, so memory stays flat however many runs a sweep has.
- A run that raises comes back as data (`sim.sweep.task.Outcome`) and is stored in
  `failures.parquet`; the sweep goes on. An exception raised by the executor for one
  future (dask's `KilledWorker` after a task killed its workers, a pickling error) is
  recorded the same way.
- A broken process pool (a worker killed by a signal or the OOM killer) stops the sweep:
  the runs that finished are flushed, the others stay missing, status `incomplete`.
- Ctrl-C (SIGINT) or SIGTERM once: no new runs start, the ones in flight finish and are
  stored, status `interrupted`. Twice: pending runs are cancelled at once. Either way the
  finished runs are on disk and `--resume` completes the sweep.
- Progress: a rich bar with runs done, failed, rate and ETA (on stderr).
"""

from __future__ import annotations

import concurrent.futures as cf
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sim.sweep import plan, store
from sim.sweep.design import build
from sim.sweep.executors import Executor, open_executor
from sim.sweep.spec import load_spec
from sim.sweep.task import Outcome, Task, execute, faults_from_env
from sim.sweep.writer import StoreWriter, session_info


@dataclass
class Report:
    submitted: int = 0
    ran: int = 0
    failed: int = 0
    status: str = "complete"  # complete | interrupted | incomplete
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


class RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} runs/s" if speed else "-- runs/s", style="progress.data.speed")


def progress_bar(console: Console | None = None, quiet: bool = False) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed [red]{task.fields[failed]}"),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        disable=quiet,
    )


def run_tasks(
    tasks: Iterator[Task], total: int, executor: Executor, writer: StoreWriter, progress: Progress
) -> Report:
    """Run `tasks` on `executor`, storing every outcome in `writer` as it arrives."""
    report, pending = Report(), {}
    bar = progress.add_task(writer.manifest["sweep"], total=total, failed=0)
    with Stop() as stop, progress:
        try:
            _loop(tasks, executor, writer, progress, bar, stop, report, pending)
        except KeyboardInterrupt:
            report.status, report.reason = "interrupted", "aborted by a second Ctrl-C"
            for future in pending:
                future.cancel()
        if stop.requested and report.status == "complete":
            report.status, report.reason = "interrupted", "stopped by Ctrl-C (or SIGTERM)"
    return report


def _loop(tasks, executor, writer, progress, bar, stop, report, pending) -> None:
    exhausted = False
    while True:
        while not (exhausted or stop.requested) and len(pending) < executor.window:
            task = next(tasks, None)
            if task is None:
                exhausted = True
                break
            try:
                pending[executor.submit(execute, task)] = task.run_id
            except cf.BrokenExecutor as err:  # the pool broke since the last wait
                _broken(report, err)
                break
            report.submitted += 1
        if not pending:
            return
        done, _ = cf.wait(list(pending), timeout=0.5, return_when=cf.FIRST_COMPLETED)
        for future in done:
            outcome = _outcome(future, pending.pop(future), report)
            if outcome is not None:
                writer.add(outcome)
                report.ran += outcome.ok
                report.failed += not outcome.ok
                progress.update(bar, advance=1, failed=report.failed)
        writer.maybe_flush()
        if report.status == "incomplete":
            for future in pending:
                future.cancel()
            stop.requested = True


def _broken(report: Report, err: BaseException) -> None:
    report.status = "incomplete"
    report.reason = f"a worker process died ({type(err).__name__})"


def _outcome(future: cf.Future, run_id: int, report: Report) -> Outcome | None:
    """The future's Outcome; an executor-level error becomes a failure of that run, except
    a broken pool (no run can be blamed) and cancellation, which leave the run missing."""
    if future.cancelled():
        return None
    err = future.exception()
    if err is None:
        return future.result()
    if isinstance(err, cf.BrokenExecutor | cf.CancelledError):
        _broken(report, err)
        return None
    tb = "".join(traceback.format_exception(err))
    return Outcome(run_id, False, 0.0, error=f"{type(err).__name__}: {err}", traceback=tb)


def run_sweep(
    spec: str | Path,
    out: str | Path,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    max_runs: int | None = None,
    flush_seconds: float = 2.0,
    progress: Progress | None = None,
) -> tuple[Report, dict]:
    """Validate `spec`, prepare the store `out`, run what is not done; (report, manifest)."""
    sweep = load_spec(spec)
    design = build(sweep)
    out = Path(out)
    store.check(out, sweep, resume)  # refuse before creating or locking anything
    with store.locked(out):
        manifest = store.check(out, sweep, resume)
        store.clean_temporaries(out)
        if manifest is None:
            manifest = store.create(out, sweep, design, *plan.runs(sweep, design))
        table = pq.read_table(out / "design.parquet").to_pandas()
        done = store.done_ids(out)
        todo = [r for r in table["run_id"].tolist() if r not in done][: max_runs or None]
        faults = faults_from_env()
        with open_executor(executor, workers, scheduler) as ex:
            session = session_info(executor, ex.workers, scheduler)
            session["faults"] = sorted(faults) or None
            writer = StoreWriter(out, manifest, session, flush_seconds, max(64, 8 * ex.window))
            tasks = plan.tasks(manifest, table, todo, str(out / "manifest.json"), faults)
            try:
                report = run_tasks(tasks, len(todo), ex, writer, progress or progress_bar())
            except BaseException:
                writer.finish("crashed")  # keep every finished run, then re-raise
                raise
            manifest = writer.finish(report.status)
    return report, manifest
