"""Sweep stores under the results folder, and nothing outside it.

The dashboard only reads stores below the folder it was started with (`--results`). A store
is named by its path relative to that folder; `resolve` rejects absolute paths, `..` and
symlinks that lead outside, so a crafted URL cannot make the server read other files.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.params import PARAMS

MANIFEST = "manifest.json"
MAX_DEPTH = 3
MANIFEST_FIELDS = {"bases": dict, "json_columns": list, "spec": dict, "counts": dict}


def resolve(root: Path, name: str) -> Path:
    """The store folder `name` (relative to `root`), guaranteed to be inside `root`."""
    root = Path(root).resolve()
    if not name or "\x00" in name:
        raise ConfigError("no sweep store given", path="store")
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts:
        raise ConfigError(f"{name!r} is not inside the results folder", path="store")
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        raise ConfigError(f"{name!r} leads outside the results folder", path="store")
    if not target.is_dir():
        raise ConfigError(f"no folder {name!r} in the results folder", path="store")
    if not (target / MANIFEST).is_file():
        raise ConfigError(f"{name!r} is not a sweep store (no {MANIFEST})", path="store")
    return target


DESIGN_TABLE = "evaluations.parquet"  # a design store's (`instalign design`; the Design page)


def discover(root: Path, designs: bool = False) -> list[str]:
    """Every sweep store below `root` (relative names, sorted), skipping hidden folders; with
    `designs`, the design stores instead (a manifest beside evaluations.parquet)."""
    root = Path(root).resolve()
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and depth < MAX_DEPTH)
        if MANIFEST in files:
            if (DESIGN_TABLE in files) == designs:
                found.append(Path(folder).relative_to(root).as_posix())
            dirs[:] = []  # a store's own sub-folders are its parts
    return sorted(found)


def _signature(root: Path) -> tuple:
    """Changes whenever a part is added or the manifest is rewritten (a sweep in progress)."""
    files = [root / MANIFEST, *sorted(root.glob("*/part-*.parquet")), root / "failures.parquet"]
    return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists())


@functools.lru_cache(maxsize=4)
def _load(root: Path, signature: tuple):
    from analysis.data import frames

    return frames(root)


def load(root: Path, name: str):
    """The analysis Frames of store `name` (cached until the store changes on disk). A store
    that cannot be read, or whose manifest has the wrong shape, is a ConfigError naming it."""
    path = resolve(root, name)
    try:
        f = _load(path, _signature(path))
    except ConfigError:
        raise
    except Exception as err:  # the files on disk are data: any failure is a message
        why = f"{type(err).__name__}: {str(err)[:200]}"
        raise ConfigError(f"{name!r} is not a readable sweep store ({why})", path="store") from None
    check_manifest(f.manifest, name)
    return f


def check_manifest(manifest: Any, name: str) -> None:
    """The manifest fields the dashboard reads have the types it reads them as."""
    if not isinstance(manifest, dict):
        raise ConfigError(f"{name!r}: its {MANIFEST} is not a JSON object", path="store")
    for key, kind in MANIFEST_FIELDS.items():
        if key in manifest and not isinstance(manifest[key], kind):
            what = f"{key!r} in {MANIFEST} is not a JSON {kind.__name__}"
            raise ConfigError(f"{name!r}: {what}", path="store")


def run_values(f, run_id: int) -> tuple[str, dict[str, Any]]:
    """(base scenario id, every parameter value and the seed) of one run of a store, decoded
    as the sweep ran it (list values are stored as JSON text)."""
    row = f.design.set_index("run_id").loc[int(run_id)]
    doc = f.manifest.get("bases", {}).get(row["scenario"], {})
    json_cols = set(f.manifest.get("json_columns", []))
    values = {"seed": int(row["seed"])}
    for path in PARAMS:
        if path in row.index and path != "seed":
            raw = json.loads(row[path]) if path in json_cols else row[path]
            values[path] = PARAMS[path].validate(raw.item() if hasattr(raw, "item") else raw)
    return str(doc.get("id", row["scenario"])), values


def explore_link(f, run_id: int, known: Mapping[str, Any]) -> str:
    """An Explore URL that reruns exactly this run: its base scenario when it is built in
    (else the default scenario) with every value that differs from it, and its seed."""
    from dashboard.state import DEFAULT_SCENARIO, ExploreState, replace_sets

    sid, values = run_values(f, run_id)
    sid = sid if sid in known else DEFAULT_SCENARIO
    base = _base(sid)
    sets = {k: v for k, v in values.items() if base[k] != v}
    return "/explore" + replace_sets(ExploreState(scenario=sid), sets).to_search()


@functools.lru_cache(maxsize=16)
def _base(sid: str):
    """A built-in scenario's config, read once (a page of the run table links 20 runs of the
    same few scenarios; each read parses the scenario's YAML)."""
    from dashboard.reproduce import config_for

    return config_for(sid)
