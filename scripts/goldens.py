"""Golden summaries: pin what every scenario does, so each change shows which numbers it moved.

A golden is `tests/goldens/<scenario_id>.json`: for every scenario that `sim.scenario.discover()`
finds and each seed in `SEEDS`, the final value and the time mean (steps 1..n) of every metric
(`RunResult.summary()`), with the steps and parameter overrides used and the code and numpy
versions that produced it. NaN is written as null. `tests/test_goldens.py` recomputes every
scenario and fails when a number moves beyond `RTOL` (relative) plus `ATOL` (absolute); NaN
equals NaN.

Workflow when a change moves behaviour:

1. change the code;
2. `.venv/bin/python scripts/goldens.py --diff` prints a markdown table of every moved number
   (scenario, seed, metric, final/mean, old, new, relative change) and every scenario or
   metric added or removed; nothing is written;
3. paste the table into CHANGELOG.md under "Changed behaviour (goldens moved)" and say why
   the numbers moved;
4. `.venv/bin/python scripts/goldens.py` regenerates the goldens (`--only SCENARIO_ID`,
   repeatable, regenerates a subset); commit them with the change.

Goldens are regenerated only by this script, never by hand. Runs are capped at `STEP_CAP`
steps so the test stays fast; the steps used are recorded in each file. This module also
holds the comparison rule the test uses (`compare`), so it exists once.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

import sim
from sim.provenance import code_version
from sim.run import run
from sim.scenario import discover, load

REPO = Path(__file__).resolve().parent.parent
GOLDEN_DIR = REPO / "tests" / "goldens"
SEEDS = (1, 2, 3)
STEP_CAP = 100  # steps per run: min(scenario steps, STEP_CAP)
OVERRIDES: dict[str, Any] = {}  # parameter overrides applied to every scenario (none)
RTOL, ATOL = 1e-7, 1e-10
SETTINGS = ("seeds", "steps", "overrides")  # header fields that change what the numbers mean


@dataclass(frozen=True)
class Change:
    """One difference between a stored golden and a fresh one.

    `kind` is "moved" (a number beyond tolerance), "setting" (seeds, steps or overrides),
    "added" or "removed" (a scenario, seed or metric)."""

    kind: str
    scenario: str
    seed: str = ""
    metric: str = ""
    stat: str = ""
    old: Any = None
    new: Any = None

    def relative(self) -> str:
        """(new - old) / |old| as text ("n/a" from or to NaN or from 0)."""
        if self.kind != "moved":
            return ""
        if not _finite(self.old, self.new) or self.old == 0:
            return "n/a"
        return f"{(self.new - self.old) / abs(self.old):+.3g}"


# -- computing and storing ------------------------------------------------------------------


def compute(scenario_id: str) -> dict[str, Any]:
    """The golden document of one scenario, computed from the code as it is now."""
    config = load(scenarios()[scenario_id], OVERRIDES or None)
    steps = min(int(config["steps"]), STEP_CAP)
    summaries = {str(seed): run(config, seed=seed, steps=steps).summary() for seed in SEEDS}
    return {
        "scenario": scenario_id,
        "seeds": list(SEEDS),
        "steps": steps,
        "scenario_steps": int(config["steps"]),
        "overrides": dict(OVERRIDES),
        "code_version": code_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "summary": summaries,
    }


@functools.cache
def scenarios() -> dict[str, Path]:
    """Scenario id -> file, read once (`discover` parses every YAML file)."""
    return discover()


def golden_path(scenario_id: str, folder: Path = GOLDEN_DIR) -> Path:
    """Where the golden of `scenario_id` lives."""
    return folder / f"{scenario_id}.json"


def stored_ids(folder: Path = GOLDEN_DIR) -> list[str]:
    """Scenario ids that have a golden file."""
    return sorted(p.stem for p in folder.glob("*.json"))


def write(doc: Mapping[str, Any], folder: Path = GOLDEN_DIR) -> Path:
    """Write a golden with stable key order; NaN becomes null so the file is valid JSON."""
    path = golden_path(doc["scenario"], folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_nan_to_null(doc), indent=1, sort_keys=True, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read(path: Path) -> dict[str, Any]:
    """A stored golden (null read back as NaN in the summary)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["summary"] = _null_to_nan(doc.get("summary", {}))
    return doc


def _nan_to_null(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _nan_to_null(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _null_to_nan(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _null_to_nan(v) for k, v in value.items()}
    return math.nan if value is None else value


# -- comparing ------------------------------------------------------------------------------


def close(old: float, new: float) -> bool:
    """Equal within RTOL relative plus ATOL absolute; NaN equals NaN."""
    if math.isnan(old) or math.isnan(new):
        return math.isnan(old) and math.isnan(new)
    return abs(new - old) <= ATOL + RTOL * abs(old)


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two golden documents of one scenario, old to new."""
    sid = new["scenario"]
    changes = [
        Change("setting", sid, metric=key, old=old.get(key), new=new.get(key))
        for key in SETTINGS
        if old.get(key) != new.get(key)
    ]
    for seed in _union(old["summary"], new["summary"]):
        changes += _compare_seed(sid, seed, old["summary"].get(seed), new["summary"].get(seed))
    return changes


def _compare_seed(sid: str, seed: str, old: Mapping | None, new: Mapping | None) -> list[Change]:
    if old is None or new is None:
        return [Change("added" if old is None else "removed", sid, seed)]
    changes = []
    for metric in _union(old, new):
        if metric not in old or metric not in new:
            kind = "added" if metric not in old else "removed"
            changes.append(Change(kind, sid, seed, metric))
            continue
        for stat in ("final", "mean"):
            a, b = old[metric][stat], new[metric][stat]
            if not close(a, b):
                changes.append(Change("moved", sid, seed, metric, stat, a, b))
    return changes


def _union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    return sorted(set(a) | set(b))


def _finite(*values: Any) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


# -- reporting ------------------------------------------------------------------------------


def table(changes: Iterable[Change]) -> str:
    """A markdown table of changes, ready to paste into CHANGELOG.md."""
    rows = [
        "| scenario | seed | metric | final/mean | old | new | relative change |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c in changes:
        what = c.stat if c.kind == "moved" else c.kind
        rows.append(
            f"| {c.scenario} | {c.seed} | {c.metric} | {what} | {_fmt(c.old)} | {_fmt(c.new)} "
            f"| {c.relative()} |"
        )
    return "\n".join(rows)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return "" if value is None else json.dumps(value)


def diff(scenario_ids: Iterable[str], folder: Path = GOLDEN_DIR) -> list[Change]:
    """Changes between the stored goldens and the code as it is now."""
    known, changes = scenarios(), []
    for sid in scenario_ids:
        path = golden_path(sid, folder)
        if not path.exists():
            changes.append(Change("added", sid))
        elif sid not in known:
            changes.append(Change("removed", sid))
        else:
            changes += compare(read(path), compute(sid))
    return changes


def summary(changes: Iterable[Change], threshold: float = 0.01) -> str:
    """A compact Markdown table for CHANGELOG.md: per scenario and metric whose time mean
    moved, the mean over seeds of the stored and of the fresh time mean (moves below
    `threshold` relative are left out; added and removed metrics are listed by name)."""
    moved: dict[tuple[str, str], list[Change]] = {}
    other: dict[str, set[str]] = {}
    for c in changes:
        if c.kind == "moved" and c.stat == "mean":
            moved.setdefault((c.scenario, c.metric), []).append(c)
        elif c.kind in ("added", "removed") and c.metric:
            other.setdefault(c.scenario, set()).add(f"{c.metric} ({c.kind})")
    rows = [
        "| scenario | metric | time mean, old | new | seeds moved |",
        "| --- | --- | --- | --- | --- |",
    ]
    for (sid, metric), cs in sorted(moved.items()):
        old = float(np.nanmean([_null_to_nan(c.old) for c in cs]))
        new = float(np.nanmean([_null_to_nan(c.new) for c in cs]))
        if _finite(old, new) and old != 0 and abs(new - old) / abs(old) < threshold:
            continue
        rows.append(f"| {sid} | {metric} | {_fmt(old)} | {_fmt(new)} | {len(cs)} |")
    for sid, names in sorted(other.items()):
        rows.append(f"| {sid} | {', '.join(sorted(names))} | | | |")
    return "\n".join(rows)


# -- command line ---------------------------------------------------------------------------


def check_checkout() -> None:
    """Refuse to record the `sim` of another checkout (e.g. an editable install elsewhere)."""
    home = Path(sim.__file__).resolve().parent.parent
    if home != REPO:
        sys.exit(
            f"error: imported sim from {home}, not from this checkout {REPO}; "
            f"run from {REPO} with PYTHONPATH={REPO}"
        )


def targets(folder: Path = GOLDEN_DIR) -> list[str]:
    """Every scenario id and every id with a golden file (a stale golden shows as removed)."""
    return sorted(set(scenarios()) | set(stored_ids(folder)))


def regenerate(scenario_ids: Iterable[str], folder: Path = GOLDEN_DIR) -> None:
    """Write the goldens of `scenario_ids`; delete those of scenarios that no longer exist."""
    known = scenarios()
    for sid in scenario_ids:
        if sid in known:
            print(f"wrote {write(compute(sid), folder).relative_to(REPO)}")
        else:
            golden_path(sid, folder).unlink()
            print(f"removed {golden_path(sid, folder).relative_to(REPO)} (no such scenario)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff", action="store_true", help="print what moved; write nothing")
    parser.add_argument(
        "--summary", action="store_true", help="with --diff: one row per scenario and metric"
    )
    parser.add_argument(
        "--only", action="append", metavar="SCENARIO_ID", help="only this scenario (repeatable)"
    )
    args = parser.parse_args(argv)
    check_checkout()
    unknown = sorted(set(args.only or ()) - set(targets()))
    if unknown:
        parser.error(f"--only: unknown scenario(s) {', '.join(unknown)}; see `instalign scenarios`")
    ids = sorted(set(args.only)) if args.only else targets()
    if not args.diff:
        regenerate(ids)
        return 0
    changes = diff(ids)
    if not changes:
        print("No golden moved.")
    else:
        print(summary(changes) if args.summary else table(changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
