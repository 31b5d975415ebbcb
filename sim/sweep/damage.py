"""Damaged stores: what is missing or unreadable, what can be recovered, and the repair
`--resume` makes before it runs anything.

Writes are atomic, so damage comes from outside: a disk that filled up or failed, a copy
cut short, a file deleted by hand. `diagnose` reads every file's Parquet footer (and the
summary parts' run ids: what marks a run done), cheap even for thousands of parts.

- An unreadable part (truncated, not Parquet) is moved aside to `DIR/damaged/`, with the
  parts of the same flush (same file name: the same runs) in the other tables, so its runs
  count as missing and `--resume` recomputes them, bit for bit; nothing is deleted.
- A missing or unreadable `design.parquet` (or `sample.parquet`) is rebuilt from the spec:
  the sweep's identity and base scenarios are checked first (`sim.sweep.store.check`), so
  the rebuilt table is the one the stored runs were made from.
- A missing or unreadable `manifest.json` is rebuilt from the spec when `design.parquet`
  is intact, carries the spec's identity and equals the design the spec builds; otherwise
  the store is refused and the message says what is left.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.sweep.store import EVENTS, KINDS, event_folders, part_files

MOVED = "damaged"  # DIR/damaged/<the file's path in the store>


@dataclass
class Damage:
    path: str  # relative to the store
    reason: str  # "missing" or "unreadable (...)"
    runs: list[int] = field(default_factory=list)  # the runs whose results it held


def unreadable(path: Path, column: str | None = None) -> str | None:
    """Why `path` cannot be read as Parquet (None when it can)."""
    if not path.exists():
        return "missing"
    try:
        if column is None:
            pq.read_metadata(path)
        else:
            pq.read_table(path, columns=[column])
    except (OSError, pa.ArrowException) as err:
        return f"unreadable ({why(err)})"
    return None


def why(err: BaseException) -> str:
    """The gist of a read error, in one short line (no repeated path)."""
    text = re.sub(r"^Could not open Parquet input source '.*?': ", "", str(err))
    text = (text.splitlines() or [type(err).__name__])[0]
    return text.split(". ")[0].rstrip(".")[:120]


def diagnose(root: Path, manifest: dict | None) -> list[Damage]:
    """Every missing or unreadable file of the store at `root` (empty: intact)."""
    out = []
    needed = ["design.parquet"] + (["sample.parquet"] if (manifest or {}).get("problem") else [])
    for name in needed:
        path = root / name
        why = "missing" if not path.exists() else unreadable(path)
        if why:
            out.append(Damage(name, why))
    if (root / "failures.parquet").exists() and (why := unreadable(root / "failures.parquet")):
        out.append(Damage("failures.parquet", why))
    for path in all_parts(root):
        why = unreadable(path, "run_id" if path.parent.name == "summary" else None)
        if why:
            out.append(Damage(str(path.relative_to(root)), why, runs_of(root, path.name)))
    return out


def all_parts(root: Path) -> list[Path]:
    folders = [*KINDS, *(f"{EVENTS}/{name}" for name in event_folders(root))]
    return [p for kind in folders for p in part_files(root, kind)]


def _siblings(root: Path, name: str) -> list[Path]:
    """The result parts written in the same flush as the part `name` (same runs)."""
    folders = [root / "summary", root / "series", *event_folders(root).values()]
    return [f / name for f in folders if (f / name).exists()]


def runs_of(root: Path, name: str) -> list[int]:
    """The runs of the flush that wrote parts called `name`, from any readable sibling."""
    for path in _siblings(root, name):
        with contextlib.suppress(OSError, pa.ArrowException):
            return sorted(set(pq.read_table(path, columns=["run_id"]).column(0).to_pylist()))
    return []


def describe(damage: list[Damage], limit: int = 3) -> str:
    """One clause naming the damaged files (the first `limit`) and the runs they held."""
    items = [f"{d.path} is {d.reason}" for d in damage[:limit]]
    if len(damage) > limit:
        items.append(f"{len(damage) - limit} more")
    runs = sorted({r for d in damage for r in d.runs})
    held = f" (holding runs {_ids(runs)})" if runs else ""
    return "; ".join(items) + held


def _ids(runs: list[int]) -> str:
    return ", ".join(map(str, runs[:8])) + (f" and {len(runs) - 8} more" if len(runs) > 8 else "")


def move_aside(root: Path, damage: list[Damage]) -> list[dict]:
    """Move every damaged part, and the parts of the same flush, to DIR/damaged/ (their runs
    become missing); returns what was moved, for the session entry of the manifest."""
    done = []
    for d in damage:
        path = root / d.path
        if path.parent == root:
            continue  # design, sample, failures.parquet: rebuilt or re-run, see runner
        group = [path] if path.parent.name == "failures" else [path, *_siblings(root, path.name)]
        moved = [_move(root, p) for p in dict.fromkeys(group) if p.exists()]
        done.append({"file": d.path, "reason": d.reason, "runs": d.runs, "moved": moved})
    return done


def move_file(root: Path, name: str) -> str | None:
    """Move a damaged top-level file (e.g. failures.parquet) aside."""
    path = root / name
    return _move(root, path) if path.exists() else None


def _move(root: Path, path: Path) -> str:
    rel = path.relative_to(root)
    dest = root / MOVED / rel
    n = 0
    while dest.exists():
        n += 1
        dest = root / MOVED / rel.with_name(f"{rel.name}.{n}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, dest)
    return str(dest.relative_to(root))
