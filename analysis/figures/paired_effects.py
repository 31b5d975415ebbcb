"""Paired effects: each level of the sweep's grouping factor (the interventions, else a grid
axis) against its first (control) level, on common random numbers. Runs are paired when they
agree on the seed, the scenario, the replication and every other varied parameter, so the
difference cancels the noise they share; the thin grey bar behind each paired CI is the
unpaired (Welch) interval, to show what the pairing bought."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures._common import cell, facets, factor_and_metrics, group_name
from analysis.stats import paired_differences

NAME = "paired_effects"
TITLE = "Paired effects against the control (common random numbers)"
NEEDS = Needs(factor=True)
IDS = ("scenario", "intervention", "arm", "replication", "seed")


def data(
    store_or_frames,
    metrics: Sequence[str] | None = None,
    by: str | None = None,
    control=None,
    level: float = 0.95,
    method: str = "t",
) -> pd.DataFrame:
    """Tidy: factor, level, control, metric, n_pairs, diff, lo, hi, unpaired_lo, unpaired_hi."""
    f: Frames = frames(store_or_frames)
    by, chosen = factor_and_metrics(f, by, metrics)
    runs = f.runs()
    control = f.levels(by)[0] if control is None else control
    keys = [c for c in (*IDS, *f.params) if c in f.design and c != by]
    if by not in f.params and "point" in f.design:
        keys.append("point")
    parts = [paired_differences(runs, m, by, control, keys, level, method) for m in chosen]
    out = pd.concat(parts, ignore_index=True)
    if out.empty or out["n_pairs"].max() < 2:
        raise Unavailable(
            f"fewer than 2 pairs of runs share a seed across levels of {by}: "
            "the sweep did not use common random numbers"
        )
    out.attrs.update(by=by, metrics=chosen, control=control)
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    metrics, by, control = df.attrs["metrics"], df.attrs["by"], df.attrs["control"]
    titles = [f"Δ {theme.label(m)}" for m in metrics]
    fig = facets(titles, title, shared_yaxes=True)  # one set of level labels per row
    fig.update_layout(
        title_subtitle_text=f"control: {group_name(by, control)}; blue: paired 95% CI, "
        "grey: unpaired (Welch) 95% CI",
        margin_t=100,
    )
    for i, m in enumerate(metrics):
        part = df[df["metric"] == m]
        y = [group_name(by, v) for v in part["level"]]
        _whisker(fig, part["unpaired_lo"], part["unpaired_hi"], y, "#BBBBBB", 9, cell(i))
        _whisker(fig, part["lo"], part["hi"], y, theme.colour(0), 3, cell(i))
        fig.add_trace(
            go.Scatter(
                x=part["diff"],
                y=y,
                mode="markers",
                marker=dict(color=theme.colour(0), size=9),
                showlegend=False,
                customdata=part[["lo", "hi", "n_pairs"]],
                hovertemplate="%{y}: Δ %{x:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}]"
                " pairs=%{customdata[2]}<extra></extra>",
            ),
            **cell(i),
        )
        fig.add_vline(x=0, line=dict(color="#888888", width=1, dash="dot"), **cell(i))
    return fig


def _whisker(fig, lo, hi, y, colour, width, where) -> None:
    xs, ys = [], []
    for a, b, label in zip(lo, hi, y, strict=True):
        xs += [a, b, None]
        ys += [label, label, None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color=colour, width=width),
            hoverinfo="skip",
            showlegend=False,
        ),
        **where,
    )
