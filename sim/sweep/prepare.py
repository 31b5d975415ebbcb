"""Before a sweep writes to `--out`: what the folder holds, whether it may be used, and the
repairs `--resume` makes first.

`check` reads only, so every refusal leaves the folder as it was: `--out` must be a
writable folder (or creatable), not written by a live driver (`sim.sweep.lock`), empty or a
store of this very sweep with the same base scenarios; a store with results needs
`--resume`, a store without any (a session that died before its first run) is started over.
A damaged store is refused without `--resume` with what is damaged; with it, `prepare`
(called under the lock) moves damaged parts aside and rebuilds a missing design or manifest
from the spec (see `sim.sweep.damage`), then the session runs whatever is missing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ConfigError
from sim.scenario import META_KEYS, flatten, plain
from sim.sweep.damage import describe, diagnose, move_aside, move_file, unreadable
from sim.sweep.design import Design
from sim.sweep.lock import check_free
from sim.sweep.plan import runs
from sim.sweep.spec import Sweep
from sim.sweep.store import (
    KINDS,
    StoreWriteError,
    atomic_json,
    clean_temporaries,
    create,
    done_ids,
    new_manifest,
    part_files,
    read_failures,
    read_manifest,
    write_design,
)


@dataclass
class State:
    """What `check` found in `--out`: the manifest (None: a new store, or one whose
    manifest `recover` rebuilds) and the damage `--resume` repairs first."""

    manifest: dict[str, Any] | None
    damage: list = field(default_factory=list)  # sim.sweep.damage.Damage
    recover: bool = False  # manifest.json missing or unreadable, design.parquet matches


def check(root: Path, sweep: Sweep, resume: bool) -> State:
    """What `root` holds for this sweep, or a ConfigError saying why it cannot be used and
    what to do: not a writable folder, a live driver's store, another sweep's, damaged
    without `--resume`. Nothing is written."""
    check_writable(root)
    check_free(root)
    try:
        manifest = read_manifest(root) if root.exists() else None
    except ConfigError:
        manifest, broken = None, "unreadable"
    else:
        broken = "missing"
    if manifest is None:
        return _without_manifest(root, sweep, resume, broken)
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
    damage = diagnose(root, manifest)
    if not resume and (damage or _has_results(root)):
        c = manifest.get("counts", {})
        hurt = f"; damaged: {describe(damage)}" if damage else ""
        raise ConfigError(
            f"folder already holds this sweep ({c.get('done')} of {c.get('total')} runs "
            f"done){hurt}",
            source="--out",
            path=str(root),
            allowed="--resume to complete it (and repair what is damaged), or another --out",
        )
    return State(manifest, damage)


def check_writable(root: Path) -> None:
    """`root` is a folder we may write, or a folder can be created there."""
    if root.exists() and not root.is_dir():
        raise ConfigError("not a folder", source="--out", path=str(root))
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{probe} is not a folder", source="--out", path=str(root))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write in {probe} (permission denied)", source="--out",
                          path=str(root))  # fmt: skip


def _has_results(root: Path) -> bool:
    """Any run finished or failed in `root` (a store without is started over, resume or
    not: nothing can be lost)."""
    return bool(done_ids(root)) or len(read_failures(root)) > 0


def _without_manifest(root: Path, sweep: Sweep, resume: bool, broken: str) -> State:
    """A new store, or a sweep's files without their manifest (recovered with --resume when
    design.parquet is this spec's, else refused naming what is left)."""
    entries = [p for p in root.iterdir() if not p.name.startswith(".")] if root.exists() else []
    if not entries:
        return State(None)
    design = root / "design.parquet"
    if not design.exists() and not any(part_files(root, k) for k in KINDS):
        raise ConfigError(
            "folder is not empty and holds no sweep (no manifest.json)",
            source="--out",
            path=str(root),
            allowed="a new or empty folder, or a sweep store with --resume",
        )
    runs = len(done_ids(root))
    what = f"manifest.json is {broken} ({runs} finished runs are stored)"
    identity = _identity(design)
    if identity is None:
        raise ConfigError(
            f"{what} and design.parquet is {'missing' if not design.exists() else 'unreadable'}"
            ": the stored runs cannot be matched to a spec; nothing was changed",
            source="--out",
            path=str(root),
            allowed="a new --out (the parts in summary/ and series/ stay readable with pyarrow)",
        )
    if identity != sweep.identity():
        raise ConfigError(f"{what}; design.parquet is another sweep's", source="--out",
                          path=str(root), allowed="a new --out")  # fmt: skip
    if not resume:
        raise ConfigError(what, source="--out", path=str(root),
                          allowed="--resume rebuilds it from this spec")  # fmt: skip
    return State(None, diagnose(root, None), recover=True)


def _identity(design: Path) -> str | None:
    try:
        meta = pq.read_schema(design).metadata or {}
        return json.loads(meta[b"instalign"])["identity"]
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowException):
        return None


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


def prepare(
    root: Path, sweep: Sweep, design: Design, state: State
) -> tuple[dict[str, Any], list[dict]]:
    """Under the lock: create the store, or repair it for `--resume`; (manifest, repairs),
    the repairs as recorded in the session entry of the manifest."""
    clean_temporaries(root)
    try:
        if state.manifest is None and not state.recover:
            return _create(root, sweep, design), []
        return _repair(root, sweep, design, state)
    except OSError as err:
        raise StoreWriteError(f"{root}: cannot write the store: {err}") from None


def _create(root: Path, sweep: Sweep, design: Design) -> dict[str, Any]:
    try:
        return create(root, sweep, design, *runs(sweep, design))
    except OSError:
        for name in ("design.parquet", "sample.parquet"):  # no manifest: not a store yet
            (root / name).unlink(missing_ok=True)
        raise


def _repair(
    root: Path, sweep: Sweep, design: Design, state: State
) -> tuple[dict[str, Any], list[dict]]:
    rebuild = state.recover or any(
        d.path in ("design.parquet", "sample.parquet") for d in state.damage
    )
    table, json_cols = runs(sweep, design) if rebuild else (None, [])
    if state.recover:
        _same_design(root, table)  # before anything moves
    repairs = move_aside(root, state.damage)
    for d in state.damage:
        if d.path in ("design.parquet", "sample.parquet"):
            repairs.append({"file": d.path, "reason": d.reason, "rebuilt": "from the spec"})
        elif d.path == "failures.parquet":
            moved = [move_file(root, d.path)]
            repairs.append({"file": d.path, "reason": d.reason, "moved": moved})
    if rebuild and not state.recover:
        write_design(root, sweep, design, table)
    manifest = state.manifest
    if state.recover:
        if design.sample is not None and unreadable(root / "sample.parquet"):
            write_design(root, sweep, design, table)  # the design is the same (checked)
        moved = [m for m in [move_file(root, "manifest.json")] if m]
        manifest = new_manifest(sweep, design, table, json_cols)
        manifest["status"] = "recovered"
        atomic_json(root / "manifest.json", manifest)
        note = "from the spec; earlier sessions are not known"
        repairs.append({"file": "manifest.json", "rebuilt": note, "moved": moved})
    return manifest, repairs


def _same_design(root: Path, table: pd.DataFrame) -> None:
    stored = pq.read_table(root / "design.parquet").replace_schema_metadata(None)
    built = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
    if not stored.equals(built):
        raise ConfigError(
            "manifest.json is missing and design.parquet differs from the design this spec "
            "builds now (the code or a scenario changed); nothing was changed",
            source="--out",
            path=str(root),
            allowed="a new --out",
        )
