"""The Goodhart frontier: end-of-run approval (the proxy) against welfare (the target), one
point per design (mean and CI over replications), the Pareto-efficient designs joined by a
line (see analysis/frontiers.py). Points are coloured by the first varied parameter."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import frontiers, theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures._common import short

NAME = "goodhart_frontier"
TITLE = "Goodhart frontier: approval against welfare"
NEEDS = Needs(metrics=("approval", "welfare"))
X, Y = "approval", "welfare"


def design_columns(f: Frames) -> list[str]:
    """What identifies a design: the varied parameters, else the arm, else the run."""
    if f.params:
        return list(f.params)
    return ["arm"] if "arm" in f.design else [RUN]


def data(store_or_frames, x: str = X, y: str = Y) -> pd.DataFrame:
    """One row per design: its columns, x, x_lo, x_hi, y, y_lo, y_hi, n, on_front."""
    f: Frames = frames(store_or_frames)
    cols = design_columns(f)
    pts = frontiers.design_means(f.runs(), cols, [x, y]).dropna(subset=[x, y])
    if len(pts) < 2:
        raise Unavailable(f"needs 2+ designs with finite {x} and {y}")
    out = frontiers.frontier(pts, x, y)
    out.attrs.update(x=x, y=y, colour=cols[0], design=cols)
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    return scatter_front(df, title, df.attrs["x"], df.attrs["y"])


def scatter_front(
    df: pd.DataFrame, title: str, x: str, y: str, front: str = "on_front", **where
) -> go.Figure:
    """Design points with CIs and their Pareto front (shared with the oversight figure)."""
    given = where.pop("fig", None)
    fig = given or theme.figure(title)
    first = where.get("col", 1) == 1
    c = df.attrs["colour"]
    numeric = pd.api.types.is_numeric_dtype(df[c]) and c != RUN
    fig.add_trace(_points(df, x, y, c, numeric, first), **where)
    on = df[df[front]].sort_values(x)
    fig.add_trace(
        go.Scatter(
            x=on[x],
            y=on[y],
            mode="lines+markers",
            name="Pareto front",
            line=dict(color=theme.INK, width=1.5, dash="dash"),
            marker=dict(size=15, color="rgba(0,0,0,0)", line=dict(color=theme.INK, width=1.5)),
            hoverinfo="skip",
            showlegend=given is None,
        ),
        **where,
    )
    fig.update_xaxes(title_text=theme.label(x), **where)
    fig.update_yaxes(title_text=theme.label(y), **where)
    return fig.update_layout(legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))


def _points(df: pd.DataFrame, x: str, y: str, c: str, numeric: bool, first: bool) -> go.Scatter:
    marker = dict(size=9, color=theme.colour(0), line=dict(width=0.5, color="white"))
    if numeric:
        bar = dict(title=dict(text=short(c), font_size=12), thickness=12, tickfont_size=11)
        marker.update(color=df[c], colorscale="Viridis", showscale=first, colorbar=bar)
    return go.Scatter(
        x=df[x],
        y=df[y],
        mode="markers" if numeric else "markers+text",
        text=None if numeric else df[c].astype(str),
        textposition="top center",
        marker=marker,
        showlegend=False,
        error_x=_err(df, x),
        error_y=_err(df, y),
        customdata=df[[c]].astype(str),
        hovertemplate=f"{short(c)} %{{customdata[0]}}: {x} %{{x:.3g}}, {y} %{{y:.3g}}"
        "<extra></extra>",
    )


def _err(df: pd.DataFrame, m: str) -> dict:
    return dict(
        type="data",
        symmetric=False,
        array=df[f"{m}_hi"] - df[m],
        arrayminus=df[m] - df[f"{m}_lo"],
        thickness=1,
        width=0,
        color="#AAAAAA",
    )
