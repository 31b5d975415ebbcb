"""The sweep store: one folder per sweep, written atomically, readable while incomplete.

Layout of DIR::

    manifest.json        spec, identity hash, master seed, metrics, axes, interventions,
                         resolved base scenarios, design info, SALib problem, counts, status,
                         created/started/ended times, host, package version, git commit and
                         dirty flag, and one entry per session (each `sweep` / `--resume`)
    design.parquet       one row per run: run_id, scenario, intervention, point, replication,
                         seed, then every declared parameter's value for that run (list
                         values as JSON text: see manifest `json_columns`)
    sample.parquet       sobol/morris only: `point` + SALib's raw sample matrix (problem space)
    summary/part-*.parquet   one row per finished run: run_id, {metric}_final,
                         {metric}_mean for each recorded metric, elapsed_s; a tail sweep's
                         run_id, tail_p, tail_ci_lo, tail_ci_hi, tail_rel_error, tail_ess,
                         tail_model_steps, tail_bits, tail_method, tail_status, elapsed_s
                         (`sim.sweep.tail`; the manifest's `tail` records the request)
    series/part-*.parquet    run_id, step, one column per recorded metric, at the recorded
                         period (absent when `record.every` is null)
    events/<table>/part-*.parquet   run_id + the rows of each run's event table <table>
                         (`RunResult.extra`: oversight's `detections` and `offenders`);
                         the part's metadata lists the runs it covers (`run_ids`, also
                         those with no rows); a part is written before the summary part
                         of the same flush, and a run stored twice (killed between the two,
                         then resumed) keeps the rows of its latest part
    failures.parquet     run_id, error, traceback, session (the latest failed attempt of each
                         run that has not succeeded since); `failures/part-*` stage new ones
    .lock                the driver's lock and record (pid, host, heartbeat): `sim.sweep.lock`
    damaged/             parts `--resume` moved aside as unreadable: `sim.sweep.damage`

Every file is written to a temporary name beside it, fsynced, then renamed (an atomic
replace on POSIX): a reader never sees half a file and a killed sweep leaves no corrupt
part; a write the disk refuses removes its temporary file and leaves the target as it was.
Parts are flushed every `flush_seconds` or `flush_rows` runs, whichever comes first,
so memory stays bounded. Each part's Parquet metadata holds its provenance as JSON under
the key `instalign`. A run counts as done once its summary row is stored; `--resume` runs
every run that is not done (missing or failed). The writer is `sim.sweep.writer.StoreWriter`;
the loader is `sim.sweep.results.load` (also `sim.sweep.load`).
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ConfigError, InstalignError
from sim.provenance import code_version
from sim.scenario import plain
from sim.sweep.design import Design
from sim.sweep.spec import Sweep

FORMAT = "instalign-sweep/1"
KINDS = ("summary", "series", "failures")
EVENTS = "events"  # events/<table>/part-*.parquet


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---- atomic writes ----------------------------------------------------------------------


def atomic_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync, rename; on failure (a full
    disk) the temporary file is removed and the OSError raised: `path` is left as it was."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_json(path: Path, doc: dict[str, Any]) -> None:
    atomic_bytes(path, (json.dumps(doc, indent=2, default=str) + "\n").encode())


def atomic_parquet(path: Path, frame: pd.DataFrame, meta: dict[str, Any]) -> None:
    table = arrow_table(frame)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"instalign": json.dumps(meta, default=str).encode()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    atomic_bytes(path, sink.getvalue().to_pybytes())


_SCHEMAS: dict[tuple, pa.Schema] = {}  # numeric frames' schemas, by columns and dtypes


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """`pa.Table.from_pandas(frame, preserve_index=False)`, the same table, made faster for
    the frames a sweep writes again and again (summary and series parts: a hundred or more
    numeric columns, where pandas' conversion costs ~0.15 ms a column): the schema (with its
    pandas metadata) of a frame with these columns and numeric dtypes is computed once,
    then each frame's columns are handed to Arrow as they are. Other frames (text columns,
    extension dtypes) take pandas' conversion."""
    dtypes = tuple(frame.dtypes)
    numeric = all(isinstance(d, np.dtype) and d.kind in "biuf" for d in dtypes)
    if not numeric or not frame.columns.is_unique:
        return pa.Table.from_pandas(frame, preserve_index=False)
    key = (tuple(frame.columns), str(frame.columns.dtype), tuple(d.str for d in dtypes))
    schema = _SCHEMAS.get(key)
    if schema is None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if len(_SCHEMAS) < 256:
            _SCHEMAS[key] = table.schema
        return table
    arrays = [pa.array(frame[c].to_numpy(), from_pandas=True) for c in frame.columns]  # NaN: null
    return pa.Table.from_arrays(arrays, schema=schema)


# ---- opening a store --------------------------------------------------------------------


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = root / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"unreadable manifest: {err}", source=str(path)) from None


class StoreWriteError(InstalignError):
    """Results could not be written (a full disk, a file size limit): the sweep stopped,
    the store's status is `failed-write`; free space, then `--resume` completes it."""

    exit_code = 4


def clean_temporaries(root: Path) -> None:
    """Remove temporary files left by a killed session (call with the lock held)."""
    folders = (root, *(root / k for k in KINDS), *event_folders(root).values())
    for folder in folders:
        for path in folder.glob(".tmp-*") if folder.is_dir() else ():
            path.unlink(missing_ok=True)


def create(
    root: Path, sweep: Sweep, design: Design, table: pd.DataFrame, json_cols: list[str]
) -> dict[str, Any]:
    """Write design.parquet (and sample.parquet), then manifest.json, which marks the store."""
    write_design(root, sweep, design, table)
    manifest = new_manifest(sweep, design, table, json_cols)
    atomic_json(root / "manifest.json", manifest)
    return manifest


def write_design(root: Path, sweep: Sweep, design: Design, table: pd.DataFrame) -> None:
    meta = {"sweep": sweep.name, "identity": sweep.identity(), **code_version()}
    atomic_parquet(root / "design.parquet", table, meta)
    if design.sample is not None:
        names = design.problem["problem"]["names"]
        sample = pd.DataFrame(design.sample, columns=names)
        sample.insert(0, "point", range(len(sample)))
        atomic_parquet(root / "sample.parquet", sample, meta)


def new_manifest(
    sweep: Sweep, design: Design, table: pd.DataFrame, json_cols: list[str]
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "sweep": sweep.name,
        "description": sweep.spec.description,
        "spec_file": sweep.source,
        "spec": sweep.spec.model_dump(mode="json"),
        "identity": sweep.identity(),
        "master_seed": sweep.spec.seed,
        "metrics": list(sweep.metrics),
        "tail": _tail(sweep),
        "axes": list(sweep.axes),
        "interventions": {k: plain(v) for k, v in sweep.interventions.items()},
        "bases": {ref: c.to_nested() for ref, c in sweep.bases.items()},
        "json_columns": json_cols,
        "design": {"method": design.method, "points": len(design.points), **design.options},
        "problem": design.problem,
        "runs": len(table),
        "counts": {"total": len(table), "done": 0, "failed": 0, "missing": len(table)},
        "status": "created",
        "created": now(),
        "sessions": [],
    }


def _tail(sweep: Sweep) -> dict[str, Any] | None:
    """The tail request of a tail sweep, as provenance (None for a plain sweep)."""
    if sweep.spec.tail is None:
        return None
    from sim.sweep.tail import provenance, request

    return provenance(request(sweep.spec.tail.model_dump()))


def next_session(root: Path, manifest: dict[str, Any]) -> int:
    """The number of a new session: after every session of the manifest and every part on
    disk (a rebuilt manifest has lost its sessions, not its parts: no name is reused)."""
    seen = [int(p.name.split("-")[1]) for p in _all_part_files(root) if p.name.count("-") >= 2]
    return max([len(manifest["sessions"]), *seen]) + 1


def _all_part_files(root: Path) -> list[Path]:
    folders = [*KINDS, *(f"{EVENTS}/{name}" for name in event_folders(root))]
    return [p for kind in folders for p in part_files(root, kind)]


def part_files(root: Path, kind: str) -> list[Path]:
    folder = root / kind
    return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []


def event_folders(root: Path) -> dict[str, Path]:
    """Event table name -> its folder of parts (tables no run produced are absent)."""
    base = root / EVENTS
    if not base.is_dir():
        return {}
    return {p.name: p for p in sorted(base.iterdir()) if p.is_dir()}


def done_ids(root: Path) -> set[int]:
    """Run ids with a stored summary row (robust to unreadable parts: they are skipped)."""
    out: set[int] = set()
    for path in part_files(root, "summary"):
        with contextlib.suppress(OSError, pa.ArrowException):
            out.update(pq.read_table(path, columns=["run_id"]).column(0).to_pylist())
    return out


def read_failures(root: Path) -> pd.DataFrame:
    """Every stored failed attempt (failures.parquet and staged parts), latest last."""
    paths = [root / "failures.parquet", *part_files(root, "failures")]
    frames = []
    for path in paths:
        if path.exists():
            with contextlib.suppress(OSError, pa.ArrowException):
                frames.append(pq.read_table(path).to_pandas())
    if not frames:
        return pd.DataFrame(
            {"run_id": pd.Series(dtype="int64"), "error": [], "traceback": [], "session": []}
        )
    frame = pd.concat(frames, ignore_index=True)
    return frame.drop_duplicates("run_id", keep="last").reset_index(drop=True)
