"""Writing a sweep's results as they arrive: buffered Parquet parts, flushed every few
seconds, rows or series values (bounded memory), and a manifest that always says how far
the sweep got. Receiving a run costs the driver next to nothing (`add_many` appends it to
a list); its tables are built column-wise, once per flush, for all the buffered runs.
The layout is described in `sim.sweep.store`. Event tables (a run's `RunResult.extra`) go
to `events/<name>/` parts written before the summary part of the same flush."""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.provenance import code_version
from sim.sweep.store import (
    EVENTS,
    StoreWriteError,
    atomic_json,
    atomic_parquet,
    done_ids,
    next_session,
    now,
    part_files,
    read_failures,
)
from sim.sweep.task import Outcome

EVENT_ROWS = 500_000  # flush when this many event rows are buffered, whatever the run count
SERIES_CELLS = 4_000_000  # ... or this many series values (32 MB)
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")


class StoreWriter:
    """Buffers finished runs and writes them as Parquet parts; updates the manifest.

    A write that fails (a full disk, a file size limit) is retried run by run, so every
    run the disk still takes is stored; what it does not take stays buffered and is tried
    again at the next flush. `stuck` tells the runner to stop dispatching; `error` is the
    first failure, recorded in the manifest with status `failed-write`."""

    def __init__(
        self, root: Path, manifest: dict, session: dict, flush_seconds: float, flush_rows: int
    ) -> None:
        self.root, self.manifest, self.session = root, manifest, session
        self.flush_seconds, self.flush_rows = flush_seconds, flush_rows
        self.runs: list[Outcome] = []  # finished, not stored yet
        self.fails: list[dict] = []  # failed attempts, not stored yet
        self.event_rows = self.series_cells = 0
        self.seq, self.last_flush = 0, time.monotonic()
        self.error: str | None = None
        self.write_errors = 0
        done = done_ids(root)
        self.done = len(done)
        self.ran = self.failed = 0
        self.failed_ids: set[int] = _failure_ids(root) - done  # runs whose last attempt failed
        for old in manifest["sessions"]:
            old.setdefault("status", "died")  # it never finished: its driver died
        self.index = next_session(root, manifest)
        session["number"] = self.index
        manifest["sessions"].append(session)
        self._write_manifest("running")
        if self.error:  # nothing can be written: stop before running anything
            raise StoreWriteError(f"{root}: cannot write the manifest: {self.error}")

    @property
    def stuck(self) -> bool:
        """Finished work is waiting that the store did not take."""
        return bool(self.error and (self.runs or self.fails))

    def add(self, outcome: Outcome) -> None:
        self.add_many([outcome])

    def add_many(self, outcomes: list[Outcome]) -> None:
        """Buffer finished runs (a chunk's outcomes); flush if due."""
        for outcome in outcomes:
            self._add(outcome)
        self.maybe_flush()

    def _add(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.ran += 1
            self.failed_ids.discard(outcome.run_id)
            for name, frame in outcome.tables.items():
                if not TABLE_NAME.fullmatch(name) or not isinstance(frame, pd.DataFrame):
                    raise ValueError(f"run {outcome.run_id}: bad event table {name!r}")
                self.event_rows += len(frame)
            self.series_cells += _cells(outcome)
            self.runs.append(outcome)
        else:
            self.failed += 1
            self.failed_ids.add(outcome.run_id)
            self.fails.append(
                {
                    "run_id": outcome.run_id,
                    "error": outcome.error,
                    "traceback": outcome.traceback,
                    "session": self.index,
                }
            )

    def maybe_flush(self) -> None:
        pending = len(self.runs) + len(self.fails)
        due = time.monotonic() - self.last_flush >= self.flush_seconds
        full = (
            pending >= self.flush_rows
            or self.event_rows >= EVENT_ROWS
            or self.series_cells >= SERIES_CELLS
        )
        if pending and (due or full):
            self.flush()

    def flush(self) -> None:
        """Write what is buffered: failed attempts (their own parts), then the finished runs
        (see `_store`), then the manifest. Nothing raises: failures are recorded."""
        if self.fails and self._write(lambda name: self._failures_part(name, self.fails)):
            self.fails = []
        if self.runs:
            self._store(self.runs)
        self.last_flush = time.monotonic()
        self._write_manifest("running")

    def _store(self, batch: list[Outcome]) -> None:
        """One part per table for the whole batch; if the disk refuses it, one run at a
        time (a smaller part may fit). Runs not stored stay buffered."""
        if self._write(lambda name: self._runs_parts(name, batch)):
            kept: list[Outcome] = []
        elif len(batch) > 1:
            kept = [o for o in batch if not self._write(lambda n, o=o: self._runs_parts(n, [o]))]
        else:
            kept = batch
        self.runs = kept
        self.event_rows = sum(len(f) for o in kept for f in o.tables.values())
        self.series_cells = sum(_cells(o) for o in kept)

    def _write(self, write) -> bool:
        """Call `write(part_name)`; False (and the error recorded) if the disk refused."""
        name = f"part-{self.index:03d}-{self.seq:06d}.parquet"
        self.seq += 1
        try:
            write(name)
        except OSError as err:
            self._failed(err)
            return False
        return True

    def _failed(self, err: OSError) -> None:
        self.write_errors += 1
        if self.error is None:
            self.error = f"{type(err).__name__}: {err}"

    def _meta(self, kind: str) -> dict[str, Any]:
        return {
            "sweep": self.manifest["sweep"],
            "identity": self.manifest["identity"],
            "session": self.index,
            "host": platform.node(),
            "part": kind,
            **({"tail": self.manifest["tail"]} if self.manifest.get("tail") else {}),
            **code_version(),
        }

    def _failures_part(self, name: str, rows: list[dict]) -> None:
        (self.root / "failures").mkdir(exist_ok=True)
        atomic_parquet(self.root / "failures" / name, pd.DataFrame(rows), self._meta("failures"))

    def _runs_parts(self, name: str, runs: list[Outcome]) -> None:
        """Series and events first, summary last: a summary row marks a run done, so a run
        is done only once all its parts are on disk (all parts of a flush share `name`)."""
        series = [(o.run_id, o.series) for o in runs if o.series is not None]
        if series:
            (self.root / "series").mkdir(exist_ok=True)
            atomic_parquet(self.root / "series" / name, _series_frame(series), self._meta("series"))
        tables: dict[str, list[tuple[int, pd.DataFrame]]] = {}
        for o in runs:
            for table, frame in o.tables.items():
                tables.setdefault(table, []).append((o.run_id, frame))
        for table, rows in tables.items():
            self._events_part(name, table, rows)
        (self.root / "summary").mkdir(exist_ok=True)
        frame = _summary_frame(runs)
        atomic_parquet(self.root / "summary" / name, frame, self._meta("summary"))
        self.done += len(runs)

    def _events_part(self, name: str, table: str, rows: list[tuple[int, pd.DataFrame]]) -> None:
        """One part per event table; its metadata lists every run it covers (`run_ids`),
        including runs with no rows, so the loader can tell 'no events' from 'part lost'."""
        folder = self.root / EVENTS / table
        folder.mkdir(parents=True, exist_ok=True)
        info = {**self._meta(EVENTS), "table": table, "run_ids": [r for r, _ in rows]}
        atomic_parquet(folder / name, _events_frame(rows), info)

    def finish(self, status: str) -> dict[str, Any]:
        """Flush, fold staged failures into failures.parquet, write the final manifest.

        `status` is the runner's (complete, interrupted, incomplete, failed-write); a
        complete session becomes `partial` when runs are still missing (--max-runs) and
        `failures` when some runs failed; any finished run the store did not take makes it
        `failed-write`."""
        self.flush()
        try:
            _merge_failures(self.root)
        except OSError as err:
            self._failed(err)  # the staged failure parts stay; they are read as well
        unwritten = len(self.runs) + len(self.fails)
        if unwritten:
            status = "failed-write"
        if status == "complete":
            missing = self.manifest["runs"] - self.done - len(self.failed_ids)
            status = "partial" if missing else ("failures" if self.failed_ids else "complete")
        self.session.update(ended=now(), ran=self.ran, failed=self.failed, status=status)
        if self.error:
            self.session.update(error=self.error, write_errors=self.write_errors)
            self.session["unwritten"] = unwritten
        self.manifest["error"] = self.error if status == "failed-write" else None
        return self._write_manifest(status, ended=now())

    def _write_manifest(self, status: str, ended: str | None = None) -> dict[str, Any]:
        """Write the manifest (a failure is recorded, not raised: the parts matter more)."""
        total, failed = self.manifest["runs"], len(self.failed_ids)
        self.manifest["counts"] = {
            "total": total,
            "done": self.done,
            "failed": failed,
            "missing": total - self.done - failed,
        }
        self.manifest.update(status=status, ended=ended)
        for key in ("started", "host", "instalign_version", "git_commit", "git_dirty", "python"):
            self.manifest[key] = self.session.get(key)
        try:
            atomic_json(self.root / "manifest.json", self.manifest)
            self.manifest_written = True
        except OSError as err:
            self._failed(err)
            self.manifest_written = False
        return self.manifest


def _cells(outcome: Outcome) -> int:
    series = outcome.series
    return len(series) * len(next(iter(series.values()))) if series else 0


def _summary_frame(runs: list[Outcome]) -> pd.DataFrame:
    """run_id, the summary columns, elapsed_s: one float block when every run has the same
    float columns (the usual case), else from one dict per run (missing cells NaN)."""
    keys = tuple(runs[0].summary)
    values = [v for o in runs for v in o.summary.values()]
    plain = keys and "run_id" not in keys and "elapsed_s" not in keys
    if not (plain and len(values) == len(runs) * len(keys)
            and all(tuple(o.summary) == keys for o in runs)):  # fmt: skip
        rows = [{"run_id": o.run_id, **o.summary, "elapsed_s": o.elapsed} for o in runs]
        return pd.DataFrame(rows)
    if set(map(type, values)) == {float}:
        block = np.array(values, dtype=np.float64).reshape(len(runs), len(keys))
        frame = pd.DataFrame(np.ascontiguousarray(block.T).T, columns=list(keys))
    else:  # text columns (a tail sweep's): pandas infers each column's dtype
        frame = pd.DataFrame({k: [o.summary[k] for o in runs] for k in keys})
    frame.insert(0, "run_id", np.array([o.run_id for o in runs], dtype=np.int64))
    frame["elapsed_s"] = np.array([o.elapsed for o in runs], dtype=np.float64)
    return frame


def _series_frame(rows: list[tuple[int, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """One frame from many runs' recorded series: run_id, step, metrics (the float columns
    as one block, the others inserted at their places)."""
    n = [len(series["step"]) for _, series in rows]
    run_id = np.repeat(np.array([r for r, _ in rows], dtype=np.int64), n)
    keys = list(rows[0][1])
    cols = {key: np.concatenate([series[key] for _, series in rows]) for key in keys}
    floats = [k for k in keys if cols[k].dtype == np.float64]
    if floats:  # (columns x rows), C order: each column contiguous in the frame's block
        frame = pd.DataFrame(np.stack([cols[k] for k in floats]).T, columns=floats)
    else:
        frame = pd.DataFrame(index=pd.RangeIndex(len(run_id)))
    frame.insert(0, "run_id", run_id)
    for i, key in enumerate(keys):
        if key not in floats:
            frame.insert(i + 1, key, cols[key])
    return frame


def _events_frame(rows: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    """run_id + the runs' event rows (empty tables keep their columns and dtypes)."""
    frames = [f.assign(run_id=np.int64(r)) for r, f in rows]
    nonempty = [f for f in frames if len(f)] or frames[:1]
    out = pd.concat(nonempty, ignore_index=True)
    return out[["run_id", *(c for c in out.columns if c != "run_id")]]


def _failure_ids(root: Path) -> set[int]:
    frame = read_failures(root)
    return set(frame["run_id"].tolist()) if len(frame) else set()


def _merge_failures(root: Path) -> None:
    staged = part_files(root, "failures")
    frame = read_failures(root)
    frame = frame[~frame["run_id"].isin(done_ids(root))].sort_values("run_id")
    atomic_parquet(root / "failures.parquet", frame.reset_index(drop=True), {"part": "failures"})
    for path in staged:
        path.unlink()


def session_info(executor: str, workers: int | None, scheduler: str | None) -> dict[str, Any]:
    return {
        "started": now(),
        "ended": None,
        "host": platform.node(),
        "pid": os.getpid(),
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        **code_version(),
    }
