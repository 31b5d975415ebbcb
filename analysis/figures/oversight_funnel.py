"""The oversight funnel of one run so far: of all the actions the producers took
(bureaucrats, AI agents), how many were harmful, how many of those the layers flagged to the
final audit, and how many the audit caught, each stage as a share of the stage above; which
layer flagged each catch first (its marginal contribution in stacking order: McCubbins &
Schwartz 1984 on police patrols and fire alarms; Greenblatt et al. 2023 on trusted and
untrusted monitors); and, kept apart from the funnel, the benign actions flagged (false
positives), as a share of benign actions. Flags mix both kinds, so "flagged / harmful" would
overstate detection (it can pass 100%): the funnel counts flagged *harmful* actions only.

Input: a run snapshot (analysis/snapshots.py) whose `layers.oversight` holds cumulative
counts `actions`, `harmful`, `caught` and, when recorded, `flagged_harmful` (or `flagged`
with `benign_escalated`), the layer names and `caught_by_layer`; and the step to show
(default: the last recorded). The funnel is drawn on a linear axis fixed to the run's final
number of actions, so stepping through a run shows it filling. Not part of the standard
sweep figure set (a sweep store keeps no per-run totals of this kind)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import snapshots, theme
from analysis.figures import Needs, Unavailable

NAME = "oversight_funnel"
TITLE = "Oversight funnel"
NEEDS = Needs(standard=False)
STAGES = ("actions", "harmful", "flagged harmful", "caught")
COLUMNS = ["part", "label", "count", "share", "of_above"]


def data(snapshot: Mapping[str, Any], step: int | None = None) -> pd.DataFrame:
    """Tidy: part (funnel|layer|false positives), label, count, share (of actions; of
    catches for layers; of benign actions for false positives), of_above (of the stage
    above, funnel only)."""
    one = snapshots.frame(snapshot, step) if isinstance(snapshot, Mapping) else {}
    o = snapshots.layer(one, "oversight")
    if not o:
        raise Unavailable("this scenario has no oversight layers (oversight.layers is empty)")
    rows = _funnel(o) + _layers(o) + [_false_positives(o)]
    out = pd.DataFrame(rows, columns=COLUMNS)
    last = snapshots.layer(snapshots.frame(snapshot), "oversight") or o
    lower = [r[2] for r in [*_layers(last), _false_positives(last)]]
    out.attrs.update(
        actions=int(o["actions"]), step=one.get("step"), actions_max=int(last["actions"]),
        lower_max=max(lower, default=0), finding=finding(out, one.get("step")),
    )  # fmt: skip
    return out


def counts(o: Mapping[str, Any]) -> dict[str, int]:
    """The funnel's stages present in an oversight snapshot, in order."""
    out = {"actions": int(o["actions"]), "harmful": int(o["harmful"])}
    if "flagged_harmful" in o:
        out["flagged harmful"] = int(o["flagged_harmful"])
    elif "flagged" in o and "benign_escalated" in o:
        out["flagged harmful"] = int(o["flagged"]) - int(o["benign_escalated"])
    out["caught"] = int(o["caught"])
    return out


def _funnel(o: Mapping[str, Any]) -> list[tuple]:
    c = counts(o)
    total, values = max(c["actions"], 1), list(c.values())
    above = [np.nan, *values[:-1]]
    return [
        ("funnel", k, n, n / total, n / up if up else np.nan)
        for (k, n), up in zip(c.items(), above, strict=True)
    ]


def _layers(o: Mapping[str, Any]) -> list[tuple]:
    caught = max(int(o["caught"]), 1)
    pairs = zip(o.get("layers", []), o.get("caught_by_layer", []), strict=True)
    return [("layer", f"{i + 1}: {name}", int(n), n / caught, np.nan)
            for i, (name, n) in enumerate(pairs)]  # fmt: skip


def _false_positives(o: Mapping[str, Any]) -> tuple:
    benign = int(o["actions"]) - int(o["harmful"])
    n = int(o.get("benign_escalated", 0))
    return ("false positives", "benign actions flagged", n, n / benign if benign else np.nan,
            np.nan)  # fmt: skip


def finding(df: pd.DataFrame, step: int | None) -> str:
    f = df[df["part"] == "funnel"].set_index("label")
    fp = df[df["part"] == "false positives"].iloc[0]
    when = f"By step {step}" if step is not None else "By the end of the run"
    n, harmful, caught = (int(f.loc[k, "count"]) for k in ("actions", "harmful", "caught"))
    if not harmful:
        return f"{when}, none of the {n:,} actions was harmful; {int(fp['count']):,} were flagged."
    flagged = (
        f"the layers flagged {int(f.loc['flagged harmful', 'count']):,} of them "
        f"({f.loc['flagged harmful', 'of_above']:.0%}) and "
        if "flagged harmful" in f.index
        else ""
    )
    return (
        f"{when}, {harmful:,} of {n:,} actions were harmful; {flagged}the audit caught "
        f"{caught:,} ({caught / harmful:.0%} of harmful), while {int(fp['count']):,} benign "
        f"actions were flagged ({_pct(fp['share'])} of benign)."
    )


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.1%}"


def stage_text(f: pd.DataFrame) -> list[str]:
    """'89<br>8.9% of harmful': each stage's count and its share of the stage above (two
    lines, so the text fits beside the bars of a narrow card)."""
    labels = f["label"].tolist()
    out = []
    for i, (n, share) in enumerate(zip(f["count"], f["of_above"], strict=True)):
        tail = f"<br>{share:.1%} of {labels[i - 1]}" if i and np.isfinite(share) else ""
        out.append(f"{int(n):,}{tail}")
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    step = df.attrs.get("step")
    when = f" (cumulative to step {step})" if step is not None else " (cumulative)"
    fig = make_subplots(
        rows=2, cols=1, row_heights=[0.55, 0.45], vertical_spacing=0.16,
        subplot_titles=["funnel",
                        "catches by first flagging layer,<br>benign actions flagged"],
    )  # fmt: skip
    fig.update_layout(template=theme.template(), title_text=title + when, showlegend=False)
    funnel, lower = traces(df)
    fig.add_trace(funnel, row=1, col=1)
    fig.add_trace(lower, row=2, col=1)
    top = max(float(df.attrs.get("actions_max", 0)), 1.0)
    fig.update_xaxes(visible=False, range=[-0.5 * top, 1.15 * top], row=1, col=1)
    low = max(float(df.attrs.get("lower_max", 0)), 1.0)
    fig.update_xaxes(title_text="actions", range=[0, 1.3 * low], row=2, col=1)
    fig.update_yaxes(autorange="reversed", row=2, col=1)
    fig.update_yaxes(showgrid=False, showline=False, ticks="", row=1, col=1)
    return fig.update_layout(height=560, margin_r=40, margin_t=90)


def traces(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The funnel and the lower bars as plain trace dicts: `draw` places them and adds the
    layout; the watch panel sends only what changes between steps (counts and texts)."""
    f = df[df["part"] == "funnel"]
    funnel = dict(
        type="funnel", x=f["count"], y=f["label"], text=stage_text(f), textinfo="text",
        textposition="outside", marker=dict(color=theme.colour(0)),
        connector=dict(fillcolor=theme.rgba(theme.colour(0), 0.15)),
        hovertemplate="%{y}: %{text}<extra></extra>", cliponaxis=False,
    )  # fmt: skip
    return [funnel, _lower(df)]


def _lower(df: pd.DataFrame) -> dict[str, Any]:
    """Per-layer catches (green) and benign actions flagged (vermillion), one bar each."""
    part = df[df["part"].isin(["layer", "false positives"])]
    fp = (part["part"] == "false positives").to_numpy()
    text = [
        f"{int(n):,}<br>{_pct(s)} of benign" if is_fp else f"{int(n):,}"
        for n, s, is_fp in zip(part["count"], part["share"], fp, strict=True)
    ]
    return dict(
        type="bar", x=part["count"], y=part["label"], orientation="h", text=text,
        textposition="auto", textangle=0, insidetextanchor="end",
        marker=dict(color=np.where(fp, theme.colour(5), theme.colour(2))),
        hovertemplate="%{y}: %{text}<extra></extra>", cliponaxis=False,
    )  # fmt: skip
