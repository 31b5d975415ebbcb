"""Phase diagram: the end-of-run mean of one metric over two varied parameters, as a heatmap.
Grid values are one cell each (axes as categories); continuous designs such as LHS, Monte
Carlo or Sobol are binned, on a log scale for parameters declared `log`. Each cell's hover
gives the mean, its t CI across the runs in it and their number, so a sharp edge (a regime
change: the point where a mechanism stops working) can be told from noise. Works on any
sweep store with two or more varied parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures._common import short
from analysis.stats import aggregate

NAME = "phase_diagram"
TITLE = "Phase diagram"
NEEDS = Needs(params=2, standard=False)  # the dashboard picks its axes
MAX_LEVELS = 15  # more distinct values than this on an axis: bin it
PREFERRED = ("welfare", "approval")


def _choose(f: Frames, metric: str | None, x: str | None, y: str | None) -> tuple[str, str, str]:
    if len(f.params) < 2:
        raise Unavailable("needs two varied parameters")
    metric = metric or next((m for m in PREFERRED if m in f.metrics), None)
    metric = metric or (f.metrics[0] if f.metrics else None)
    if metric not in f.metrics:
        raise Unavailable(f"metric not recorded: {metric}")
    x = x or f.params[0]
    y = y or next(p for p in f.params if p != x)
    for axis, name in (("x", x), ("y", y)):
        if name not in f.params:
            raise Unavailable(f"{axis} = {name!r} is not a varied parameter of this sweep")
    if x == y:
        raise Unavailable("x and y must be different parameters")
    return metric, x, y


def _cells(values: pd.Series, n_runs: int) -> tuple[pd.Series, bool]:
    """Each run's cell value on one axis: the value itself, or its bin centre."""
    if values.nunique() <= MAX_LEVELS or not pd.api.types.is_numeric_dtype(values):
        return values, False
    k = int(np.clip(np.sqrt(n_runs / 3), 4, MAX_LEVELS))
    v = values.to_numpy(dtype=float)
    log = _is_log(values.name) and (v > 0).all()
    edges = np.linspace(*(np.log10([v.min(), v.max()]) if log else (v.min(), v.max())), k + 1)
    idx = np.clip(np.digitize(np.log10(v) if log else v, edges[1:-1]), 0, k - 1)
    centres = (edges[:-1] + edges[1:]) / 2
    return pd.Series(10 ** centres[idx] if log else centres[idx], index=values.index), True


def _is_log(path: str) -> bool:
    from sim.params import PARAMS

    return path in PARAMS and PARAMS[path].log


def data(
    store_or_frames, metric: str | None = None, x: str | None = None, y: str | None = None
) -> pd.DataFrame:
    """Tidy, one row per cell: x, y, n, mean, sd, lo, hi (t interval across the runs of the
    cell); attrs: metric, x, y, binned."""
    f = frames(store_or_frames)
    metric, x, y = _choose(f, metric, x, y)
    runs = f.runs()[[x, y, metric]].dropna()
    if runs.empty:
        raise Unavailable(f"no finished run has a finite {metric}")
    cx, bx = _cells(runs[x], len(runs))
    cy, by = _cells(runs[y], len(runs))
    cells = pd.DataFrame({"x": cx, "y": cy, metric: runs[metric]})
    out = aggregate(cells, [metric], by=["x", "y"]).drop(columns="metric")
    out.attrs.update(metric=metric, x=x, y=y, binned_x=bx, binned_y=by)
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    wide = df.pivot_table(index="y", columns="x", values="mean", aggfunc="first", sort=True)
    info = [
        df.pivot_table(index="y", columns="x", values=v, aggfunc="first", sort=True)
        .reindex(index=wide.index, columns=wide.columns)
        .to_numpy()
        for v in ("lo", "hi", "n")
    ]
    binned = " (binned)" if a["binned_x"] or a["binned_y"] else ""
    fig = theme.figure(f"{title}: {theme.label(a['metric'])}{binned}")
    fig.add_trace(
        go.Heatmap(
            x=list(wide.columns),
            y=list(wide.index),
            z=wide.to_numpy(),
            customdata=np.dstack(info),
            colorscale="Viridis",
            colorbar=dict(title=short(a["metric"]), thickness=12),
            hovertemplate=f"{short(a['x'])} %{{x}}, {short(a['y'])} %{{y}}<br>"
            "mean %{z:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}] "
            "n=%{customdata[2]}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=theme.label(a["x"]), type=_axis_type(a["x"], a["binned_x"]))
    fig.update_yaxes(title_text=theme.label(a["y"]), type=_axis_type(a["y"], a["binned_y"]))
    return fig


def _axis_type(path: str, binned: bool) -> str:
    """Grid values are categories (one cell each, evenly spaced); binned values keep their
    scale (log for parameters declared `log`)."""
    if not binned:
        return "category"
    return "log" if _is_log(path) else "linear"
