"""The drift ledger as a waterfall: the welfare lost at each link of the delegation chain
(`drift_level_<k>`, mean over replications of each run's time mean, with 95% CI), from the
mandate down to what is implemented, and the total (the levels' losses add up to it; see
sim/mechanisms/delegation.py). A tall early bar means drift starts at the top. A sweep that
varied its design gets one ledger per design point, side by side (bars with CIs): losses are
never averaged over design points unless asked (--pool)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import legend_below
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


def data(store_or_frames, pool: bool = False) -> pd.DataFrame:
    """One row per design point and link, plus its total: each varied factor, link, loss,
    lo, hi, n, measure (relative | total), metric. attrs: keys, styles, unit, finding."""
    f: Frames = frames(store_or_frames)
    cols = sorted((c for c in f.metrics if LINK.fullmatch(c)), key=lambda c: int(c[12:]))
    if not cols:
        raise Unavailable("needs drift_level_<k> metrics (a delegation chain)")
    sp = design.split(f, None, pool)
    runs = _per_run(f, cols).merge(f.design[[RUN, *sp.keys]], on=RUN, how="inner")
    finite = runs[cols].notna().any(axis=0)
    cols = [c for c in cols if finite[c]]
    parts = [
        _ledger(design.select(runs, sp.keys, combo), cols).assign(
            **dict(zip(sp.keys, combo, strict=True))
        )
        for combo in design.combos(f, sp.keys)
    ]
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(unit=theme.unit(cols[0]), keys=sp.keys, styles=design.styles(f, sp.keys),
                     pooled=sp.note())  # fmt: skip
    out.attrs["finding"] = finding(out)
    return out


def _ledger(runs: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Each link's mean loss with its CI over the runs of one design point, and the total."""
    rows = [(f"level {c[12:]}", *mean_ci(runs[c]), "relative", c) for c in cols]
    rows.append(("total", *mean_ci(runs[cols].sum(axis=1, min_count=1)), "total", ""))
    return pd.DataFrame(rows, columns=["link", "loss", "lo", "hi", "n", "measure", "metric"])


def finding(df: pd.DataFrame) -> str:
    """The design point that loses most in total, and its costliest link."""
    keys = df.attrs["keys"]
    total = df[df["measure"] == "total"].dropna(subset=["loss"])
    if total.empty:
        return ""
    worst = total.loc[total["loss"].idxmax()]
    here = design.select(df, keys, tuple(worst[keys]))
    link = here[here["measure"] == "relative"].dropna(subset=["loss"])
    top = link.loc[link["loss"].abs().idxmax()] if len(link) else None
    where = f"at {design.where(keys, tuple(worst[keys]))}," if keys else ""
    most = (
        f", most of it at {top['link']} ({findings.num(top['loss'])}"
        f"{findings.interval(top['lo'], top['hi'])})"
        if top is not None
        else ""
    )
    return findings.sentence(
        where,
        f"the delegation chain loses {findings.num(worst['loss'])}"
        f"{findings.interval(worst['lo'], worst['hi'])} welfare in total{most}",
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    if df.attrs.get("keys"):
        return _side_by_side(df, title)
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
    if df.attrs.get("pooled"):
        findings.subtitle(fig, df.attrs["pooled"])
    return fig


def _side_by_side(df: pd.DataFrame, title: str) -> go.Figure:
    """One bar series per design point (loss as a negative welfare change, with its CI)."""
    fig = theme.figure(title)
    keys = df.attrs["keys"]
    for combo, look in df.attrs["styles"].items():
        part = design.select(df, keys, combo)
        fig.add_trace(
            go.Bar(
                x=part["link"],
                y=-part["loss"],
                name=look.name,
                marker_color=look.colour,
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=(part["loss"] - part["lo"]).to_numpy(),
                    arrayminus=(part["hi"] - part["loss"]).to_numpy(),
                    color=theme.INK,
                    thickness=1.2,
                    width=3,
                ),
                customdata=np.c_[part["lo"], part["hi"], part["n"]],
                hovertemplate="%{x}: loss %{customdata[0]:.3g} to %{customdata[1]:.3g} "
                "(95% CI), n=%{customdata[2]}<extra>" + look.name + "</extra>",
            )
        )
    unit = df.attrs.get("unit", "")
    fig.update_xaxes(title_text="delegation link (from the mandate down)", type="category")
    fig.update_yaxes(title_text=f"welfare change ({unit})" if unit else "welfare change")
    fig.update_layout(barmode="group", legend_title_text="")
    legend_below(fig, [s.name for s in df.attrs["styles"].values()])
    if df.attrs.get("pooled"):
        findings.subtitle(fig, df.attrs["pooled"])
    return fig
