"""Voters and platforms in policy space at one step of a run: a sample of voters' ideal points
coloured by their approval of the incumbent, the politicians' platforms (the incumbent
ringed), the mandate, the policy actually implemented and the welfare optimum (the voters'
mean ideal point). The gap between mandate and optimum is the electoral link's failure; the
gap between implemented and mandate is the bureaucracy's drift (Downs 1957; spatial model).

Input: a run snapshot (see analysis/snapshots.py: voters' `x`, `y`, `approval`,
`information`, `n_total`; `politicians`; `mandate`, `implemented`, `optimum` as [x, y]) and
the step to show (default: the last recorded). Voters are a sample, never the whole
electorate. Axis ranges cover every recorded step, so stepping through a run moves the
points, not the axes. Platforms are told apart by colour and the legend (no labels on the
plot: nearby platforms would overprint them); reference points are drawn above the voters.
Not part of the standard sweep figure set (a sweep store keeps no agents)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import snapshots, theme
from analysis.figures import Needs, Unavailable

NAME = "voter_map"
TITLE = "Voters and platforms in policy space"
NEEDS = Needs(standard=False)
# (snapshot key, legend, marker symbol, palette index)
POINTS = (  # drawn in this order, last on top
    ("optimum", "welfare optimum", "cross", 7, 14),
    ("mandate", "mandate", "star", 5, 19),
    ("implemented", "implemented policy", "x", 2, 12),
)
KINDS = ("voter", "politician", *(p[0] for p in POINTS))
NAMED = 6  # politicians drawn one legend entry each; more share one entry
PARTY_COLOURS = (0, 1, 3, 4, 6)  # palette indices not taken by the reference points


def data(snapshot: Mapping[str, Any], step: int | None = None) -> pd.DataFrame:
    """Tidy: kind (voter|politician|optimum|mandate|implemented), x, y, approval,
    information, label, incumbent, index (politicians)."""
    one = snapshots.frame(snapshot, step) if isinstance(snapshot, Mapping) else {}
    if "voters" not in one:
        raise Unavailable("needs a run snapshot with voters")
    v = one["voters"]
    voters = pd.DataFrame(
        {"kind": "voter", "x": v["x"], "y": v["y"], "approval": v["approval"],
         "information": v["information"], "label": "", "incumbent": False, "index": -1}
    )  # fmt: skip
    out = pd.concat([voters, _politicians(one), _points(one)], ignore_index=True)
    out["kind"] = pd.Categorical(out["kind"], categories=KINDS)  # quick to filter per step
    out.attrs.update(
        n_total=int(v.get("n_total", len(voters))), n_shown=len(voters),
        step=one.get("step"), ranges=_ranges(snapshot), finding=finding(one),
    )  # fmt: skip
    return out


def _politicians(one: Mapping[str, Any]) -> pd.DataFrame:
    rows = [
        {"kind": "politician", "x": p["x"], "y": p["y"], "incumbent": bool(p["incumbent"]),
         "index": int(p["index"]), "label": f"{p['index']}: {p['strategy']}"}
        for p in one.get("politicians", [])
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["kind", "x", "y", "incumbent", "index", "label"])


def _points(one: Mapping[str, Any]) -> pd.DataFrame:
    rows = [
        {"kind": key, "x": one[key][0], "y": one[key][1], "label": text}
        for key, text, *_ in POINTS
        if key in one
    ]
    return pd.DataFrame(rows, columns=["kind", "x", "y", "label"])


def _ranges(snapshot: Mapping[str, Any]) -> list[list[float]]:
    """[[x0, x1], [y0, y1]] covering the voters and every point of every recorded step."""
    frames = snapshots.every(snapshot)
    v = frames[-1]["voters"]
    pts = [[p["x"], p["y"]] for f in frames for p in f.get("politicians", [])]
    pts += [f[k] for f in frames for k, *_ in POINTS if k in f]
    xy = np.vstack([np.column_stack([v["x"], v["y"]]), np.asarray(pts, float).reshape(-1, 2)])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = 0.05 * np.maximum(hi - lo, 1e-9)
    return [[float(lo[i] - pad[i]), float(hi[i] + pad[i])] for i in (0, 1)]


def finding(one: Mapping[str, Any]) -> str:
    """Where the incumbent stands against the optimum, and how many sampled voters approve
    (from one frame of the snapshot)."""
    inc = next((p for p in one.get("politicians", []) if p["incumbent"]), None)
    if inc is None or "optimum" not in one:
        return ""
    gap = float(np.hypot(inc["x"] - one["optimum"][0], inc["y"] - one["optimum"][1]))
    approve = float(np.mean(np.asarray(one["voters"]["approval"]) > 0.5))
    step = one.get("step")
    when = f"At step {step}" if step is not None else "At the end of the run"
    return (
        f"{when} the incumbent ({inc['index']}: {inc['strategy']}) stands {gap:.2f} policy "
        f"units from the welfare optimum and {approve:.0%} of the sampled voters approve of it."
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    when = f"step {a['step']}, " if a.get("step") is not None else ""
    fig = theme.figure(f"{title} ({when}{a.get('n_shown', 0):,} of {a.get('n_total', 0):,} voters)")
    fig.add_traces(traces(df))
    return _layout(fig, a.get("ranges"))


def traces(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The figure's data as plain trace dicts, drawn in this order (voters first, so every
    platform and reference point is on top): `draw` adds the layout; the watch panel sends
    only what changes between steps."""
    parts = dict(tuple(df.groupby("kind", observed=False)))  # one pass over the voters
    v = parts["voter"]
    voters = dict(
        type="scatter", x=v["x"], y=v["y"], mode="markers", name="voters", showlegend=False,
        marker=dict(size=5, opacity=0.6, color=np.round(v["approval"].to_numpy(float), 2),
                    colorscale="Cividis", cmin=0, cmax=1, colorbar=_colorbar()),
        hovertemplate="voter at (%{x:.2f}, %{y:.2f}): approval %{marker.color:.2f}"
        "<extra></extra>",
    )  # fmt: skip
    out = [voters, *_platform_traces(parts["politician"])]
    for key, text, symbol, c, size in POINTS:
        part = parts[key]
        out.append(dict(
            type="scatter", x=part["x"], y=part["y"], mode="markers", name=text,
            marker=dict(symbol=symbol, size=size, color=theme.colour(c),
                        line=dict(width=1, color="white")),
            hovertemplate=f"{text} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
        ))  # fmt: skip
    return out


def _colorbar() -> dict[str, Any]:
    """Approval colour bar, horizontal under the legend (right of the plot)."""
    return dict(
        title=dict(text="approval", side="top"), orientation="h", thickness=10, len=140,
        lenmode="pixels",
        x=1.03, xanchor="left", y=0.02, yanchor="bottom", tickvals=[0, 0.5, 1],
    )  # fmt: skip


def _platform_traces(pols: pd.DataFrame) -> list[dict[str, Any]]:
    """One trace per politician (its own colour, the incumbent large and ringed), or, past
    NAMED politicians, one for the incumbent and one for the rest."""
    groups = (
        [pols[pols["index"] == i] for i in pols["index"]]
        if len(pols) <= NAMED
        else [pols[pols["incumbent"]], pols[~pols["incumbent"]]]
    )
    return [_platform(part, k, len(pols) <= NAMED) for k, part in enumerate(groups)]


def _platform(part: pd.DataFrame, k: int, named: bool) -> dict[str, Any]:
    inc = part["incumbent"].astype(bool)
    if named:
        name = part["label"].iloc[0] + (" (incumbent)" if inc.iloc[0] else "")
    else:
        name = "incumbent" if k == 0 else "other platforms"
    return dict(
        type="scatter", x=part["x"], y=part["y"], mode="markers", name=name,
        text=part["label"],
        marker=dict(symbol="diamond", size=np.where(inc, 22, 12),
                    color=theme.colour(PARTY_COLOURS[k % len(PARTY_COLOURS)]),
                    line=dict(width=np.where(inc, 3, 1), color=theme.INK)),
        hovertemplate="platform %{text} (%{x:.2f}, %{y:.2f})<extra></extra>",
    )  # fmt: skip


def _layout(fig: go.Figure, ranges) -> go.Figure:
    x, y = ranges or (None, None)
    fig.update_xaxes(title_text="policy dimension 1 (policy units)", range=x)
    fig.update_yaxes(
        title_text="policy dimension 2 (policy units)", range=y, scaleanchor="x",
        constrain="domain",
    )  # fmt: skip
    fig.update_xaxes(constrain="domain", constraintoward="right")
    legend = dict(orientation="v", x=1.03, xanchor="left", y=1, yanchor="top")
    return fig.update_layout(legend=legend, legend_title_text="platforms and policies")
