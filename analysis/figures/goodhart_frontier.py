"""The Goodhart frontier: end-of-run approval (the proxy) against welfare (the target), one
point per design (mean and CI over replications), the Pareto-efficient designs joined by a
line (see analysis/frontiers.py). Points are coloured by the varied factor with most levels
(on a log scale when its levels are log-spaced) and marked by symbol for the next one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, frontiers, theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import legend_below, short

NAME = "goodhart_frontier"
TITLE = "Goodhart frontier: approval against welfare"
NEEDS = Needs(metrics=("approval", "welfare"))
X, Y = "approval", "welfare"


def design_columns(f: Frames) -> list[str]:
    """What identifies a design point: every varied factor (parameters, interventions,
    scenarios, arms), the one with most levels first; else the run."""
    cols = design.varied(f) or [c for c in f.params if c in f.design]
    if not cols:
        return ["arm"] if "arm" in f.design else [RUN]
    return sorted(cols, key=lambda c: -f.design[c].nunique())


def encoding(f: Frames, cols: list[str]) -> dict:
    """How points show their design: colour (log when log-spaced) and symbol columns."""
    return dict(colour=cols[0], log=design.is_log(f, cols[0]),
                symbol=cols[1] if len(cols) > 1 else None)  # fmt: skip


def data(store_or_frames, x: str = X, y: str = Y) -> pd.DataFrame:
    """One row per design: its columns, x, x_lo, x_hi, y, y_lo, y_hi, n, on_front."""
    f: Frames = frames(store_or_frames)
    cols = design_columns(f)
    pts = frontiers.design_means(f.runs(), cols, [x, y]).dropna(subset=[x, y])
    if len(pts) < 2:
        raise Unavailable(f"needs 2+ designs with finite {x} and {y}")
    out = frontiers.frontier(pts, x, y)
    out.attrs.update(x=x, y=y, design=cols, **encoding(f, cols))
    out.attrs["finding"] = finding(out, x, y)
    return out


def finding(df: pd.DataFrame, x: str, y: str) -> str:
    """How many designs are on the front, and what the highest-x design costs in y against
    the best-y design."""
    cols = df.attrs["design"]
    hi_x, hi_y = df.loc[df[x].idxmax()], df.loc[df[y].idxmax()]

    def where(r) -> str:
        return design.where(cols, tuple(r[cols])) if cols != [RUN] else f"run {r[RUN]}"

    lead = f"{int(df['on_front'].sum())} of {len(df)} designs are on the front"
    if hi_x.name == hi_y.name:
        return findings.sentence(f"{lead}; {where(hi_x)} has both the highest {x} and {y}")
    return findings.sentence(
        f"{lead}; the highest {x} ({where(hi_x)}: {findings.value(hi_x, x)}) comes with "
        f"{findings.value(hi_x, y)}, "
        f"against {findings.value(hi_y, y)} at {where(hi_y)}",
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    fig = scatter_front(df, title, df.attrs["x"], df.attrs["y"])
    symbol_legend(fig, df)
    return fig


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
    return fig


def _points(df: pd.DataFrame, x: str, y: str, c: str, numeric: bool, first: bool) -> go.Scatter:
    marker = dict(size=9, color=theme.colour(0), line=dict(width=0.5, color="white"))
    sym = df.attrs.get("symbol")
    if sym:
        levels = list(dict.fromkeys(sorted(df[sym].unique())))
        marker["symbol"] = [design.SYMBOLS[levels.index(v) % 6] for v in df[sym]]
    if numeric:
        marker.update(_colour_scale(df[c], c, df.attrs.get("log", False), first))
    elif c != RUN:  # categories (interventions, arms): palette colours, named in the legend
        levels = list(dict.fromkeys(df[c]))
        marker["color"] = [theme.colour(levels.index(v)) for v in df[c]]
    tag = df[[c, sym]].astype(str).agg(" · ".join, axis=1) if sym else df[c].astype(str)
    return go.Scatter(
        x=df[x],
        y=df[y],
        mode="markers",
        marker=marker,
        showlegend=False,
        error_x=_err(df, x),
        error_y=_err(df, y),
        customdata=np.c_[tag],
        hovertemplate=f"{short(c)}{' · ' + short(sym) if sym else ''} %{{customdata[0]}}: "
        f"{x} %{{x:.3g}}, {y} %{{y:.3g}}<extra></extra>",
    )


def _colour_scale(values: pd.Series, c: str, log: bool, first: bool) -> dict:
    """Marker colours on a continuous scale; a log-spaced parameter is coloured by its log,
    with ticks at its own levels (1, 4, 16 then read as equally far apart)."""
    v = values.to_numpy(dtype=float)
    levels = np.unique(v[np.isfinite(v)])
    z = np.log10(v) if log and (levels > 0).all() else v
    bar = dict(
        title=dict(text=short(c).replace("_", " "), font_size=12, side="right"),
        thickness=12,
        tickfont_size=11,
    )
    if log and (levels > 0).all():
        bar.update(tickvals=np.log10(levels).tolist(), ticktext=[f"{u:g}" for u in levels])
    return dict(color=z, colorscale="Viridis", showscale=first, colorbar=bar)


def symbol_legend(fig: go.Figure, df: pd.DataFrame) -> None:
    """Legend entries for what is not on a colour bar: one per symbol (the design's second
    factor) and one per colour of a categorical first factor; then the legend goes under
    the plot."""
    c, sym = df.attrs["colour"], df.attrs.get("symbol")
    keys = []
    if c != RUN and not pd.api.types.is_numeric_dtype(df[c]):
        keys += [(design.name([c], [v]), "circle", theme.colour(i))
                 for i, v in enumerate(dict.fromkeys(df[c]))]  # fmt: skip
    if sym:
        keys += [(design.name([sym], [v]), design.SYMBOLS[i % 6], "#777777")
                 for i, v in enumerate(sorted(df[sym].unique()))]  # fmt: skip
    for name, symbol, colour in keys:
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="markers", name=name,
                       marker=dict(symbol=symbol, color=colour, size=9))
        )  # fmt: skip
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    legend_below(fig, names, right=0)


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
