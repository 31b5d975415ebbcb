"""The tidy frames every figure takes (`Frames`: design joined to results on run id), apart
from the readers that build them (analysis/data.py for single runs, analysis/storeio.py for
sweep stores), so both readers import this module and neither imports the other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.components import METRICS

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
    # per-run outcomes that are not metrics: a tail sweep's run_id + tail_* columns
    # (sim/sweep/tail.py); None for other stores and single runs
    outcomes: pd.DataFrame | None = None

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
