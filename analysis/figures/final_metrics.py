"""End-of-run metrics per level of the sweep's grouping factor: mean and CI across the
replications of each design point (dot and whisker), one marker series per level of every
other varied factor (side by side), one panel per metric."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import Frames, frames
from analysis.figures import Needs
from analysis.figures import _design as design
from analysis.figures._common import cell, facets, factor_and_metrics, legend_below
from analysis.stats import aggregate

NAME = "final_metrics"
TITLE = "End-of-run metrics by design (mean and CI across replications)"
NEEDS = Needs(factor=True)


def data(
    store_or_frames,
    metrics: Sequence[str] | None = None,
    by: str | None = None,
    pool: bool = False,
    level: float = 0.95,
    method: str = "t",
) -> pd.DataFrame:
    """Tidy: by-value, each other varied factor, metric, n, mean, sd, lo, hi, method, level.
    attrs: by, others, levels, metrics, styles (one per combination of others), finding."""
    f: Frames = frames(store_or_frames)
    sp, chosen = factor_and_metrics(f, by, metrics, pool)
    out = aggregate(f.runs(), chosen, by=sp.keys, level=level, method=method)
    out.attrs.update(
        levels=f.levels(sp.focus), by=sp.focus, others=list(sp.others), metrics=chosen,
        styles=design.styles(f, sp.others), pooled=sp.note(), finding=finding(out, sp, chosen[0]),
    )  # fmt: skip
    return out


def finding(df: pd.DataFrame, sp: design.Split, m: str) -> str:
    """Where metric `m` differs most between levels of the factor: its highest and lowest
    level there, each mean with its CI."""
    part = df[df["metric"] == m].dropna(subset=["mean"])
    spread = part.groupby(list(sp.others), dropna=False)["mean"] if sp.others else None
    if part[sp.focus].nunique() < 2:
        return ""
    if spread is not None:
        best = (spread.max() - spread.min()).idxmax()
        part = design.select(part, sp.others, best if isinstance(best, tuple) else (best,))
    top, low = part.loc[part["mean"].idxmax()], part.loc[part["mean"].idxmin()]
    where = f"at {design.where(sp.others, tuple(top[list(sp.others)]))}," if sp.others else ""
    return findings.sentence(
        where,
        f"{m.replace('_', ' ')} is highest with {design.where([sp.focus], [top[sp.focus]])} "
        f"({findings.num(top['mean'])}{findings.interval(top['lo'], top['hi'])}) and lowest "
        f"with {design.where([sp.focus], [low[sp.focus]])} "
        f"({findings.num(low['mean'])}{findings.interval(low['lo'], low['hi'])})",
        "; the intervals overlap" if top["lo"] <= low["hi"] else "",
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    metrics, by, others = df.attrs["metrics"], df.attrs["by"], df.attrs["others"]
    fig = facets([theme.label(m) for m in metrics], title)
    for i, m in enumerate(metrics):
        for combo, look in df.attrs["styles"].items():
            part = design.select(df[df["metric"] == m], others, combo)
            part = part.set_index(by).reindex(df.attrs["levels"]).reset_index()
            fig.add_trace(_dots(part, by, look, show=i == 0 and bool(others)), **cell(i))
        fig.update_xaxes(title_text=theme.label(by), type="category", tickangle=0, **cell(i))
    fig.update_layout(scattermode="group", scattergap=0.5, legend_title_text="")
    legend_below(fig, [s.name for s in df.attrs["styles"].values()])
    if df.attrs.get("pooled"):
        findings.subtitle(fig, df.attrs["pooled"])
    return fig


def _dots(part: pd.DataFrame, by: str, look: design.Style, show: bool) -> go.Scatter:
    name = look.name or "mean"
    return go.Scatter(
        x=[design.tick(v) for v in part[by]],
        y=part["mean"],
        mode="markers",
        name=name,
        legendgroup=name,
        offsetgroup=name,
        marker=dict(color=look.colour, size=9, symbol=look.symbol),
        error_y=dict(
            type="data",
            symmetric=False,
            array=part["hi"] - part["mean"],
            arrayminus=part["mean"] - part["lo"],
            thickness=1.5,
            width=4,
            color=look.colour,
        ),
        showlegend=show,
        customdata=part[["lo", "hi", "n"]],
        hovertemplate="%{x}: %{y:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}]"
        " n=%{customdata[2]}<extra>" + name + "</extra>",
    )
