"""Welfare against approval over time: the mean path of each group (or each dashboard arm)
through the approval-welfare plane, from the start (open circle) to the end (filled). A path
that moves right and down is Goodhart's law at work: the proxy rises as the target falls."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures._common import group_name, group_values
from analysis.stats import aggregate

NAME = "welfare_vs_approval"
TITLE = "Welfare against approval over time (mean path)"
NEEDS = Needs(series=True, metrics=("approval", "welfare"))


def data(store_or_frames, by: str | None = "auto") -> pd.DataFrame:
    """One row per group and step: [by], step, approval, welfare (means), n."""
    f: Frames = frames(store_or_frames)
    if f.series is None or not {"approval", "welfare"} <= set(f.series_metrics):
        raise Unavailable("needs time series of approval and welfare")
    by = f.group_factor() if by == "auto" else by
    keys = [by] if by else []
    ser = f.series[[RUN, "step", "approval", "welfare"]]
    if by:
        ser = ser.merge(f.design[[RUN, by]], on=RUN)
    tidy = aggregate(ser, ["approval", "welfare"], by=[*keys, "step"])
    out = tidy.pivot_table(index=[*keys, "step"], columns="metric", values="mean").reset_index()
    n = tidy.groupby([*keys, "step"])["n"].min().reset_index(drop=True)
    out = out.assign(n=n.to_numpy())
    out.columns.name = None
    out.attrs.update(levels=group_values(f, by), by=by)
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    by = df.attrs.get("by")
    fig = theme.figure(title)
    for g, gv in enumerate(df.attrs["levels"]):
        part = (df[df[by] == gv] if by else df).sort_values("step")
        c, name = theme.colour(g), group_name(by, gv)
        fig.add_trace(
            go.Scatter(
                x=part["approval"],
                y=part["welfare"],
                mode="lines",
                name=name,
                legendgroup=name,
                line=dict(color=c, width=2),
                customdata=part["step"],
                hovertemplate="step %{customdata}: approval %{x:.3g}, welfare %{y:.3g}"
                "<extra>" + name + "</extra>",
            )
        )
        ends = part.iloc[[0, -1]]
        fig.add_trace(
            go.Scatter(
                x=ends["approval"],
                y=ends["welfare"],
                mode="markers",
                legendgroup=name,
                marker=dict(color=["white", c], size=10, line=dict(color=c, width=2)),
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(title_text=theme.label("approval"))
    fig.update_yaxes(title_text=theme.label("welfare"))
    return fig.update_layout(showlegend=by is not None)
