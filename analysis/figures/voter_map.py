"""Voters and platforms in policy space at the end of a run: a sample of voters' ideal points
coloured by their approval of the incumbent, the politicians' platforms (the incumbent
marked), the mandate, the policy actually implemented and the welfare optimum (the voters'
mean ideal point). The gap between mandate and optimum is the electoral link's failure; the
gap between implemented and mandate is the bureaucracy's drift (Downs 1957; spatial model).

Input: a run snapshot (a mapping as kept by the dashboard: `voters` with `x`, `y`,
`approval`, `information`, `n_total`; `politicians`; `mandate`, `implemented`, `optimum`
as [x, y]). Voters are a sample, never the whole electorate; the title says how many.
Not part of the standard sweep figure set (a sweep store keeps no agents)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.figures import Needs, Unavailable

NAME = "voter_map"
TITLE = "Voters and platforms in policy space"
NEEDS = Needs(standard=False)
# (snapshot key, legend, marker symbol, palette index)
POINTS = (
    ("optimum", "welfare optimum", "cross", 7),
    ("mandate", "mandate", "star", 5),
    ("implemented", "implemented policy", "x", 2),
)


def data(snapshot: Mapping[str, Any]) -> pd.DataFrame:
    """Tidy: kind (voter|politician|optimum|mandate|implemented), x, y, approval,
    information, label, incumbent."""
    if not isinstance(snapshot, Mapping) or "voters" not in snapshot:
        raise Unavailable("needs a run snapshot with voters")
    v = snapshot["voters"]
    voters = pd.DataFrame(
        {"kind": "voter", "x": v["x"], "y": v["y"], "approval": v["approval"],
         "information": v["information"], "label": "", "incumbent": False}
    )  # fmt: skip
    pols = pd.DataFrame(
        [
            {"kind": "politician", "x": p["x"], "y": p["y"], "incumbent": p["incumbent"],
             "label": f"{p['index']}: {p['strategy']}" + (" (incumbent)" * p["incumbent"])}
            for p in snapshot.get("politicians", [])
        ]
    )  # fmt: skip
    points = pd.DataFrame(
        [
            {"kind": key, "x": snapshot[key][0], "y": snapshot[key][1], "label": text}
            for key, text, *_ in POINTS
            if key in snapshot
        ]
    )
    out = pd.concat([voters, pols, points], ignore_index=True)
    out.attrs.update(n_total=int(v.get("n_total", len(voters))), n_shown=len(voters))
    return out


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    n, total = df.attrs.get("n_shown", 0), df.attrs.get("n_total", 0)
    fig = theme.figure(f"{title} ({n:,} of {total:,} voters shown)")
    v = df[df["kind"] == "voter"]
    fig.add_trace(
        go.Scattergl(
            x=v["x"], y=v["y"], mode="markers", name="voters",
            marker=dict(size=4, opacity=0.55, color=v["approval"], colorscale="Cividis",
                        cmin=0, cmax=1, colorbar=dict(title="approval", thickness=12)),
            hovertemplate="(%{x:.2f}, %{y:.2f}) approval %{marker.color:.2f}<extra></extra>",
        )
    )  # fmt: skip
    _politicians(fig, df[df["kind"] == "politician"])
    for key, text, symbol, c in POINTS:
        part = df[df["kind"] == key]
        fig.add_trace(
            go.Scatter(
                x=part["x"], y=part["y"], mode="markers", name=text,
                marker=dict(symbol=symbol, size=15, color=theme.colour(c),
                            line=dict(width=1, color="white")),
            )
        )  # fmt: skip
    fig.update_xaxes(title_text="policy dimension 1 (policy units)")
    fig.update_yaxes(title_text="policy dimension 2 (policy units)", scaleanchor="x")
    return fig.update_layout(legend=dict(orientation="h", x=0, y=-0.18, yanchor="top"))


def _politicians(fig: go.Figure, pols: pd.DataFrame) -> None:
    fig.add_trace(
        go.Scatter(
            x=pols["x"], y=pols["y"], mode="markers+text", name="platforms",
            text=pols["label"], textposition="top center",
            marker=dict(symbol="diamond", size=pols["incumbent"].map({True: 16, False: 11}),
                        color=theme.colour(1), line=dict(width=1, color=theme.INK)),
        )
    )  # fmt: skip
