"""The drift ledger as a waterfall: the welfare lost at each link of the delegation chain
(`drift_level_<k>`, mean over replications of each run's time mean, with 95% CI), from the
mandate down to what is implemented, and the total (the levels' losses add up to it; see
sim/mechanisms/delegation.py). A tall early bar means drift starts at the top."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.stats import mean_ci

NAME = "drift_ledger"
TITLE = "Drift ledger: welfare lost per delegation link"
LINK = re.compile(r"drift_level_(\d+)")
NEEDS = Needs(pattern=r"drift_level_\d+", pattern_help="drift_level_<k> (a delegation chain)")


def _per_run(f: Frames, cols: list[str]) -> pd.DataFrame:
    """Each run's time mean of each link's loss (the store's `_mean`, else from the series,
    else its final value)."""
    if f.time_means is not None and set(cols) <= set(f.time_means.columns):
        return f.time_means[[RUN, *cols]]
    if f.series is not None and set(cols) <= set(f.series.columns):
        body = f.series[f.series["step"] > 0]
        return body.groupby(RUN, as_index=False)[cols].mean()
    return f.summary[[RUN, *cols]]


def data(store_or_frames) -> pd.DataFrame:
    """One row per link and one total: link, loss, lo, hi, n, measure (relative | total)."""
    f: Frames = frames(store_or_frames)
    cols = sorted((c for c in f.metrics if LINK.fullmatch(c)), key=lambda c: int(c[12:]))
    if not cols:
        raise Unavailable("needs drift_level_<k> metrics (a delegation chain)")
    runs = _per_run(f, cols)
    finite = runs[cols].notna().any(axis=0)
    cols = [c for c in cols if finite[c]]
    rows = [(f"level {c[12:]}", *mean_ci(runs[c]), "relative", c) for c in cols]
    rows.append(("total", *mean_ci(runs[cols].sum(axis=1, min_count=1)), "total", ""))
    out = pd.DataFrame(rows, columns=["link", "loss", "lo", "hi", "n", "measure", "metric"])
    out.attrs.update(unit=theme.unit(cols[0]))
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    fig = theme.figure(title)
    unit = df.attrs.get("unit", "")
    fig.add_trace(
        go.Waterfall(
            x=df["link"],
            y=-df["loss"],
            measure=df["measure"],
            base=0,
            decreasing=dict(marker_color=theme.colour(5)),
            increasing=dict(marker_color=theme.colour(2)),
            totals=dict(marker_color="#555555"),
            connector=dict(line=dict(color="#999999", width=1, dash="dot")),
            customdata=np.c_[df["lo"], df["hi"], df["n"]],
            hovertemplate="%{x}: loss %{customdata[0]:.3g} to %{customdata[1]:.3g} "
            "(95% CI), n=%{customdata[2]}<extra></extra>",
            showlegend=False,
        )
    )
    cum = np.cumsum(np.where(df["measure"] == "relative", -df["loss"], 0))
    end = np.where(df["measure"] == "total", -df["loss"], cum)
    fig.add_trace(
        go.Scatter(
            x=df["link"],
            y=end,
            mode="markers",
            marker=dict(size=0.1, color="rgba(0,0,0,0)"),
            error_y=dict(
                type="data",
                symmetric=False,
                array=(df["loss"] - df["lo"]).to_numpy(),
                arrayminus=(df["hi"] - df["loss"]).to_numpy(),
                color=theme.INK,
                thickness=1.2,
                width=4,
            ),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_xaxes(title_text="delegation link (from the mandate down)", type="category")
    label = f"welfare change ({unit})" if unit else "welfare change"
    fig.update_yaxes(title_text=label, zeroline=True, zerolinecolor="#888888")
    return fig
