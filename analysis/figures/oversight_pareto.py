"""The Pareto front of oversight designs: safety against usefulness (left) and against
oversight cost (right), one point per design with CIs (Greenblatt et al. 2024, "AI control":
protocols compared on the safety-usefulness plane). Lower cost is better. Safety is the
end-of-run value (it is cumulative); usefulness and oversight cost are per-step flows, so
each run contributes its time mean when the store has it."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, frontiers, theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import facets
from analysis.figures.goodhart_frontier import (
    design_columns,
    encoding,
    scatter_front,
    symbol_legend,
)

NAME = "oversight_pareto"
TITLE = "Oversight designs: safety against usefulness and cost"
NEEDS = Needs(metrics=("safety",), any_metrics=("usefulness", "oversight_cost"))
PANELS = (("usefulness", True), ("oversight_cost", False))  # (metric, maximise it)
FLOWS = ("usefulness", "oversight_cost")  # per-step metrics: use each run's time mean


def data(store_or_frames) -> pd.DataFrame:
    """One row per design: safety, usefulness, oversight_cost (each with _lo/_hi), n and
    `front_<metric>` flags for each panel's Pareto front."""
    f: Frames = frames(store_or_frames)
    panels = [(m, up) for m, up in PANELS if m in f.metrics]
    cols = design_columns(f)
    metrics = ["safety", *(m for m, _ in panels)]
    runs = f.runs(means=FLOWS)
    pts = frontiers.design_means(runs, cols, metrics).dropna(subset=["safety"])
    if len(pts) < 2 or not panels:
        raise Unavailable("needs 2+ designs with safety and usefulness or oversight_cost")
    for m, up in panels:
        pts[f"front_{m}"] = frontiers.pareto_mask(pts[[m, "safety"]].to_numpy(), [up, True])
    timed = f.time_means is not None
    pts.attrs.update(panels=[m for m, _ in panels], design=cols, timed=timed, **encoding(f, cols))
    pts.attrs["finding"] = finding(pts)
    return pts


def finding(df: pd.DataFrame) -> str:
    """The safest design, and what it gives up on the first panel's metric against the
    design best on that metric."""
    m, up = df.attrs["panels"][0], dict(PANELS)[df.attrs["panels"][0]]
    cols = df.attrs["design"]
    safe = df.loc[df["safety"].idxmax()]
    best = df.loc[df[m].idxmax() if up else df[m].idxmin()]

    def at(r) -> str:
        return design.where(cols, tuple(r[cols]))

    if safe.name == best.name:
        return findings.sentence(f"{at(safe)} is both the safest and the best on {m}")
    return findings.sentence(
        f"the safest design ({at(safe)}: {findings.value(safe, 'safety')}) has "
        f"{findings.value(safe, m)}, "
        f"against {findings.value(best, m)} at {at(best)}"
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    panels = df.attrs["panels"]
    fig = facets([f"safety vs {p.replace('_', ' ')}" for p in panels], title)
    for i, m in enumerate(panels):
        scatter_front(df, title, m, "safety", front=f"front_{m}", fig=fig, row=1, col=i + 1)
        if df.attrs.get("timed"):
            fig.update_xaxes(title_text=f"{theme.label(m)}, time mean", row=1, col=i + 1)
    fig.update_layout(height=theme.HEIGHT + 40)
    findings.subtitle(fig, "ringed and joined: the Pareto-efficient designs")
    symbol_legend(fig, df)
    return fig
