"""Parallel coordinates of a design store's levers and objectives (Inselberg 1985; the
many-objective view of Kasprzyk et al. 2013).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme

from .store import REEVAL, DesignStore, _pick

TITLE = "Levers and objectives"


def lever_column(store: DesignStore, path: str) -> pd.Series:
    """A lever's values per design; the oversight stack (JSON lists of layers) by the names
    of its layers in the spec ('monitor+audit', 'none')."""
    col, spec = store.evaluations[path], store.spec.get("levers", {}).get(path)
    if not (isinstance(spec, dict) and "stack" in spec):
        return col
    names = {repr(sorted(layer.items())): n for n, layer in spec["stack"].items()}

    def name(raw) -> str:
        """One design's stack as its layers' names."""
        layers = json.loads(raw) if isinstance(raw, str) else list(raw)
        return "+".join(names.get(repr(sorted(x.items())), "?") for x in layers) or "none"

    return col.map(name)


def _levels(store: DesignStore, path: str, values: pd.Series) -> list:
    """A categorical lever's levels: the spec's choices in order, else the values seen."""
    spec = store.spec.get("levers", {}).get(path)
    seen = list(dict.fromkeys(values.dropna()))
    if isinstance(spec, list):
        return [v for v in spec if v in seen] + [v for v in seen if v not in spec]
    return sorted(seen, key=lambda v: (str(v).count("+"), str(v)))


def parallel_data(store: DesignStore, color: str | None = None) -> pd.DataFrame:
    """One row per evaluated design: each lever (the stack by its layer names), each
    objective, on_front. attrs: levers, categorical ({lever: levels}), objectives, color
    ('front' or an objective's column), finding."""
    objs = store.objectives()
    ev = store.evaluations
    df = pd.DataFrame({"design": ev["design"], "label": ev["label"]})
    cats = {}
    for path in store.levers:
        df[path] = lever_column(store, path)
        if not pd.api.types.is_numeric_dtype(df[path]):
            cats[path] = _levels(store, path, df[path])
    for o in objs:
        df[o.column] = ev[o.column].astype(float)
    df["on_front"] = ev["design"].isin(store.front()).to_numpy()
    df["feasible"] = ev["feasible"].astype(bool).to_numpy()
    chosen = "front" if color in (None, "", "front") else _pick(store, [color])[0].column
    df.attrs.update(levers=store.levers, categorical=cats, objectives=objs, color=chosen)
    df.attrs["finding"] = parallel_finding(df)
    return df


def parallel_finding(df: pd.DataFrame) -> str:
    """What the front's designs share: the commonest level of a categorical lever and the
    numeric lever whose front range is narrowest against the range searched."""
    a, front = df.attrs, df[df["on_front"]]
    if front.empty or not a["levers"]:
        return findings.sentence(f"{len(df)} designs evaluated, none on a feasible front")
    parts = [f"The {len(front)} front designs (of {len(df)})"]
    cat_share = {p: front[p].value_counts().iloc[0] / len(front) for p in a["categorical"]}
    if cat_share:
        p = max(cat_share, key=cat_share.get)
        level, k = front[p].value_counts().index[0], front[p].value_counts().iloc[0]
        parts.append(f"use {_lever(p)} {level} in {k} of {len(front)}")
    spans = {}
    for p in (p for p in a["levers"] if p not in a["categorical"]):
        full = float(np.ptp(df[p].astype(float)))
        spans[p] = float(np.ptp(front[p].astype(float))) / full if full > 0 else np.inf
    if spans and np.isfinite(min(spans.values())):
        p = min(spans, key=spans.get)
        lo, hi = front[p].min(), front[p].max()
        glo, ghi = df[p].min(), df[p].max()
        joint = "and keep" if len(parts) > 1 else "keep"
        parts.append(f"{joint} {_lever(p)} between {findings.num(lo)} and {findings.num(hi)} "
                     f"(all designs: {findings.num(glo)} to {findings.num(ghi)})")  # fmt: skip
    return findings.sentence(*parts)


def _lever(path: str) -> str:
    """A lever path in words ('ai_agents.audit_budget' -> 'audit budget')."""
    return path.rsplit(".", 1)[-1].replace("_", " ")


def _wrap(text: str, width: int = 14) -> str:
    """An axis label in lines of about `width` characters."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) or text


def parallel_draw(df: pd.DataFrame) -> go.Figure:
    """One axis per lever (categorical levers and the stack as codes with their names), one
    per objective; lines coloured by front membership or an objective."""
    a = df.attrs
    dims = []
    for p in a["levers"]:
        if p in a["categorical"]:
            levels = a["categorical"][p]
            codes = df[p].map({v: i for i, v in enumerate(levels)}).to_numpy(dtype=float)
            dims.append(dict(label=_wrap(_lever(p)), values=codes,
                             tickvals=list(range(len(levels))),
                             ticktext=[str(v).replace("_", " ") for v in levels],
                             range=[-0.2, len(levels) - 0.8]))  # fmt: skip
        else:
            dims.append(dict(label=_wrap(_lever(p)), values=df[p].to_numpy(dtype=float)))
    for o in a["objectives"]:
        arrow = " ↑" if o.sense == "max" else " ↓"
        dims.append(dict(label=_wrap(f"{o.kind} {o.name}") + arrow,
                         values=df[o.column].to_numpy(dtype=float)))  # fmt: skip
    if a["color"] == "front":
        line = dict(color=df["on_front"].astype(float), cmin=0, cmax=1, showscale=True,
                    colorscale=[[0, theme.rgba("#999999", 0.5)], [1, REEVAL]],
                    colorbar=dict(tickvals=[0.25, 0.75], ticktext=["other", "front"],
                                  thickness=12, len=0.4))  # fmt: skip
    else:
        line = dict(
            color=df[a["color"]],
            colorscale="Viridis",
            showscale=True,
            colorbar=dict(title=dict(text=a["color"], side="right"), thickness=12),
        )
    fig = theme.figure(f"{TITLE}: {len(df)} designs", height=500)
    fig.add_trace(go.Parcoords(
        dimensions=dims, line=line, domain=dict(x=[0.12, 0.88], y=[0, 0.84]), labelangle=0,
        labelside="top", labelfont=dict(size=12), tickfont=dict(size=11),
        rangefont=dict(size=1, color="rgba(0,0,0,0)"),
    ))  # fmt: skip
    return fig.update_layout(margin=dict(t=90, l=90, r=80, b=40))
