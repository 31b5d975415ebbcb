"""Writing a sweep's results as they arrive: buffered Parquet parts, flushed every few
seconds or rows (bounded memory), and a manifest that always says how far the sweep got.
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
    KINDS,
    atomic_json,
    atomic_parquet,
    done_ids,
    now,
    part_files,
    read_failures,
)
from sim.sweep.task import Outcome

EVENT_ROWS = 500_000  # flush when this many event rows are buffered, whatever the run count
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")


class StoreWriter:
    """Buffers finished runs and writes them as Parquet parts; updates the manifest."""

    def __init__(
        self, root: Path, manifest: dict, session: dict, flush_seconds: float, flush_rows: int
    ) -> None:
        self.root, self.manifest, self.session = root, manifest, session
        self.flush_seconds, self.flush_rows = flush_seconds, flush_rows
        self.buffers: dict[str, list] = {k: [] for k in KINDS}
        self.events: dict[str, list[tuple[int, pd.DataFrame]]] = {}
        self.event_rows = 0
        self.seq, self.last_flush = 0, time.monotonic()
        done = done_ids(root)
        self.done = len(done)
        self.ran = self.failed = 0
        self.failed_ids: set[int] = _failure_ids(root) - done  # runs whose last attempt failed
        manifest["sessions"].append(session)
        self.index = len(manifest["sessions"])
        self._write_manifest("running")

    def add(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.ran += 1
            self.failed_ids.discard(outcome.run_id)
            self.buffers["summary"].append(
                {"run_id": outcome.run_id, **outcome.summary, "elapsed_s": outcome.elapsed}
            )
            if outcome.series is not None:
                self.buffers["series"].append((outcome.run_id, outcome.series))
            self._add_tables(outcome)
        else:
            self.failed += 1
            self.failed_ids.add(outcome.run_id)
            self.buffers["failures"].append(
                {
                    "run_id": outcome.run_id,
                    "error": outcome.error,
                    "traceback": outcome.traceback,
                    "session": self.index,
                }
            )
        self.maybe_flush()

    def maybe_flush(self) -> None:
        pending = len(self.buffers["summary"]) + len(self.buffers["failures"])
        due = time.monotonic() - self.last_flush >= self.flush_seconds
        full = pending >= self.flush_rows or self.event_rows >= EVENT_ROWS
        if pending and (due or full):
            self.flush()

    def _add_tables(self, outcome: Outcome) -> None:
        for name, frame in outcome.tables.items():
            if not TABLE_NAME.fullmatch(name) or not isinstance(frame, pd.DataFrame):
                raise ValueError(f"run {outcome.run_id}: bad event table {name!r}")
            self.events.setdefault(name, []).append((outcome.run_id, frame))
            self.event_rows += len(frame)

    def flush(self) -> None:
        """Write buffered rows: series and events first, summary last (a summary row marks a
        run done, so a run's events are on disk before it counts as done)."""
        meta = {
            "sweep": self.manifest["sweep"],
            "identity": self.manifest["identity"],
            "session": self.index,
            "host": platform.node(),
            **code_version(),
        }
        name = f"part-{self.index:03d}-{self.seq:06d}.parquet"
        for kind in ("series", "events", "failures", "summary"):
            if kind == "events":
                self._flush_events(name, meta)
                continue
            rows = self.buffers[kind]
            if not rows:
                continue
            frame = _series_frame(rows) if kind == "series" else pd.DataFrame(rows)
            (self.root / kind).mkdir(exist_ok=True)
            atomic_parquet(self.root / kind / name, frame, {**meta, "part": kind})
            if kind == "summary":
                self.done += len(rows)
            rows.clear()
        self.seq += 1
        self.last_flush = time.monotonic()
        self._write_manifest("running")

    def _flush_events(self, name: str, meta: dict[str, Any]) -> None:
        """One part per event table; its metadata lists every run it covers (`run_ids`),
        including runs with no rows, so the loader can tell 'no events' from 'part lost'."""
        for table, rows in self.events.items():
            if not rows:
                continue
            folder = self.root / EVENTS / table
            folder.mkdir(parents=True, exist_ok=True)
            ids = [r for r, _ in rows]
            info = {**meta, "part": EVENTS, "table": table, "run_ids": ids}
            atomic_parquet(folder / name, _events_frame(rows), info)
            rows.clear()
        self.event_rows = 0

    def finish(self, status: str) -> dict[str, Any]:
        """Flush, fold staged failures into failures.parquet, write the final manifest.

        `status` is the runner's (complete, interrupted, incomplete); a complete session
        becomes `partial` when runs are still missing (--max-runs) and `failures` when
        some runs failed."""
        self.flush()
        _merge_failures(self.root)
        if status == "complete":
            missing = self.manifest["runs"] - self.done - len(self.failed_ids)
            status = "partial" if missing else ("failures" if self.failed_ids else "complete")
        self.session.update(ended=now(), ran=self.ran, failed=self.failed, status=status)
        return self._write_manifest(status, ended=now())

    def _write_manifest(self, status: str, ended: str | None = None) -> dict[str, Any]:
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
        atomic_json(self.root / "manifest.json", self.manifest)
        return self.manifest


def _series_frame(rows: list[tuple[int, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """One frame from many runs' recorded series: run_id, step, metrics (column-wise)."""
    n = [len(series["step"]) for _, series in rows]
    cols = {"run_id": np.repeat(np.array([r for r, _ in rows], dtype=np.int64), n)}
    for key in rows[0][1]:
        cols[key] = np.concatenate([series[key] for _, series in rows])
    return pd.DataFrame(cols)


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
