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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.frame import NON_PARAMS, RUN, Frames, _finite, _ordered  # noqa: F401
from analysis.storeio import from_store, open_store
from sim.errors import ConfigError


def frames(obj: Any) -> Frames:
    """Normalise a sweep folder, a loaded store, Frames or single runs to `Frames`."""
    if isinstance(obj, Frames):
        return obj
    if isinstance(obj, str | Path):
        return open_store(Path(obj))
    if isinstance(obj, Mapping):
        return from_runs(obj)
    if isinstance(obj, Sequence):
        return from_runs({"": obj})
    if hasattr(obj, "design") and hasattr(obj, "summary"):
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
    design, series, configs, tables = [], [], {}, {}
    for arm, runs in arms.items():
        for run in runs:
            rid = len(design)
            s = run.series if hasattr(run, "series") else run
            design.append({RUN: rid, "seed": getattr(run, "seed", rid), "arm": arm})
            if hasattr(run, "config"):
                configs.setdefault(run.config.id, run.config)
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
    # each scenario's parameters, as a sweep store's manifest holds them (one config per id:
    # the first run's; the arms of one scenario differ only in the design columns)
    manifest = {"bases": {s: configs[s].to_nested() for s in sorted(configs)}}
    events = RunEvents({k: pd.concat(v, ignore_index=True) for k, v in tables.items()})
    return Frames(
        d, summary, ser, manifest=manifest, kind="runs", events=events if tables else None
    )
