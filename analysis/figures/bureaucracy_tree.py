"""The bureaucracy tree at the end of a run: every office of the delegation chain (the
incumbent's mandate on top, the implementers at the leaves), coloured by its drift (how far
what it passed on is from what it received: principal-agent drift, Downs 1967) and marked
when an interest group has captured it (Stigler 1971). Drift compounds down the chain; a
captured branch pulls its whole subtree.

Input: a run snapshot whose `layers.bureaucracy` holds `parent`, `level`, `drift`,
`discretion` and `captured_by` per office (breadth-first order). A tree larger than
MAX_NODES is cut at the deepest level that fits (the title says so). Not part of the
standard sweep figure set (a sweep store keeps no agents)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import theme
from analysis.figures import Needs, Unavailable

NAME = "bureaucracy_tree"
TITLE = "Bureaucracy: drift and capture by office"
NEEDS = Needs(standard=False)
MAX_NODES = 1500


def data(snapshot: Mapping[str, Any]) -> pd.DataFrame:
    """One row per office (plus the principal, node -1): node, parent, level, x, drift,
    discretion, captured_by, captured."""
    b = (snapshot.get("layers") or {}).get("bureaucracy") if isinstance(snapshot, Mapping) else None
    if not b:
        raise Unavailable("this scenario has no bureaucracy (bureaucracy.depth = 0)")
    df = pd.DataFrame({k: b[k] for k in ("parent", "level", "drift", "discretion", "captured_by")})
    df.insert(0, "node", np.arange(len(df)))
    total, keep = len(df), _levels_that_fit(df["level"].to_numpy())
    df = df[df["level"] <= keep].copy()
    df["x"] = _positions(df)
    df["captured"] = df["captured_by"] >= 0
    root = {
        "node": -1,
        "parent": -2,
        "level": 0,
        "drift": np.nan,
        "discretion": np.nan,
        "captured_by": -1,
        "x": float(df.loc[df["level"] == 1, "x"].mean()),
        "captured": False,
    }
    out = pd.concat([pd.DataFrame([root]), df], ignore_index=True)
    out.attrs.update(total=total, shown=len(df), levels=int(keep))
    return out


def _levels_that_fit(level: np.ndarray) -> int:
    counts = np.bincount(level)[1:]
    fits = np.flatnonzero(np.cumsum(counts) <= MAX_NODES)
    return int(fits[-1]) + 1 if fits.size else 1


def _positions(df: pd.DataFrame) -> np.ndarray:
    """Deepest shown level evenly spaced; each office above at the mean of its children."""
    x = np.full(len(df), np.nan)
    idx = {n: i for i, n in enumerate(df["node"])}
    deepest = df["level"].max()
    bottom = np.flatnonzero(df["level"].to_numpy() == deepest)
    x[bottom] = np.arange(bottom.size)
    for k in range(deepest - 1, 0, -1):
        kids = df[df["level"] == k + 1]
        means = (
            pd.Series(x[[idx[n] for n in kids["node"]]]).groupby(kids["parent"].to_numpy()).mean()
        )
        for parent, value in means.items():
            x[idx[parent]] = value
    return x


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    cut = "" if a["shown"] == a["total"] else f", first {a['levels']} levels"
    fig = theme.figure(f"{title} ({a['shown']:,} of {a['total']:,} offices{cut})")
    fig.add_trace(_edges(df))
    offices = df[df["node"] >= 0]
    for captured, symbol, name in ((False, "circle", "free"), (True, "diamond", "captured")):
        part = offices[offices["captured"] == captured]
        fig.add_trace(go.Scatter(
            x=part["x"], y=-part["level"], mode="markers", name=name,
            marker=dict(symbol=symbol, size=9 if captured else 7, color=part["drift"],
                        colorscale="Cividis", cmin=0, cmax=float(offices["drift"].max() or 1),
                        line=dict(width=1.5 if captured else 0.5, color=theme.INK),
                        colorbar=dict(title="drift (policy units)", thickness=12)),
            customdata=part[["node", "discretion", "captured_by"]],
            hovertemplate="office %{customdata[0]}: drift %{marker.color:.3f}, discretion "
            "%{customdata[1]:.3f}, captured by %{customdata[2]}<extra></extra>",
        ))  # fmt: skip
    top = df[df["node"] == -1]
    fig.add_trace(
        go.Scatter(
            x=top["x"],
            y=top["level"],
            mode="markers+text",
            name="mandate",
            text=["mandate"],
            textposition="top center",
            marker=dict(symbol="star", size=14, color=theme.colour(5)),
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(
        title_text="level of the chain",
        tickvals=-np.arange(a["levels"] + 1),
        ticktext=[str(k) for k in range(a["levels"] + 1)],
    )
    return fig.update_layout(legend=dict(orientation="h", x=0, y=-0.08, yanchor="top"))


def _edges(df: pd.DataFrame) -> go.Scatter:
    pos = df.set_index("node")[["x", "level"]]
    kids = df[df["node"] >= 0]
    parents = pos.loc[kids["parent"].where(kids["parent"] >= 0, -1)]
    xs = np.column_stack([parents["x"], kids["x"], np.full(len(kids), np.nan)]).ravel()
    ys = np.column_stack([-parents["level"], -kids["level"], np.full(len(kids), np.nan)]).ravel()
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line=dict(color="#BBBBBB", width=0.8),
        hoverinfo="skip",
        showlegend=False,
    )
