"""The bureaucracy tree at one step of a run: every office of the delegation chain as a radial
tree (the incumbent's mandate at the centre, level k on the k-th ring, the implementers on
the outer ring), coloured by its drift (how far what it passed on is from what it received:
principal-agent drift, Downs 1967) and drawn as a ringed diamond when an interest group has
captured it (Stigler 1971). Drift compounds down the chain; a captured branch pulls its
whole subtree.

A radial layout gives the outer ring 2 pi times the room of a row, and marker sizes follow
the room each ring has, so 125 or 1,000 implementers do not pile up; offices carry no text
labels (hover names them). Positions depend only on the tree and the colour scale covers
every recorded step, so stepping through a run changes colours and marks, not the layout.

Input: a run snapshot (analysis/snapshots.py) whose `layers.bureaucracy` holds `parent`,
`level`, `drift`, `discretion` and `captured_by` per office (breadth-first order), and the
step to show (default: the last recorded). A tree larger than MAX_NODES is cut at the
deepest level that fits (the title says so). Not part of the standard sweep figure set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import snapshots, theme
from analysis.figures import Needs, Unavailable

NAME = "bureaucracy_tree"
TITLE = "Bureaucracy: drift and capture by office"
NEEDS = Needs(standard=False)
MAX_NODES = 1500
PAD = 0.4  # axis range beyond the outer ring (ring units)
OUTLINE = 1.5  # outline of a captured office's marker (px)
COLUMNS = ("parent", "level", "drift", "discretion", "captured_by")


def data(snapshot: Mapping[str, Any], step: int | None = None) -> pd.DataFrame:
    """One row per office (plus the principal, node -1): node, parent, level, slot (leaves
    0..n-1 round the circle, each office above at its children's mean), angle, x, y, size,
    drift, discretion, captured_by, captured."""
    one = snapshots.frame(snapshot, step) if isinstance(snapshot, Mapping) else {}
    b = snapshots.layer(one, "bureaucracy")
    if not b:
        raise Unavailable("this scenario has no bureaucracy (bureaucracy.depth = 0)")
    df = pd.DataFrame({k: np.asarray(b[k]) for k in COLUMNS})
    df.insert(0, "node", np.arange(len(df)))
    total, keep = len(df), _levels_that_fit(df["level"].to_numpy())
    df = df[df["level"] <= keep].copy()
    df["captured"] = df["captured_by"] >= 0
    df = _place(df)
    root = _root().assign(slot=df.loc[df["level"] == 1, "slot"].mean())
    out = pd.concat([root, df], ignore_index=True)
    out.attrs.update(
        total=total, shown=len(df), levels=int(keep), step=one.get("step"),
        drift_max=_drift_max(snapshot, keep), finding=finding(df, one.get("step")),
    )  # fmt: skip
    return out


def _root() -> pd.DataFrame:
    row = {"node": -1, "parent": -2, "level": 0, "drift": np.nan, "discretion": np.nan,
           "captured_by": -1, "captured": False, "angle": 0.0, "x": 0.0, "y": 0.0,
           "size": 16}  # fmt: skip
    return pd.DataFrame([row])


def _levels_that_fit(level: np.ndarray) -> int:
    counts = np.bincount(level)[1:]
    fits = np.flatnonzero(np.cumsum(counts) <= MAX_NODES)
    return int(fits[-1]) + 1 if fits.size else 1


def _place(df: pd.DataFrame) -> pd.DataFrame:
    """Radial positions: the deepest level evenly around the circle, each office above at
    the mean angle of its children; marker size from the room on its ring."""
    level = df["level"].to_numpy()
    deepest = int(level.max())
    slot = _slots(df)
    angle = 2 * np.pi * (slot + 0.5) / max(int((level == deepest).sum()), 1)
    per_ring = np.bincount(level)[level]
    room = 2 * np.pi * ring_px(deepest) * level / deepest / per_ring
    return df.assign(slot=slot, angle=angle, x=level * np.cos(angle), y=level * np.sin(angle),
                     size=np.clip(0.75 * room - OUTLINE, 3.0, 12.0))  # fmt: skip


def ring_px(levels: int) -> float:
    """Radius of the outer ring in layout pixels at the export size (the plot is square:
    its height less the template's margins spans the rings plus PAD on each side)."""
    margin = theme.template().layout.margin
    return (theme.HEIGHT - margin.t - margin.b) / 2 * levels / (levels + PAD)


def _slots(df: pd.DataFrame) -> np.ndarray:
    """Leaf slots 0..n-1 on the deepest level; each office above at its children's mean."""
    level, parent = df["level"].to_numpy(), df["parent"].to_numpy()
    pos = np.full(len(df), np.nan)  # nodes are 0..n-1 in breadth-first order: row == node
    bottom = level == level.max()
    pos[bottom] = np.arange(bottom.sum())
    for k in range(int(level.max()) - 1, 0, -1):
        kids = np.flatnonzero(level == k + 1)
        sums = np.bincount(parent[kids], weights=pos[kids], minlength=len(df))
        counts = np.bincount(parent[kids], minlength=len(df))
        here = level == k
        pos[here] = sums[here] / np.maximum(counts[here], 1)
    return pos


def _drift_max(snapshot: Mapping[str, Any], keep: int) -> float:
    """The largest drift of any shown office at any recorded step (a fixed colour scale)."""
    highs = [
        float(np.nanmax(np.asarray(b["drift"])[np.asarray(b["level"]) <= keep], initial=0.0))
        for b in (snapshots.layer(f, "bureaucracy") for f in snapshots.every(snapshot))
        if b
    ]
    return max(highs, default=0.0) or 1.0


def finding(df: pd.DataFrame, step: int | None) -> str:
    """Captured share and how drift grows down the chain."""
    by_level = df.groupby("level")["drift"].mean()
    when = f"At step {step}" if step is not None else "At the end of the run"
    n, cap = len(df), int(df["captured"].sum())
    top, bottom = by_level.index.min(), by_level.index.max()
    return (
        f"{when}, {cap:,} of {n:,} offices ({cap / n:.0%}) are captured and the mean drift "
        f"per office is {by_level.loc[top]:.3f} at level {top} and "
        f"{by_level.loc[bottom]:.3f} at level {bottom}."
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    cut = "" if a["shown"] == a["total"] else f", first {a['levels']} levels"
    when = f"step {a['step']}, " if a.get("step") is not None else ""
    fig = theme.figure(f"{title} ({when}{a['shown']:,} of {a['total']:,} offices{cut})")
    fig.add_traces(traces(df))
    return _layout(fig, a["levels"])


def traces(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The figure's data as plain trace dicts (edges, offices, the mandate, legend keys):
    `draw` adds the layout; the watch panel sends only what changes between steps (the
    offices' colours and capture marks)."""
    top = df[df["node"] == -1]
    mandate = dict(
        type="scatter", x=top["x"], y=top["y"], mode="markers", name="mandate (centre)",
        marker=dict(symbol="star", size=16, color=theme.colour(5)),
        hovertemplate="the incumbent's mandate<extra></extra>",
    )  # fmt: skip
    keys = [
        dict(type="scatter", x=[None], y=[None], mode="markers", name=name,
             marker=dict(symbol=symbol, size=10, color="#999999",
                         line=dict(width=width, color=theme.INK)))
        for symbol, name, width in (("circle", "free office", 0.5),
                                    ("diamond", "captured office", 2))
    ]  # fmt: skip
    return [_edges(df), _offices(df[df["node"] >= 0], df.attrs["drift_max"]), mandate, *keys]


def _offices(offices: pd.DataFrame, cmax: float) -> dict[str, Any]:
    cap = offices["captured"].to_numpy(bool)
    hover = offices[["node", "level", "discretion", "captured_by"]].round(3)
    return dict(
        type="scatter", x=offices["x"], y=offices["y"], mode="markers", name="offices",
        showlegend=False,
        marker=dict(
            symbol=np.where(cap, 2, 0), size=np.round(offices["size"].to_numpy(), 1),
            color=np.round(offices["drift"].to_numpy(float), 4), colorscale="Cividis",
            cmin=0, cmax=cmax, line=dict(width=np.where(cap, OUTLINE, 0.5), color=theme.INK),
            colorbar=dict(title=dict(text="drift<br>(policy units)", side="top"),
                          thickness=12, len=0.55, x=1.03, xanchor="left", y=0,
                          yanchor="bottom"),
        ),
        customdata=hover.to_numpy(),
        hovertemplate="office %{customdata[0]} (level %{customdata[1]}): drift "
        "%{marker.color:.3f}, discretion %{customdata[2]:.3f}, captured by group "
        "%{customdata[3]} (-1: free)<extra></extra>",
    )  # fmt: skip


def _layout(fig: go.Figure, levels: int) -> go.Figure:
    reach = levels + PAD
    rings = [
        dict(type="circle", x0=-k, y0=-k, x1=k, y1=k, layer="below",
             line=dict(color="#E5E5E5", width=1))
        for k in range(1, levels + 1)
    ]  # fmt: skip
    fig.update_xaxes(visible=False, range=[-reach, reach], constrain="domain")
    fig.update_yaxes(visible=False, range=[-reach, reach], scaleanchor="x", constrain="domain")
    legend = dict(orientation="v", x=1.03, xanchor="left", y=1, yanchor="top")
    return fig.update_layout(shapes=rings, legend=legend)


def _edges(df: pd.DataFrame) -> dict[str, Any]:
    x, y = df["x"].to_numpy(), df["y"].to_numpy()  # row 0 is the root, row i + 1 office i
    parent = df["parent"].to_numpy()[1:] + 1  # the root's row for level-1 offices
    gap = np.full(len(parent), np.nan)
    xs = np.column_stack([x[parent], x[1:], gap]).ravel()
    ys = np.column_stack([y[parent], y[1:], gap]).ravel()
    return dict(
        type="scatter", x=xs, y=ys, mode="lines", line=dict(color="#BBBBBB", width=0.6),
        hoverinfo="skip", showlegend=False,
    )  # fmt: skip
