"""End-of-run metrics per level of the sweep's grouping factor: mean and CI across
replications (dot and whisker), one panel per metric."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.data import Frames, frames
from analysis.figures import Needs
from analysis.figures._common import cell, facets, factor_and_metrics
from analysis.stats import aggregate

NAME = "final_metrics"
TITLE = "End-of-run metrics by design (mean and CI across replications)"
NEEDS = Needs(factor=True)


def data(
    store_or_frames,
    metrics: Sequence[str] | None = None,
    by: str | None = None,
    level: float = 0.95,
    method: str = "t",
) -> pd.DataFrame:
    """Tidy: by-value, metric, n, mean, sd, lo, hi, method, level."""
    f: Frames = frames(store_or_frames)
    by, chosen = factor_and_metrics(f, by, metrics)
    out = aggregate(f.runs(), chosen, by=[by], level=level, method=method)
    out.attrs.update(levels=f.levels(by), by=by, metrics=chosen)
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    metrics, by = df.attrs["metrics"], df.attrs["by"]
    fig = facets([theme.label(m) for m in metrics], title)
    for i, m in enumerate(metrics):
        part = df[df["metric"] == m].set_index(by).reindex(df.attrs["levels"]).reset_index()
        fig.add_trace(
            go.Scatter(
                x=part[by].astype(str),
                y=part["mean"],
                mode="markers",
                marker=dict(color=theme.colour(0), size=9),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=part["hi"] - part["mean"],
                    arrayminus=part["mean"] - part["lo"],
                    thickness=1.5,
                    width=5,
                ),
                showlegend=False,
                customdata=part[["lo", "hi", "n"]],
                hovertemplate="%{x}: %{y:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}]"
                " n=%{customdata[2]}<extra></extra>",
            ),
            **cell(i),
        )
        fig.update_xaxes(title_text=theme.label(by), type="category", **cell(i))
    return fig
