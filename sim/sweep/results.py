"""Loading a sweep store as tidy pandas frames (`sim.sweep.load(DIR)`).

`load(DIR)` returns a `SweepResults` with:

- `manifest`: the manifest.json document (dict).
- `design`: one row per planned run: `run_id, scenario, intervention, point, replication,
  seed`, then one column per declared parameter (dotted path, e.g.
  `electorate.information`; list values as JSON text). `axes` lists the varied ones.
- `summary`: one row per finished run, wide: the design columns, then
  `{metric}_final` (value at the last step) and `{metric}_mean` (time mean over steps
  1..n) for each recorded metric, and `elapsed_s` (the run's wall time: the only column
  that is not reproducible). `long()` melts it to `run_id, ..., metric, stat, value`.
  A tail sweep's summary holds `tail_p, tail_ci_lo, tail_ci_hi, tail_rel_error, tail_ess,
  tail_model_steps, tail_bits, tail_method, tail_status` instead of metrics
  (`sim.sweep.tail`; `manifest["tail"]` is the request).
- `series`: a lazy `SeriesView` (None when the sweep recorded no series):
  `series.frame(run_ids=None, metrics=None, design=False)` reads `run_id, step, metrics`
  at the recorded period, only for finished runs.
- `events(name, run_ids=None, columns=None, design=True)`: a run event table (see
  `event_tables`; today oversight's `detections` and `offenders`), read on demand:
  `run_id`, the design's id columns and axes, then the table's columns, for finished runs
  only; `attrs["runs"]` lists the finished runs the stored parts cover (a covered run may
  have no rows: no events happened). Empty (no columns but run_id) when no part is stored.
- `failures`: one row per run whose last attempt failed: the design columns, then
  `error`, `traceback`, `session`.
- `problem`: for sobol/morris designs a `SAProblem` (SALib problem dict, options, raw sample
  matrix `X`, row i = design point i; `y(column)` aligns an output with the sample order);
  None otherwise.
- `missing`: run ids neither finished nor failed (an interrupted sweep).

- `status`: the manifest's status, or `died` when it says `running` and no live driver
  holds the store; `damaged`: the missing or unreadable files `--resume` would repair.

A partial store loads: unreadable or absent parts are skipped (with a warning), duplicate
rows of a run keep the latest, and runs without results are simply absent from `summary`
(and from `events`, whose rows of a run come from the latest part that covers it). Asking
`series.frame` or `events` for given runs whose part is unreadable is a ConfigError naming
the part, as is a store without a readable manifest or design: one line saying what is
damaged and that `instalign sweep SPEC --out DIR --resume` repairs it.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ConfigError
from sim.sweep.damage import Damage, diagnose, runs_of, why
from sim.sweep.lock import liveness
from sim.sweep.plan import ID_COLUMNS
from sim.sweep.store import (
    EVENTS,
    done_ids,
    event_folders,
    part_files,
    read_failures,
    read_manifest,
)


def _read_parts(
    paths: list[Path], columns: list[str] | None = None, filters=None, wanted=None
) -> pd.DataFrame:
    """The parts' rows; an unreadable part is skipped with a warning, unless it holds one
    of the runs `wanted` (a ConfigError: those runs' data is lost until --resume)."""
    frames = []
    for path in paths:
        try:
            frames.append(pq.read_table(path, columns=columns, filters=filters).to_pandas())
        except (OSError, pa.ArrowException) as err:
            _lost(path, err, wanted)
            warnings.warn(f"skipping unreadable part {path}: {err}", stacklevel=3)
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _lost(path: Path, err: Exception, wanted: set[int] | None) -> None:
    """Raise when the unreadable part `path` held any of the runs `wanted`."""
    if not wanted:
        return
    root = path.parent.parent.parent if path.parent.parent.name == EVENTS else path.parent.parent
    held = sorted(set(runs_of(root, path.name)) & wanted)
    if held:
        raise ConfigError(
            f"damaged store: {path.relative_to(root)} is unreadable ({why(err)}); it held "
            f"run(s) {', '.join(map(str, held[:8]))}",
            source=str(root),
            allowed=f"`instalign sweep SPEC --out {root} --resume` moves it aside and "
            "recomputes its runs",
        )


@dataclass
class SAProblem:
    """What a Sobol or Morris analysis needs: SALib's problem dict and the sample order."""

    method: str
    problem: dict[str, Any]
    options: dict[str, Any]
    scale: dict[str, str]  # parameter -> "linear" | "log10" (the space of X and bounds)
    X: np.ndarray  # SALib's raw sample, row i = design point i

    def y(self, summary: pd.DataFrame, column: str) -> np.ndarray:
        """`column` averaged over replications, one value per design point in sample order.

        `summary` must hold one scenario and one intervention (filter it first) and every
        design point (SALib cannot analyse a sample with holes)."""
        for key in ("scenario", "intervention"):
            if summary[key].nunique() > 1:
                raise ValueError(f"filter the summary to one {key} first")
        means = summary.groupby("point")[column].mean()
        missing = sorted(set(range(len(self.X))) - set(means.index))
        if missing:
            raise ValueError(f"{len(missing)} design points have no result, e.g. {missing[:5]}")
        return means.sort_index().to_numpy()


@dataclass
class SeriesView:
    """Lazy access to the stored time series (read on demand, filtered by run id)."""

    paths: list[Path]
    design: pd.DataFrame
    finished: set[int] = field(default_factory=set)
    metrics: list[str] = field(default_factory=list)

    def frame(
        self, run_ids=None, metrics: list[str] | None = None, design: bool = False
    ) -> pd.DataFrame:
        cols = None if metrics is None else ["run_id", "step", *metrics]
        ids = [int(r) for r in run_ids] if run_ids is not None else None
        filters = [("run_id", "in", ids)] if ids is not None else None
        out = _read_parts(self.paths, cols, filters, set(ids) & self.finished if ids else None)
        if out.empty:  # the columns all the same, so callers can index them
            names = cols or ["run_id", "step", *self.metrics]
            empty = {c: pd.Series(dtype="int64" if c in ("run_id", "step") else "float64")
                     for c in names}  # fmt: skip
            return pd.DataFrame(empty)
        out = out[out["run_id"].isin(self.finished)]
        out = out.drop_duplicates(["run_id", "step"], keep="last")
        out = out.sort_values(["run_id", "step"]).reset_index(drop=True)
        return out.merge(self.design, on="run_id", how="left") if design else out


@dataclass
class SweepResults:
    path: Path
    manifest: dict[str, Any]
    design: pd.DataFrame
    summary: pd.DataFrame
    failures: pd.DataFrame
    series: SeriesView | None
    problem: SAProblem | None

    @property
    def axes(self) -> list[str]:
        return list(self.manifest.get("axes", []))

    @property
    def metrics(self) -> list[str]:
        return list(self.manifest.get("metrics", []))

    @property
    def status(self) -> str:
        """The manifest's status, except `died` for a store whose manifest says `running`
        while no live driver holds it (see `sim.sweep.lock`)."""
        status = self.manifest.get("status", "")
        if status == "running" and liveness(self.path)["state"] != "live":
            return "died"
        return status

    @property
    def damaged(self) -> list[Damage]:
        """Missing or unreadable files (`--resume` repairs them; see `sim.sweep.damage`)."""
        return diagnose(self.path, self.manifest)

    @property
    def missing(self) -> list[int]:
        seen = set(self.summary["run_id"]) | set(self.failures["run_id"])
        return [r for r in self.design["run_id"].tolist() if r not in seen]

    @property
    def event_tables(self) -> list[str]:
        """Names of the event tables stored (e.g. detections, offenders)."""
        return list(event_folders(self.path))

    def events(
        self, name: str, run_ids=None, columns: list[str] | None = None, design: bool = True
    ) -> pd.DataFrame:
        """The event table `name` of the finished runs (see the module docstring)."""
        done = set(self.summary["run_id"].tolist())
        if run_ids is not None:
            done &= {int(r) for r in run_ids}
        paths = part_files(self.path, f"{EVENTS}/{name}")
        out, covered = _read_events(paths, columns, done, done if run_ids is not None else None)
        if design and len(out):
            keep = [*ID_COLUMNS, *(a for a in self.axes if a not in ID_COLUMNS)]
            out = out.merge(self.design[keep], on="run_id", how="left")
        out.attrs["runs"] = sorted(covered)
        return out

    def long(self) -> pd.DataFrame:
        """The summary in long form: design columns, `metric`, `stat`, `value`."""
        value_cols = [f"{m}_{s}" for m in self.metrics for s in ("final", "mean")]
        keep = [c for c in self.summary.columns if c not in value_cols and c != "elapsed_s"]
        out = self.summary.melt(id_vars=keep, value_vars=value_cols, var_name="column")
        out[["metric", "stat"]] = out.pop("column").str.rsplit("_", n=1, expand=True)
        return out


def load(root: str | os.PathLike) -> SweepResults:
    """Load the sweep store at `root` (see the module docstring for the frames). A store
    without a readable manifest or design is a ConfigError saying what is damaged and
    what `--resume` recovers."""
    root = Path(root)
    manifest = _manifest(root)
    try:
        design = pq.read_table(root / "design.parquet").to_pandas()
    except (OSError, pa.ArrowException) as err:
        raise _damaged(root, "design.parquet", err, "rebuilds it from the spec") from None
    raw = _read_parts(part_files(root, "summary"))
    if raw.empty:
        raw = pd.DataFrame({"run_id": pd.Series(dtype="int64")})
    raw = raw.drop_duplicates("run_id", keep="last")
    summary = design.merge(raw, on="run_id", how="inner").sort_values("run_id")
    fails = read_failures(root)
    fails = fails[~fails["run_id"].isin(raw["run_id"])]
    failures = design.merge(fails, on="run_id", how="inner").sort_values("run_id")
    return SweepResults(
        root,
        manifest,
        design,
        summary.reset_index(drop=True),
        failures.reset_index(drop=True),
        _series(root, manifest, design, set(raw["run_id"].tolist())),
        _problem(root, manifest),
    )


def _manifest(root: Path) -> dict[str, Any]:
    if not root.is_dir():
        raise ConfigError("not a sweep store (no such folder)", source=str(root))
    try:
        manifest = read_manifest(root)
    except ConfigError as err:
        why = f"unreadable ({err.detail.removeprefix('unreadable manifest: ')[:120]})"
        fix = "rebuilds it from the spec when design.parquet is intact"
        raise _damaged(root, "manifest.json", why, fix) from None
    if manifest is None:
        if not (root / "design.parquet").exists() and not part_files(root, "summary"):
            raise ConfigError("not a sweep store (no manifest.json)", source=str(root))
        fix = "rebuilds it from the spec when design.parquet is intact"
        raise _damaged(root, "manifest.json", "missing", fix)
    return manifest


def _damaged(root: Path, name: str, error: Any, fix: str) -> ConfigError:
    if isinstance(error, FileNotFoundError):
        error = "missing"
    what = error if isinstance(error, str) else f"unreadable ({why(error)})"
    runs = len(done_ids(root))
    return ConfigError(
        f"damaged store: {name} is {what}; the {runs} finished runs in summary/ are intact",
        source=str(root),
        allowed=f"`instalign sweep SPEC --out {root} --resume` {fix}",
    )


def _read_events(
    paths: list[Path], columns, done: set[int], wanted: set[int] | None = None
) -> tuple[pd.DataFrame, set[int]]:
    """Rows of the runs in `done`, each run's from the latest part covering it (a run stored
    twice, killed between its events and its summary and then resumed, is not doubled).
    Pass 1 reads only the parts' metadata; pass 2 keeps each part's rows of the runs it is
    the latest for, so memory holds only the rows returned."""
    latest: dict[int, int] = {}
    readable = []
    for i, path in enumerate(paths):
        try:
            meta = json.loads(pq.read_schema(path).metadata[b"instalign"])
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException) as err:
            _lost(path, err, wanted)
            warnings.warn(f"skipping unreadable part {path}: {err}", stacklevel=3)
            continue
        latest.update({r: i for r in meta.get("run_ids", []) if r in done})
        readable.append((i, path))
    cols = None if columns is None else ["run_id", *(c for c in columns if c != "run_id")]
    by_part: dict[int, list[int]] = {}
    for run_id, i in latest.items():
        by_part.setdefault(i, []).append(run_id)
    frames = []
    for i, path in readable:
        if i in by_part:
            frames.append(_read_parts([path], cols, [("run_id", "in", by_part[i])]))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({"run_id": pd.Series(dtype="int64")}), set(latest)
    out = pd.concat(frames, ignore_index=True).sort_values("run_id", kind="stable")
    return out.reset_index(drop=True), set(latest)


def _series(root: Path, manifest: dict, design: pd.DataFrame, done: set[int]) -> SeriesView | None:
    if not manifest["spec"]["record"].get("every"):
        return None
    paths, ids = part_files(root, "series"), design[list(ID_COLUMNS)]
    return SeriesView(paths, ids, done, list(manifest.get("metrics", [])))


def _problem(root: Path, manifest: dict) -> SAProblem | None:
    info = manifest.get("problem")
    if not info:
        return None
    sample = pq.read_table(root / "sample.parquet").to_pandas().sort_values("point")
    x = sample[info["problem"]["names"]].to_numpy(dtype=float)
    return SAProblem(info["method"], info["problem"], info["options"], info["scale"], x)
