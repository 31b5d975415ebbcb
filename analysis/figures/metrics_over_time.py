"""Metrics over time: the mean across replications at each recorded step with its CI band,
one line per level of the sweep's grouping factor (or per dashboard arm), one panel per
metric. Works on a sweep store and on a list of single runs (seeds) alike."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.data import RUN, frames
from analysis.figures import Needs
from analysis.figures._common import cell, facets, group_name, group_values, pick_metrics
from analysis.stats import aggregate

NAME = "metrics_over_time"
TITLE = "Metrics over time (mean and CI across replications)"
NEEDS = Needs(series=True)


def data(
    store_or_frames,
    metrics: Sequence[str] | None = None,
    by: str | None = "auto",
    level: float = 0.95,
    method: str = "t",
) -> pd.DataFrame:
    """Tidy: [by], step, metric, n, mean, sd, lo, hi, method, level."""
    f = frames(store_or_frames)
    if f.series is None:
        from analysis.figures import Unavailable

        raise Unavailable("the sweep recorded final values only (no time series)")
    chosen = pick_metrics(f.series_metrics, metrics, f.series)
    by = f.group_factor() if by == "auto" else by
    keys = [by] if by else []
    ser = f.series[[RUN, "step", *chosen]]
    if by:
        ser = ser.merge(f.design[[RUN, by]], on=RUN, how="inner")
    out = aggregate(ser, chosen, by=[*keys, "step"], level=level, method=method)
    out.attrs.update(levels=group_values(f, by), by=by, metrics=chosen)
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    metrics, by = df.attrs["metrics"], df.attrs.get("by")
    fig = facets([theme.label(m) for m in metrics], title)
    groups = df.attrs["levels"]
    for i, m in enumerate(metrics):
        for g, gv in enumerate(groups):
            part = df[(df["metric"] == m) & ((df[by] == gv) if by else True)]
            part = part.sort_values("step")
            _line(fig, part, theme.colour(g), group_name(by, gv), show=i == 0, where=cell(i))
        fig.update_xaxes(title_text="step", **cell(i))
    fig.update_layout(showlegend=by is not None, legend_title_text="")
    return fig


def _line(fig: go.Figure, part: pd.DataFrame, colour: str, name: str, show: bool, where) -> None:
    theme.ci_band(fig, part["step"], part["lo"], part["hi"], colour, name, **where)
    fig.add_trace(
        go.Scatter(
            x=part["step"],
            y=part["mean"],
            mode="lines",
            name=name,
            legendgroup=name,
            showlegend=show,
            line=dict(color=colour, width=2),
            customdata=part[["lo", "hi", "n"]],
            hovertemplate="step %{x}: %{y:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}]"
            " n=%{customdata[2]}<extra>" + name + "</extra>",
        ),
        **where,
    )
