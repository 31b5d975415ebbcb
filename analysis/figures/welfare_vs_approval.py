"""Welfare against approval over time: the mean path of each design point (one per
combination of the sweep's varied factors, or each dashboard arm) through the
approval-welfare plane, from the start (open circle) to the end (filled). A path that moves
right and down is Goodhart's law at work: the proxy rises as the target falls. A design point
with no finished run yet has no path (the subtitle names it)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import legend_below
from analysis.stats import aggregate

NAME = "welfare_vs_approval"
TITLE = "Welfare against approval over time (mean path)"
NEEDS = Needs(series=True, metrics=("approval", "welfare"))
XY = ["approval", "welfare"]


def data(store_or_frames, by: str | None = "auto", pool: bool = False) -> pd.DataFrame:
    """One row per design point and step: each varied factor, step, approval, welfare
    (means), n. attrs: keys, styles, missing, finding."""
    f: Frames = frames(store_or_frames)
    if f.series is None or not set(XY) <= set(f.series_metrics):
        raise Unavailable("needs time series of approval and welfare")
    by = f.group_factor() if by == "auto" else by
    sp = design.split(f, by, pool, lines=True)
    ser = f.series[[RUN, "step", *XY]]
    if sp.keys:
        ser = ser.merge(f.design[[RUN, *sp.keys]], on=RUN)
    tidy = aggregate(ser, XY, by=[*sp.keys, "step"])
    out = tidy.pivot_table(index=[*sp.keys, "step"], columns="metric", values="mean")
    n = tidy.groupby([*sp.keys, "step"])["n"].min()
    out = out.join(n).reset_index()
    out.columns.name = None
    styles = design.styles(f, sp.keys)
    missing = [s.name for c, s in styles.items() if design.select(out, sp.keys, c).empty]
    out.attrs.update(by=by, keys=sp.keys, styles=styles, missing=missing, pooled=sp.note(),
                     finding=finding(out, sp.keys))  # fmt: skip
    return out


def finding(df: pd.DataFrame, keys: list[str]) -> str:
    """The path that gains most approval, and what its welfare did meanwhile."""
    moves = {}
    for key, g in df.groupby(keys, sort=False) if keys else [((), df)]:
        g = g.sort_values("step")
        if len(g) > 1:
            moves[key if isinstance(key, tuple) else (key,)] = g.iloc[[0, -1]]
    best = findings.strongest({k: v["approval"].diff().iloc[1] for k, v in moves.items()})
    if best is None:
        return ""
    a, b = moves[best].iloc[0], moves[best].iloc[1]
    da, dw = b["approval"] - a["approval"], b["welfare"] - a["welfare"]
    goodhart = " (Goodhart: the proxy rose as the target fell)" if da > 0 > dw else ""
    where = f"for {design.where(keys, best)}," if keys else ""
    return findings.sentence(
        where,
        f"mean approval moves by {findings.num(da)} and mean welfare by {findings.num(dw)} "
        f"from step {a['step']:g} to step {b['step']:g}{goodhart}",
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    keys = df.attrs.get("keys", [])
    fig = theme.figure(title)
    for combo, look in df.attrs["styles"].items():
        part = design.select(df, keys, combo).sort_values("step")
        if not part.empty:
            _path(fig, part, look)
    fig.update_xaxes(title_text=theme.label("approval"))
    fig.update_yaxes(title_text=theme.label("welfare"))
    fig.update_layout(showlegend=bool(keys))
    legend_below(fig, [s.name for s in df.attrs["styles"].values()])
    notes = [df.attrs.get("pooled", ""), _gaps(df.attrs.get("missing", []))]
    if any(notes):
        findings.subtitle(fig, "; ".join(n for n in notes if n))
    return fig


def _gaps(missing: list[str]) -> str:
    if not missing:
        return ""
    more = f" and {len(missing) - 2} more" if len(missing) > 2 else ""
    return "no finished run yet: " + "; ".join(missing[:2]) + more


def _path(fig: go.Figure, part: pd.DataFrame, look: design.Style) -> None:
    name = look.name or "mean"
    fig.add_trace(
        go.Scatter(
            x=part["approval"],
            y=part["welfare"],
            mode="lines",
            name=name,
            legendgroup=name,
            line=dict(color=look.colour, width=2, dash=look.dash),
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
            marker=dict(
                color=["white", look.colour],
                size=9,
                symbol=look.symbol,
                line=dict(color=look.colour, width=2),
            ),
            showlegend=False,
            hoverinfo="skip",
        )
    )
