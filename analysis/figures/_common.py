"""Helpers shared by the figure modules: choosing metrics, facet grids, group labels."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import theme
from analysis.data import Frames
from analysis.figures._design import group_name, short, split  # noqa: F401  (shared)

MAX_PANELS = 6
# outcomes shown first when a figure picks its own metrics (names only: units come from
# sim.components.METRICS)
HEADLINE = (
    "welfare",
    "approval",
    "goodhart_gap",
    "safety",
    "usefulness",
    "catastrophes",
    "detection_rate",
    "oversight_cost",
)


def pick_metrics(
    available: Sequence[str], wanted: Sequence[str] | None, values: pd.DataFrame | None = None
) -> list[str]:
    """`wanted` (checked against what was recorded) or up to MAX_PANELS recorded metrics that
    vary in `values`, the headline outcomes first."""
    from analysis.figures import Unavailable

    if wanted:
        missing = [m for m in wanted if m not in available]
        if missing:
            raise Unavailable(f"metric not recorded: {', '.join(missing)}")
        return list(wanted)
    moving = [m for m in available if values is None or _varies(values[m])]
    ranked = [m for m in HEADLINE if m in moving] + [m for m in moving if m not in HEADLINE]
    if not ranked:
        raise Unavailable("no recorded metric varies across runs")
    return ranked[:MAX_PANELS]


def factor_and_metrics(
    f: Frames, by: str | None, metrics: Sequence[str] | None, pool: bool = False
):
    """(the design split: the factor to compare across, given or the sweep's one with 2-8
    levels, and every other varied factor kept apart; the metrics to show). Unavailable
    when nothing varies in a comparable way."""
    from analysis.figures import Unavailable

    by = by or f.group_factor()
    if by is None:
        raise Unavailable("no factor with 2-8 levels to compare")
    sp = split(f, by, pool)
    available = f.metrics if metrics else defined_everywhere(f.runs(), f.metrics, sp.keys)
    return sp, pick_metrics(available, metrics, f.summary)


def defined_everywhere(runs: pd.DataFrame, metrics: Sequence[str], keys) -> list[str]:
    """The metrics defined in every level of every column in `keys`."""
    for by in keys:
        metrics = defined_in_every_level(runs, metrics, by)
    return list(metrics)


def defined_in_every_level(runs: pd.DataFrame, metrics: Sequence[str], by: str) -> list[str]:
    """The metrics with a finite value in every level of `by` (a metric of a component that
    one arm turns off is undefined there, so it cannot be compared across arms)."""
    if by not in runs:
        return list(metrics)
    groups = runs.groupby(by, dropna=True)
    return [m for m in metrics if m in runs and bool(groups[m].apply(_any_finite).all())]


def _any_finite(col: pd.Series) -> bool:
    return bool(np.isfinite(col.to_numpy(dtype=float)).any())


def _varies(col: pd.Series) -> bool:
    x = col.to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    return x.size > 1 and bool(np.ptp(x) > 0)


def facets(titles: Sequence[str], title: str, cols: int = 2, **kw) -> go.Figure:
    """A grid of panels in the house template, one per title."""
    n = len(titles)
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        horizontal_spacing=0.14,
        vertical_spacing=0.12 if rows > 1 else 0.1,
        **kw,
    )
    fig.update_layout(template=theme.template(), title_text=title)
    fig.update_layout(height=max(theme.HEIGHT, 300 * rows + 120))
    fig.update_annotations(font_size=14)
    return fig


def cell(i: int, cols: int = 2) -> dict[str, int]:
    return {"row": i // cols + 1, "col": i % cols + 1}


def group_values(f: Frames, by: str | None) -> list:
    return [None] if by is None else f.levels(by)


def subsets(runs: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The runs split by scenario and intervention when a sweep crossed several (a Sobol or
    Morris sample is analysed within one of each); label '' when there is only one."""
    keys = [k for k in ("scenario", "intervention") if k in runs and runs[k].nunique() > 1]
    if not keys:
        return [("", runs)]
    return [
        (" · ".join(map(str, k if isinstance(k, tuple) else (k,))), part)
        for k, part in runs.groupby(keys, sort=False)
    ]


def panel_title(metric: str, subset: str) -> str:
    return f"{theme.label(metric)} · {subset}" if subset else theme.label(metric)


def legend_below(fig: go.Figure, names: Sequence[str], right: int = 6) -> go.Figure:
    """Long or many legend entries go in columns under the plot (a legend on the right would
    take the panels' width); a short legend stays on the right. The figure grows to fit
    them, above the room `analysis.export.with_caption` keeps for its caption line."""
    names = [n for n in names if n]
    longest = max((len(n) for n in names), default=0)
    if len(names) <= right and longest <= 22:
        return fig
    width = fig.layout.width or theme.WIDTH
    cols = max(1, min(3, int((width - 100) // (longest * 6.2 + 56))))
    rows = math.ceil(len(names) / cols)
    room = 24 * rows + 16
    height = (fig.layout.height or theme.HEIGHT) + room
    margin_b = (fig.layout.margin.b if fig.layout.margin.b is not None else 60) + room
    return fig.update_layout(
        height=height,
        margin_b=margin_b,
        legend=dict(
            orientation="h", x=0, xanchor="left", yref="container", y=28 / height,
            yanchor="bottom", entrywidth=0.98 / cols, entrywidthmode="fraction", font_size=12,
            traceorder="normal",
        ),
    )  # fmt: skip


def zero_span(values) -> list[float] | None:
    """An x range holding every finite value and 0, with 6% room on each side (autorange puts
    a whisker's end on the panel's edge, where it reads as cut off); None when nothing is
    finite."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    pad = 0.06 * (hi - lo) if hi > lo else 1.0
    return [lo - pad, hi + pad]
