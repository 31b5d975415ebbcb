"""Morris screening: mean absolute elementary effect mu* (importance, with its bootstrap CI)
against their spread sigma (non-linearity and interactions), one panel per metric. Needs a
sweep whose design was `morris`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, sensitivity, theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures._common import (
    MAX_PANELS,
    cell,
    facets,
    panel_title,
    pick_metrics,
    short,
    subsets,
)

NAME = "morris_screening"
TITLE = "Morris screening (mu* with 95% CI against sigma)"
NEEDS = Needs(kinds=("morris",), params=2)


def data(store_or_frames, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Tidy: panel, metric, subset, parameter, mu, mu_star, mu_star_lo, mu_star_hi, sigma."""
    f: Frames = frames(store_or_frames)
    if not f.problem:
        raise Unavailable("the store has no SALib problem for its morris design")
    chosen = pick_metrics(f.metrics, metrics, f.summary)
    x = _points(f)
    levels = int(f.problem.get("num_levels", 4))
    parts, skipped = [], {}
    for subset, runs in subsets(f.runs()):
        for m in chosen:
            panel = panel_title(m, subset)
            y = sensitivity.point_means(runs, runs[m], "point", len(x))
            try:
                res = sensitivity.morris(f.problem, x, y, levels, metric=m)
            except ValueError as err:
                skipped[panel] = str(err)
                continue
            parts.append(
                res.table.assign(panel=panel, metric=m, subset=subset, dropped=res.blocks_dropped)
            )
    if not parts:
        raise Unavailable("; ".join(f"{p}: {why}" for p, why in skipped.items()))
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(panels=list(dict.fromkeys(out["panel"]))[:MAX_PANELS], skipped=skipped)
    out.attrs["finding"] = finding(out)
    return out


def finding(df: pd.DataFrame) -> str:
    """The most influential parameter (largest mu*) on the first panel, with its CI."""
    panel = df[df["panel"] == df["panel"].iloc[0]].dropna(subset=["mu_star"])
    if panel.empty:
        return ""
    top = panel.loc[panel["mu_star"].idxmax()]
    return findings.sentence(
        f"{top['panel']}: {short(top['parameter']).replace('_', ' ')} has the largest "
        f"elementary effect, mu* = {findings.num(top['mu_star'])}"
        f"{findings.interval(top['mu_star_lo'], top['mu_star_hi'])} (sigma "
        f"{findings.num(top['sigma'])})"
    )


def _points(f: Frames) -> np.ndarray:
    """SALib's sample matrix in sample order (the store's raw sample, in the problem's space,
    e.g. log10 for log parameters; rebuilt from the design when absent)."""
    names = list(f.problem["names"])
    if f.sample is not None:
        return f.sample.sort_values("point")[names].to_numpy(dtype=float)
    first = f.design.drop_duplicates("point").set_index("point").sort_index()
    n = int(f.design["point"].max()) + 1
    return first.reindex(range(n))[names].to_numpy(dtype=float)


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    panels = df.attrs["panels"]
    fig = facets(panels, title)
    for i, p in enumerate(panels):
        part = df[df["panel"] == p]
        m = part["metric"].iloc[0]
        fig.add_trace(
            go.Scatter(
                x=part["mu_star"],
                y=part["sigma"],
                mode="markers+text",
                text=[short(p) for p in part["parameter"]],
                textposition="top center",
                marker=dict(color=theme.colour(0), size=9),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=part["mu_star_hi"] - part["mu_star"],
                    arrayminus=part["mu_star"] - part["mu_star_lo"],
                    thickness=1.2,
                ),
                showlegend=False,
                hovertemplate="%{text}: mu* %{x:.3g}, sigma %{y:.3g}<extra></extra>",
            ),
            **cell(i),
        )
        unit = theme.unit(m)
        per = f"{unit} per parameter range" if unit else "per parameter range"
        fig.update_xaxes(title_text=f"mu* ({per})", rangemode="tozero", **cell(i))
        fig.update_yaxes(title_text=f"sigma ({per})", rangemode="tozero", **cell(i))
    return fig
