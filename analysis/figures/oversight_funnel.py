"""The oversight funnel of one run: of all the actions the producers took (bureaucrats, AI
agents), how many were harmful, flagged, audited and caught, and which layer flagged each
catch first (its marginal contribution in stacking order: McCubbins & Schwartz 1984 on
police patrols and fire alarms; Greenblatt et al. 2023 on trusted and untrusted monitors).
Benign actions escalated to the audit (false positives) are shown beside the funnel.

Input: a run snapshot whose `layers.oversight` holds cumulative counts `actions`, `harmful`,
`caught` (and, when the oversight component provides them, `flagged` and `audited`),
`benign_escalated`, the layer names and `caught_by_layer`. Not part of the standard sweep
figure set (a sweep store keeps no per-run totals of this kind)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import theme
from analysis.figures import Needs, Unavailable

NAME = "oversight_funnel"
TITLE = "Oversight funnel (cumulative over the run)"
NEEDS = Needs(standard=False)
STAGES = (  # (snapshot key, label), in funnel order; absent keys are left out
    ("actions", "actions"),
    ("harmful", "harmful"),
    ("flagged", "flagged"),
    ("audited", "audited"),
    ("caught", "caught"),
)


def data(snapshot: Mapping[str, Any]) -> pd.DataFrame:
    """Tidy: part (funnel|layer|false positives), label, count, share (of actions, or of
    catches for layers)."""
    o = (snapshot.get("layers") or {}).get("oversight") if isinstance(snapshot, Mapping) else None
    if not o:
        raise Unavailable("this scenario has no oversight layers (oversight.layers is empty)")
    total = max(int(o["actions"]), 1)
    rows = [("funnel", label, int(o[k]), o[k] / total) for k, label in STAGES if k in o]
    caught = max(int(o["caught"]), 1)
    rows += [
        ("layer", f"{i + 1}: {name}", int(n), n / caught)
        for i, (name, n) in enumerate(zip(o["layers"], o["caught_by_layer"], strict=True))
    ]
    rows.append(("false positives", "benign escalated", int(o["benign_escalated"]), np.nan))
    out = pd.DataFrame(rows, columns=["part", "label", "count", "share"])
    out.attrs.update(actions=int(o["actions"]))
    return out


def _stage_text(counts: list[int], labels: list[str]) -> list[str]:
    """'89 (0.9% of actions)': each stage's count and its share of the stage above."""
    out = [f"{counts[0]:,}"]
    for above, n, label in zip(counts, counts[1:], labels, strict=False):
        out.append(f"{n:,} ({n / above:.1%} of {label})" if above else f"{n:,}")
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    fig = make_subplots(rows=2, cols=1, row_heights=[0.55, 0.45], vertical_spacing=0.2,
                        subplot_titles=["funnel", "catches by first flagging layer"])  # fmt: skip
    fig.update_layout(template=theme.template(), title_text=title, showlegend=False)
    f = df[df["part"] == "funnel"]
    text = _stage_text(f["count"].tolist(), f["label"].tolist())
    fig.add_trace(
        go.Bar(
            x=f["count"].clip(lower=0.8),
            y=f["label"],
            orientation="h",
            text=text,
            textposition="auto",
            marker=dict(color=theme.colour(0)),
            hovertemplate="%{y}: %{text}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    top = np.log10(max(float(f["count"].max()), 10.0)) * 1.05
    fig.update_xaxes(type="log", range=[0, top], title_text="actions (log scale)", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    lay = df[df["part"] == "layer"]
    fig.add_trace(
        go.Bar(
            x=lay["count"],
            y=lay["label"],
            orientation="h",
            marker=dict(color=theme.colour(2)),
            hovertemplate="%{y}: %{x} catches<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fp = int(df.loc[df["part"] == "false positives", "count"].sum())
    fig.add_annotation(
        text=f"benign actions escalated to the audit: {fp:,}",
        x=0,
        y=-0.16,
        xref="paper",
        yref="paper",
        showarrow=False,
        xanchor="left",
    )
    fig.update_xaxes(title_text="actions", row=2, col=1)
    fig.update_yaxes(autorange="reversed", row=2, col=1)
    return fig.update_layout(margin_b=100, height=600)
