"""Sobol sensitivity indices: first order (S1, the share of the outcome's variance a
parameter explains alone) and total order (ST, including its interactions), with bootstrap
CIs, one panel per metric. Needs a sweep whose design was `sobol`."""

from __future__ import annotations

from collections.abc import Sequence

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

NAME = "sobol_indices"
TITLE = "Sobol sensitivity indices (first and total order, 95% CI)"
NEEDS = Needs(kinds=("sobol",), params=2)


def data(store_or_frames, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Tidy: panel, metric, subset, parameter, index (S1 | ST), value, lo, hi; attrs: panels
    and the base samples dropped for holes."""
    f: Frames = frames(store_or_frames)
    if not f.problem:
        raise Unavailable("the store has no SALib problem for its sobol design")
    chosen = pick_metrics(f.metrics, metrics, f.summary)
    second = bool(f.problem.get("calc_second_order", False))
    parts, dropped, skipped = [], {}, {}
    for subset, runs in subsets(f.runs()):
        for m in chosen:
            panel = panel_title(m, subset)
            y = sensitivity.point_means(runs, runs[m], "point", _n_points(f))
            try:
                res = sensitivity.sobol(f.problem, y, second, metric=m)
            except ValueError as err:
                skipped[panel] = str(err)
                continue
            dropped[panel] = res.blocks_dropped
            parts.append(_long(res.table).assign(panel=panel, metric=m, subset=subset))
    if not parts:
        raise Unavailable("; ".join(f"{p}: {why}" for p, why in skipped.items()))
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(
        panels=list(dict.fromkeys(out["panel"]))[:MAX_PANELS], dropped=dropped, skipped=skipped
    )
    out.attrs["finding"] = finding(out)
    return out


def finding(df: pd.DataFrame) -> str:
    """The parameter with the largest total-order index on the first panel, with S1."""
    panel = df[df["panel"] == df["panel"].iloc[0]]
    st = panel[panel["index"] == "ST"].dropna(subset=["value"])
    if st.empty:
        return ""
    top = st.loc[st["value"].idxmax()]
    s1 = panel[(panel["index"] == "S1") & (panel["parameter"] == top["parameter"])]
    alone = ""
    if len(s1):
        r = s1.iloc[0]
        alone = f", alone S1 = {findings.num(r['value'])}{findings.interval(r['lo'], r['hi'])}"
    return findings.sentence(
        f"{top['panel']}: {short(top['parameter']).replace('_', ' ')} explains the most "
        f"variance, total-order ST = {findings.num(top['value'])}"
        f"{findings.interval(top['lo'], top['hi'])}{alone}"
    )


def _n_points(f: Frames) -> int:
    return int(f.design["point"].max()) + 1


def _long(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for k in ("S1", "ST"):
        part = table[["parameter", k, f"{k}_lo", f"{k}_hi"]]
        rows.append(part.set_axis(["parameter", "value", "lo", "hi"], axis=1).assign(index=k))
    return pd.concat(rows, ignore_index=True)


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    panels = df.attrs["panels"]
    fig = facets(panels, title)
    for i, p in enumerate(panels):
        for j, k in enumerate(("S1", "ST")):
            part = df[(df["panel"] == p) & (df["index"] == k)]
            fig.add_trace(_bars(part, k, theme.colour(j), show=i == 0), **cell(i))
        fig.update_xaxes(title_text="index (share of variance)", **cell(i))
    fig.update_layout(barmode="group", legend_title_text="")
    return fig


def _bars(part: pd.DataFrame, k: str, colour: str, show: bool) -> go.Bar:
    return go.Bar(
        x=part["value"],
        y=[short(p) for p in part["parameter"]],
        orientation="h",
        name={"S1": "first order S1", "ST": "total order ST"}[k],
        legendgroup=k,
        showlegend=show,
        marker_color=colour,
        error_x=dict(
            type="data",
            symmetric=False,
            array=part["hi"] - part["value"],
            arrayminus=part["value"] - part["lo"],
            thickness=1.2,
            width=3,
        ),
        hovertemplate="%{y}: %{x:.3f}<extra>" + k + "</extra>",
    )
