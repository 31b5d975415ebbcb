"""A finding's ablation figure (docs/findings.md): the paired effect in the finding's sweep,
the same contrast with the coupling cut, and what the cut removed, side by side, like a
paper's ablation table drawn. Every pair of runs that shares a seed and replication is one
translucent grey point (overlapping pairs look darker); the coloured marks are the means
with their 95% CIs. `data` is pure (a result of `analysis.earned_run.run`) and states the
result in one sentence (`attrs["finding"]`); `draw` only draws it. `instalign findings
--check|--full --figures DIR` writes one file per finding, provenance embedded
(analysis/export.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.figures._common import zero_span

ROWS = ("finding", "ablation", "cut removes")


def data(result: dict[str, Any]) -> pd.DataFrame:
    """Tidy: row (finding | ablation | cut removes), kind (mean | pair), value, lo, hi, n.
    attrs: title, metric, contrast, cut, verdict, finding (the one-sentence result)."""
    c = result["contrast"]
    rows = []
    for name, key in zip(ROWS, ("effect", "ablation", "cut_changes_effect_by"), strict=True):
        x = result[key]
        rows.append({"row": name, "kind": "mean", "value": x["diff"], "lo": x["lo"],
                     "hi": x["hi"], "n": x["n"]})  # fmt: skip
    for name in ("finding", "ablation"):
        rows += [{"row": name, "kind": "pair", "value": v, "lo": np.nan, "hi": np.nan, "n": 1}
                 for v in result.get("pairs", {}).get(name, [])]  # fmt: skip
    df = pd.DataFrame(rows, columns=["row", "kind", "value", "lo", "hi", "n"])
    cut = ", ".join(_override(k, v) for k, v in result["ablation_set"].items())
    df.attrs.update(title=result["title"], metric=c["metric"], contrast=_contrast(c), cut=cut,
                    verdict=result["verdict"], finding=sentence(df, c, cut))  # fmt: skip
    return df


def _override(key: str, v) -> str:
    """One ablation override, short: a list or mapping (a layer stack) is only named."""
    if isinstance(v, list | tuple | dict):
        return f"{key} replaced (see the finding's ablation)"
    return f"{key} = {v:g}" if isinstance(v, float) else f"{key} = {v}"


def _contrast(c: dict[str, Any]) -> str:
    summary = "mean over the run" if c["summary"] == "mean" else "at the end of the run"
    return (
        f"{theme.label(c['metric'])} ({summary}): {c['factor']} {c['treatment']} minus "
        f"{c['control']}"
    )


def sentence(df: pd.DataFrame, c: dict[str, Any], cut: str) -> str:
    """The result in one sentence, from the table's numbers."""
    m = df[df["kind"] == "mean"].set_index("row")

    def ci(row: str) -> str:
        r = m.loc[row]
        return f"{findings.num(r['value'])} [{findings.num(r['lo'])}, {findings.num(r['hi'])}]"

    n = int(m.loc["finding", "n"])
    return findings.sentence(
        f"setting {c['factor']} to {c['treatment']} instead of {c['control']} changes "
        f"{theme.label(c['metric']).lower()} by {ci('finding')} over {n} paired seeds;",
        f"with {cut} it changes it by {ci('ablation')},",
        f"so the cut removes {ci('cut removes')}",
    )


def draw(df: pd.DataFrame) -> go.Figure:
    fig = theme.figure(findings.wrapped(df.attrs["title"], 80))
    pairs, means = df[df["kind"] == "pair"], df[df["kind"] == "mean"]
    labels = {r: _label(r) for r in ROWS}
    fig.add_trace(
        go.Scatter(
            x=pairs["value"],
            y=[labels[r] for r in pairs["row"]],
            mode="markers",
            marker=dict(color=theme.rgba("#777777", 0.45), size=7),
            showlegend=False,
            hovertemplate="%{x:.3g}<extra>one pair</extra>",
        )
    )
    for i, r in enumerate(ROWS):
        row = means[means["row"] == r]
        if row.empty:
            continue
        x = row.iloc[0]
        fig.add_trace(
            go.Scatter(
                x=[x["lo"], x["hi"]],
                y=[labels[r]] * 2,
                mode="lines",
                line=dict(color=theme.colour(i), width=4),
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[x["value"]],
                y=[labels[r]],
                mode="markers",
                marker=dict(color=theme.colour(i), size=13, symbol="diamond"),
                showlegend=False,
                hovertemplate=f"{r}: %{{x:.3g}} [{x['lo']:.3g}, {x['hi']:.3g}]<extra></extra>",
            )
        )
    fig.add_vline(x=0, line=dict(color="#888888", width=1, dash="dot"))
    fig.update_yaxes(categoryorder="array", categoryarray=[labels[r] for r in ROWS][::-1])
    span = zero_span(pd.concat([df["value"], df["lo"], df["hi"]]))
    fig.update_xaxes(title_text=f"Δ {theme.label(df.attrs['metric'])}", range=span)
    fig.update_layout(height=440)
    findings.subtitle(
        fig,
        f"{df.attrs['finding']}<br>Contrast: {df.attrs['contrast']}. Grey dots: one pair of "
        "runs (same seed); diamonds and bars: mean and 95% CI.",
    )
    return fig


def _label(row: str) -> str:
    """The row's label (the ablation's overrides are in the subtitle's sentence)."""
    return {"finding": "finding", "ablation": "ablation<br>(coupling cut)"}.get(
        row, "effect − ablation"
    )
