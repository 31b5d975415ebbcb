"""Metrics over time: the mean across the replications of each design point at each recorded
step with its CI band, one line per combination of the sweep's varied factors (or per
dashboard arm), one panel per metric. Works on a sweep store and on a list of single runs
(seeds) alike."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import RUN, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import cell, facets, legend_below, pick_metrics
from analysis.stats import aggregate

NAME = "metrics_over_time"
TITLE = "Metrics over time (mean and CI across replications)"
NEEDS = Needs(series=True)


def data(
    store_or_frames,
    metrics: Sequence[str] | None = None,
    by: str | None = "auto",
    pool: bool = False,
    level: float = 0.95,
    method: str = "t",
) -> pd.DataFrame:
    """Tidy: each varied factor, step, metric, n, mean, sd, lo, hi, method, level. attrs:
    keys (the factors, one line per combination), styles, metrics, finding."""
    f = frames(store_or_frames)
    if f.series is None:
        raise Unavailable("the sweep recorded final values only (no time series)")
    chosen = pick_metrics(f.series_metrics, metrics, f.series)
    by = f.group_factor() if by == "auto" else by
    sp = design.split(f, by, pool, lines=True)
    ser = f.series[[RUN, "step", *chosen]]
    if sp.keys:
        ser = ser.merge(f.design[[RUN, *sp.keys]], on=RUN, how="inner")
    out = aggregate(ser, chosen, by=[*sp.keys, "step"], level=level, method=method)
    out.attrs.update(
        by=by, keys=sp.keys, metrics=chosen, styles=design.styles(f, sp.keys),
        pooled=sp.note(), finding=finding(out, sp.keys, chosen[0]),
        elections=election_interval(f),
    )  # fmt: skip
    return out


def election_interval(f) -> int | None:
    """The steps between elections when every run holds them on the same schedule (the
    design's `elections.interval`, else the scenarios' own), None when they differ or no
    run has politicians (the electoral component is off)."""
    if "elections.interval" in f.design:
        found = set(f.design["elections.interval"].dropna())
        counts = set(f.design.get("politicians.count", pd.Series([1])).dropna())
    else:
        bases = list((f.manifest.get("bases") or {}).values())
        found = {b.get("elections", {}).get("interval") for b in bases}
        counts = {b.get("politicians", {}).get("count", 0) for b in bases}
    if len(found) != 1 or None in found or not any(counts):
        return None
    return int(next(iter(found)))


def finding(df: pd.DataFrame, keys: list[str], m: str) -> str:
    """How far metric `m` moves from the first to the last step, where it moves most."""
    part = df[df["metric"] == m].dropna(subset=["mean"])
    if part.empty or part["step"].nunique() < 2:
        return ""
    first, last = part["step"].min(), part["step"].max()
    ends = {}
    for key, g in part.groupby(keys, sort=False) if keys else [((), part)]:
        g = g.set_index("step")
        if first in g.index and last in g.index:
            ends[key if isinstance(key, tuple) else (key,)] = g.loc[[first, last]]
    best = findings.strongest({k: v["mean"].iloc[1] - v["mean"].iloc[0] for k, v in ends.items()})
    if best is None:
        return ""
    a, b = ends[best].iloc[0], ends[best].iloc[1]
    where = f"for {design.where(keys, best)}," if keys else ""
    more = f" (the largest move of {len(ends)} lines)" if len(ends) > 1 else ""
    return findings.sentence(
        where,
        f"{m.replace('_', ' ')} goes from {findings.num(a['mean'])}"
        f"{findings.interval(a['lo'], a['hi'])} at step {first:g} to "
        f"{findings.num(b['mean'])}{findings.interval(b['lo'], b['hi'])} at step {last:g}{more}",
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    metrics, keys = df.attrs["metrics"], df.attrs["keys"]
    fig = facets([theme.label(m) for m in metrics], title)
    every = df.attrs.get("elections")
    axis = f"step (dotted: elections every {every})" if every else "step"
    for i, m in enumerate(metrics):
        for combo, look in df.attrs["styles"].items():
            part = design.select(df[df["metric"] == m], keys, combo).sort_values("step")
            _line(fig, part, look, show=i == 0, where=cell(i))
        fig.update_xaxes(title_text=axis, **cell(i))
    if every and not df.empty:
        election_marks(fig, len(metrics), range(every, int(df["step"].max()) + 1, every))
    fig.update_layout(showlegend=bool(keys), legend_title_text="")
    legend_below(fig, [s.name for s in df.attrs["styles"].values()])
    if df.attrs.get("pooled"):
        findings.subtitle(fig, df.attrs["pooled"])
    return fig


def election_marks(fig: go.Figure, panels: int, steps: range) -> None:
    """A dotted vertical line at each election step in every panel: one path shape per
    panel (x in data units, y over the panel's height), not a shape per line and panel,
    which plotly.py validates one at a time (10 elections x 4 panels took ~1 s)."""
    path = " ".join(f"M{s},0 V1" for s in steps)
    if not path:
        return
    shapes = list(fig.layout.shapes)
    for i in range(panels):
        sub = fig.get_subplot(**cell(i))
        x, y = sub.xaxis.plotly_name.replace("axis", ""), sub.yaxis.plotly_name.replace("axis", "")
        shapes.append(dict(type="path", path=path, xref=x, yref=f"{y} domain", layer="below",
                           line=dict(color="#999999", width=1, dash="dot")))  # fmt: skip
    fig.update_layout(shapes=shapes)


def _line(fig: go.Figure, part: pd.DataFrame, look: design.Style, show: bool, where) -> None:
    name = look.name or "mean"
    theme.ci_band(fig, part["step"], part["lo"], part["hi"], design.hex_colour(look.colour),
                  name, **where)  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=part["step"],
            y=part["mean"],
            mode="lines",
            name=name,
            legendgroup=name,
            showlegend=show,
            line=dict(color=look.colour, width=2, dash=look.dash),
            customdata=part[["lo", "hi", "n"]],
            hovertemplate="step %{x}: %{y:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}]"
            " n=%{customdata[2]}<extra>" + name + "</extra>",
        ),
        **where,
    )
