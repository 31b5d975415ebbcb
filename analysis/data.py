"""The tidy frames every figure reads, from a sweep store or from single runs.

`Frames` is what the figure `data()` functions take: the design (one row per run: `run_id`,
each varied parameter, `seed`, ...), the per-run summary (one column per metric, its
end-of-run value), the time series (`run_id`, `step`, one column per metric; None when the
sweep recorded final values only), the failures, the manifest and (for sobol/morris designs)
SALib's problem. `frames(obj)` accepts a sweep folder, a loaded store, a list of `RunResult`s
(or of series DataFrames) or a mapping arm -> list of them (the dashboard's Explore page).

Problems found on the way (failed runs, a metric not recorded) are kept in `notes`, for the
CLI and the report to print; they never stop the figures that can still be made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.components import METRICS
from sim.errors import ConfigError

RUN = "run_id"
NON_PARAMS = {RUN, "seed", "point", "replication", "status", "arm", "scenario", "intervention"}


@dataclass
class Frames:
    design: pd.DataFrame
    summary: pd.DataFrame
    series: pd.DataFrame | None = None
    failures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({RUN: []}))
    manifest: dict[str, Any] = field(default_factory=dict)
    problem: dict[str, Any] | None = None
    kind: str = "runs"
    params: list[str] = field(default_factory=list)  # the varied parameters (sweep axes)
    notes: list[str] = field(default_factory=list)
    time_means: pd.DataFrame | None = None  # run_id + each metric's mean over steps 1..n
    sample: pd.DataFrame | None = None  # sobol/morris: point + SALib's raw sample matrix
    # per-run event tables, read on demand: an object with `event_tables` (names) and
    # `events(name, design=False)` (a loaded sweep store); None when there are none
    events: Any = None

    @property
    def metrics(self) -> list[str]:
        """Metrics with at least one finite end-of-run value, in registry order."""
        return [m for m in _ordered(self.summary.columns) if _finite(self.summary[m])]

    @property
    def series_metrics(self) -> list[str]:
        if self.series is None:
            return []
        return [m for m in _ordered(self.series.columns) if _finite(self.series[m])]

    def runs(self, means: Sequence[str] = ()) -> pd.DataFrame:
        """The design joined to the summary on run id (successful runs only); the metrics in
        `means` are their time means over steps 1..n instead of end values, when the store
        has them (for per-step flows such as usefulness or oversight cost)."""
        summary = self.summary
        have = [m for m in means if self.time_means is not None and m in self.time_means]
        if have:
            summary = summary.drop(columns=have).merge(
                self.time_means[[RUN, *have]], on=RUN, how="left"
            )
        return self.design.merge(summary, on=RUN, how="inner")

    def levels(self, by: str) -> list:
        """The levels of a grouping column in their natural order: interventions as the spec
        lists them (the first is the control), arms as given, numbers ascending."""
        present = list(pd.unique(self.design[by].dropna()))
        if by == "intervention" and self.manifest.get("interventions"):
            order = [k for k in self.manifest["interventions"] if k in present]
            return order + [v for v in present if v not in order]
        if by in ("intervention", "arm", "scenario"):
            return present
        return sorted(present)

    def group_factor(self, max_levels: int = 8) -> str | None:
        """What to compare groups by: the interventions (or the dashboard's arms) when there
        are 2..max_levels of them, else the varied parameter with the fewest levels in that
        range (a grid axis), else the scenario ensemble; None for continuous designs."""

        def levels(c: str) -> int:
            return self.design[c].nunique() if c in self.design else 0

        for first in ("intervention", "arm"):
            if 2 <= levels(first) <= max_levels:
                return first
        axes = [c for c in self.params if 2 <= levels(c) <= max_levels]
        if axes:
            return min(axes, key=levels)
        return "scenario" if 2 <= levels("scenario") <= max_levels else None


def _ordered(columns) -> list[str]:
    """Metric columns, registry order first (a store's columns are the metrics it recorded;
    columns not in the registry, e.g. of a component added later, follow by name)."""
    present = [c for c in columns if c not in NON_PARAMS and c != "step"]
    known = [m for m in METRICS if m in present]
    return known + sorted(c for c in present if c not in METRICS)


def _finite(col: pd.Series) -> bool:
    try:
        return bool(np.isfinite(col.to_numpy(dtype=float)).any())
    except (TypeError, ValueError):
        return False


def frames(obj: Any) -> Frames:
    """Normalise a sweep folder, a loaded store, Frames or single runs to `Frames`."""
    if isinstance(obj, Frames):
        return obj
    if isinstance(obj, str | Path):
        from analysis.storeio import open_store

        return open_store(Path(obj))
    if isinstance(obj, Mapping):
        return from_runs(obj)
    if isinstance(obj, Sequence):
        return from_runs({"": obj})
    if hasattr(obj, "design") and hasattr(obj, "summary"):
        from analysis.storeio import from_store

        return from_store(obj)
    raise ConfigError(f"cannot read figures from a {type(obj).__name__}")


@dataclass
class RunEvents:
    """Event tables of single runs (`RunResult.extra`), shaped like a sweep store's."""

    tables: dict[str, pd.DataFrame]

    @property
    def event_tables(self) -> list[str]:
        return sorted(self.tables)

    def events(self, name: str, run_ids=None, columns=None, design: bool = False) -> pd.DataFrame:
        df = self.tables[name]
        if run_ids is not None:
            df = df[df[RUN].isin(list(run_ids))]
        return (df[[RUN, *columns]] if columns else df).reset_index(drop=True)


def from_runs(arms: Mapping[str, Sequence[Any]]) -> Frames:
    """Frames from single runs: `RunResult`s or series DataFrames, grouped by arm name."""
    design, series, scenarios, tables = [], [], set(), {}
    for arm, runs in arms.items():
        for run in runs:
            rid = len(design)
            s = run.series if hasattr(run, "series") else run
            design.append({RUN: rid, "seed": getattr(run, "seed", rid), "arm": arm})
            if hasattr(run, "config"):
                scenarios.add(run.config.id)
            series.append(s.assign(**{RUN: rid}))
            for name, table in (getattr(run, "extra", None) or {}).items():
                tables.setdefault(name, []).append(table.assign(**{RUN: rid}))
    if not design:
        raise ConfigError("no runs to plot")
    d = pd.DataFrame(design)
    if d["arm"].nunique() < 2:
        d = d.drop(columns="arm")
    ser = pd.concat(series, ignore_index=True)
    summary = ser.sort_values("step").groupby(RUN, as_index=False).last().drop(columns="step")
    manifest = {"bases": {s: {"id": s} for s in sorted(scenarios)}}
    events = RunEvents({k: pd.concat(v, ignore_index=True) for k, v in tables.items()})
    return Frames(
        d, summary, ser, manifest=manifest, kind="runs", events=events if tables else None
    )
