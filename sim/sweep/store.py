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
                         {metric}_mean for each recorded metric, elapsed_s
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

Every file is written to a temporary name beside it, fsynced, then renamed (an atomic
replace on POSIX): a reader never sees half a file and a killed sweep leaves no corrupt
part. Parts are flushed every `flush_seconds` or `flush_rows` runs, whichever comes first,
so memory stays bounded. Each part's Parquet metadata holds its provenance as JSON under
the key `instalign`. A run counts as done once its summary row is stored; `--resume` runs
every run that is not done (missing or failed). The writer is `sim.sweep.writer.StoreWriter`;
the loader is `sim.sweep.results.load` (also exported here as `load`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ConfigError
from sim.provenance import code_version
from sim.scenario import META_KEYS, flatten, plain
from sim.sweep.design import Design
from sim.sweep.spec import Sweep

FORMAT = "instalign-sweep/1"
KINDS = ("summary", "series", "failures")
EVENTS = "events"  # events/<table>/part-*.parquet


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---- atomic writes ----------------------------------------------------------------------


def atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_json(path: Path, doc: dict[str, Any]) -> None:
    atomic_bytes(path, (json.dumps(doc, indent=2, default=str) + "\n").encode())


def atomic_parquet(path: Path, frame: pd.DataFrame, meta: dict[str, Any]) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"instalign": json.dumps(meta, default=str).encode()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    atomic_bytes(path, sink.getvalue().to_pybytes())


# ---- opening a store --------------------------------------------------------------------


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = root / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"unreadable manifest: {err}", source=str(path)) from None


def check(root: Path, sweep: Sweep, resume: bool) -> dict[str, Any] | None:
    """The existing manifest of `root` for this sweep (None for a new store), or a
    ConfigError when `root` holds something else; nothing is written."""
    if root.exists() and not root.is_dir():
        raise ConfigError("not a folder", source="--out", path=str(root))
    manifest = read_manifest(root) if root.exists() else None
    if manifest is None:
        if root.exists() and any(not p.name.startswith(".") for p in root.iterdir()):
            raise ConfigError(
                "folder is not empty and holds no sweep (no manifest.json)",
                source="--out",
                path=str(root),
                allowed="a new or empty folder, or a sweep store with --resume",
            )
        return None
    if manifest.get("identity") != sweep.identity():
        raise ConfigError(
            f"folder holds a different sweep ({manifest.get('sweep')!r} from "
            f"{manifest.get('spec_file')}); nothing was changed",
            source="--out",
            path=str(root),
            allowed="a new folder, or the same spec with --resume",
        )
    changed = _base_changes(manifest, sweep)
    if changed:
        raise ConfigError(
            f"the base scenario changed since this sweep was created ({changed[0]}); "
            "nothing was changed",
            source="--out",
            path=str(root),
            allowed="a new folder for the new values",
        )
    if not resume:
        c = manifest.get("counts", {})
        raise ConfigError(
            f"folder already holds this sweep ({c.get('done')} of {c.get('total')} runs done)",
            source="--out",
            path=str(root),
            allowed="--resume to complete it, or another --out",
        )
    return manifest


def _base_changes(manifest: dict[str, Any], sweep: Sweep) -> list[str]:
    """Parameters whose resolved value differs from the stored base scenarios (parameters
    declared since the sweep was created take their defaults and are not compared)."""
    out = []
    for ref, config in sweep.bases.items():
        doc = manifest.get("bases", {}).get(ref)
        if doc is None:
            return [f"scenario {ref} is new"]
        stored = flatten({k: v for k, v in doc.items() if k not in META_KEYS}, ref)
        for path, value in stored.items():
            if path in config.values and plain(config.values[path]) != value:
                out.append(f"{ref}: {path} was {value!r}, now {plain(config.values[path])!r}")
    return out


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on `root` (a second sweep writing it is refused)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                "another sweep is writing this folder", source="--out", path=str(root)
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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
    meta = {"sweep": sweep.name, "identity": sweep.identity(), **code_version()}
    atomic_parquet(root / "design.parquet", table, meta)
    if design.sample is not None:
        names = design.problem["problem"]["names"]
        sample = pd.DataFrame(design.sample, columns=names)
        sample.insert(0, "point", range(len(sample)))
        atomic_parquet(root / "sample.parquet", sample, meta)
    manifest = {
        "format": FORMAT,
        "sweep": sweep.name,
        "description": sweep.spec.description,
        "spec_file": sweep.source,
        "spec": sweep.spec.model_dump(mode="json"),
        "identity": sweep.identity(),
        "master_seed": sweep.spec.seed,
        "metrics": list(sweep.metrics),
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
    atomic_json(root / "manifest.json", manifest)
    return manifest


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


def load(root: str | os.PathLike):
    """Load a sweep store as tidy pandas frames (see `sim.sweep.results.SweepResults`)."""
    from sim.sweep.results import load as _load

    return _load(root)
