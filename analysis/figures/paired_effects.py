"""Paired effects: each level of the sweep's grouping factor (the interventions, else a grid
axis) against its first (control) level, on common random numbers, separately at every
combination of the other varied factors (one row each: an effect is never averaged over design
points unless asked with --pool). Runs are paired when they agree on the seed, the scenario,
the replication and every other varied parameter, so the difference cancels the noise they
share; the thin grey bar behind each paired CI is the unpaired (Welch) interval, to show what
the pairing bought."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import cell, facets, factor_and_metrics, group_name, zero_span
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
    pool: bool = False,
    level: float = 0.95,
    method: str = "t",
) -> pd.DataFrame:
    """Tidy: each other varied factor, factor, level, control, metric, n_pairs, diff, lo, hi,
    unpaired_lo, unpaired_hi, row (the row label). attrs: by, others, metrics, control,
    finding."""
    f: Frames = frames(store_or_frames)
    sp, chosen = factor_and_metrics(f, by, metrics, pool)
    by, runs = sp.focus, f.runs()
    control = f.levels(by)[0] if control is None else control
    keys = [c for c in (*IDS, *f.params) if c in f.design and c != by]
    if by not in f.params and "point" in f.design:
        keys.append("point")
    try:
        parts = [
            paired_differences(design.select(runs, sp.others, combo), m, by, control, keys,
                               level, method).assign(**dict(zip(sp.others, combo, strict=True)))
            for combo in design.combos(f, sp.others) for m in chosen
        ]  # fmt: skip
    except ValueError as err:  # a sampled design repeats (level, seed): nothing to pair
        raise Unavailable(str(err)) from None
    out = pd.concat(parts, ignore_index=True)
    if out.empty or out["n_pairs"].max() < 2:
        raise Unavailable(
            f"fewer than 2 pairs of runs share a seed across levels of {by}: "
            "the sweep did not use common random numbers"
        )
    one = out["level"].nunique() == 1 and bool(sp.others)  # the level goes in the subtitle
    out["row"] = [_row(by, r, sp.others, one) for _, r in out.iterrows()]
    out.attrs.update(by=by, others=list(sp.others), metrics=chosen, control=control,
                     pooled=sp.note(), finding=finding(out, sp, control, chosen[0]))  # fmt: skip
    return out


def _row(by: str, r: pd.Series, others, one: bool) -> str:
    here = design.name(others, tuple(r[list(others)]))
    if one:
        return here
    return group_name(by, r["level"]) + (f" · {here}" if here else "")


def finding(df: pd.DataFrame, sp: design.Split, control, m: str) -> str:
    """The largest paired effect on metric `m`, with its CI and where it is."""
    part = df[(df["metric"] == m) & (df["n_pairs"] >= 2)]
    if part.empty or not part["diff"].notna().any():
        return ""
    r = part.loc[part["diff"].abs().idxmax()]
    where = design.where(sp.others, tuple(r[list(sp.others)]))
    verb = findings.change(m, r["diff"], r["lo"], r["hi"])
    rows = f" (the largest of {len(part)} paired effects)" if len(part) > 1 else ""
    return findings.sentence(
        f"at {where}," if where else "",
        f"{design.where([sp.focus], [r['level']])} instead of "
        f"{design.where([sp.focus], [control])} {verb}",
        f"on {int(r['n_pairs'])} pairs of runs with common seeds{rows}",
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    metrics, by, control = df.attrs["metrics"], df.attrs["by"], df.attrs["control"]
    titles = [f"Δ {theme.label(m)}" for m in metrics]
    fig = facets(titles, title, shared_yaxes=True)  # one set of level labels per row
    fig.update_layout(height=_height(df["row"], len(metrics)))
    pooled = f"; {df.attrs['pooled']}" if df.attrs.get("pooled") else ""
    levels = list(dict.fromkeys(df["level"]))
    what = (
        f"{group_name(by, levels[0])} against " if len(levels) == 1 and df.attrs["others"] else ""
    )
    findings.subtitle(
        fig,
        f"{what}control: {group_name(by, control)}; blue: paired 95% CI, "
        f"grey: unpaired (Welch) 95% CI{pooled}",
    )
    fig.update_layout(title_xref="container", title_x=0.02)
    for i, m in enumerate(metrics):
        part = df[df["metric"] == m]
        y = [r.replace(" · ", "<br>") for r in part["row"]]  # one factor per line
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
        fig.update_xaxes(range=_span(part), **cell(i))
    return fig


def _span(part: pd.DataFrame) -> list[float] | None:
    """The x range of one panel: every whisker and 0."""
    cols = ("lo", "hi", "unpaired_lo", "unpaired_hi", "diff")
    return zero_span(pd.concat([part[c] for c in cols]))


def _height(rows: pd.Series, panels: int) -> int:
    """Room for every row label (one line per factor) in each panel."""
    labels = list(dict.fromkeys(rows))
    lines = max(label.count(" · ") + 1 for label in labels)
    per = max(260, len(labels) * (15 * lines + 8) + 90)
    return per * -(-panels // 2) + 140


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
