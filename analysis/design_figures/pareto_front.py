"""The Pareto front of a design store, with its re-evaluation: the winner's curse made visible,
an arrow from each front design's search value to its value on fresh worlds, with 95% CIs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme

from .store import FRONT, GREY, REEVAL, DesignStore, Objective, _pick

TITLE = "Pareto front"


def front_data(store: DesignStore, objectives: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per evaluated design: design, label, generation, feasible, on_front, each
    objective's search value and, for the front, its re-evaluated value with its 95% CI
    (`re {column}`, `... lo`, `... hi`). attrs: objectives, re_worlds, finding."""
    objs = _pick(store, objectives)
    ev = store.evaluations
    df = ev[["design", "label", "generation", "feasible", *(o.column for o in objs)]].copy()
    df["feasible"] = df["feasible"].astype(bool)
    df["on_front"] = df["design"].isin(store.front())
    re_cols = [f"re {o.column}{s}" for o in objs for s in ("", " lo", " hi")]
    if store.reevaluated():
        have = [c for c in re_cols if c in store.pareto]
        df = df.merge(store.pareto[["design", *have]], on="design", how="left")
    for c in re_cols:
        df[c] = df[c] if c in df else np.nan
    re = store.pareto.iloc[0] if store.reevaluated() else {}
    df.attrs.update(
        objectives=objs, re_worlds=int(re.get("re worlds", 0) or 0),
        re_replications=int(re.get("re replications", 0) or 0),
        worlds=len(store.world_labels()),
    )  # fmt: skip
    df.attrs["finding"] = front_finding(df)
    return df


def front_finding(df: pd.DataFrame) -> str:
    """The trade-off along the front and the winner's curse of its best-looking design."""
    objs: list[Objective] = df.attrs["objectives"]
    front = df[df["on_front"]]
    if front.empty:
        return findings.sentence(f"No feasible design among the {len(df)} evaluated")
    a = objs[0]
    if len(objs) == 1:
        best = _best(front, a)
        lead = f"The best of {len(df)} designs reaches {a.name} {findings.num(best[a.column])}"
    elif len(front) == 1:
        b, row = objs[1], front.iloc[0]
        lead = (f"One design is best on every objective: {a.name} {findings.num(row[a.column])} "
                f"at {b.name} {findings.num(row[b.column])}")  # fmt: skip
    else:
        b = objs[1]
        ends = front.sort_values(a.column, ascending=a.sense == "max")
        lo, hi = ends.iloc[0], ends.iloc[-1]
        lead = (
            f"The front trades {a.name} for {b.name}: {len(front)} of {len(df)} designs, from "
            f"{a.name} {findings.num(lo[a.column])} at {b.name} {findings.num(lo[b.column])} to "
            f"{findings.num(hi[a.column])} at {findings.num(hi[b.column])}"
        )
    return findings.sentence(lead, _curse(df, front, a))


def _best(rows: pd.DataFrame, o: Objective) -> pd.Series:
    """The row best in objective `o`."""
    x = rows[o.column].to_numpy(dtype=float)
    return rows.iloc[int(np.nanargmax(x) if o.sense == "max" else np.nanargmin(x))]


def _curse(df: pd.DataFrame, front: pd.DataFrame, o: Objective) -> str:
    """'; re-evaluated on 6 fresh worlds, the best-looking design lost 0.08 safety (0.975 ->
    0.892 [0.846, 0.938]: winner's curse)', or how it held up."""
    if not df.attrs["re_worlds"] or not np.isfinite(front[f"re {o.column}"]).any():
        return "; the front was not re-evaluated"
    row = _best(front, o)
    before, after = float(row[o.column]), float(row[f"re {o.column}"])
    lo, hi = float(row[f"re {o.column} lo"]), float(row[f"re {o.column} hi"])
    loss = o.loss(before, after)
    where = f"on {df.attrs['re_worlds']} fresh worlds"
    values = f"{findings.num(before)} → {findings.num(after)}{findings.interval(lo, hi)}"
    outside = not (min(lo, hi) <= before <= max(lo, hi))
    if loss > 0 and outside:
        return (f"; re-evaluated {where}, the best-looking design lost {findings.num(loss)} "
                f"{o.name} ({values}: winner's curse)")  # fmt: skip
    if loss > 0:
        return (f"; re-evaluated {where}, the best-looking design lost {findings.num(loss)} "
                f"{o.name} ({values}), within its 95% CI")  # fmt: skip
    return f"; re-evaluated {where}, the best-looking design held up in {o.name} ({values})"


def _axis_title(o: Objective, worlds: int) -> str:
    """'safety (share), mean over 4 worlds ↑' (the arrow points to better)."""
    arrow = "↑" if o.sense == "max" else "↓"
    if o.kind == "satisficing":
        return f"share of worlds meeting every threshold {arrow}"
    return f"{theme.label(o.metric)}, {o.kind} over {worlds} worlds {arrow}"


def front_draw(df: pd.DataFrame) -> go.Figure:
    """Two objectives: a scatter of every design, the front joined, its re-evaluated values
    with CIs and an arrow from each search value; three or more: a scatter matrix; one: the
    objective per generation."""
    objs = df.attrs["objectives"]
    if len(objs) == 1:
        return _front_1d(df, objs[0])
    if len(objs) >= 3:
        return _front_matrix(df, objs)
    return _front_2d(df, *objs)


def _hover(o1: Objective, o2: Objective) -> str:
    """The hover text of a design on the front figure."""
    return (f"%{{customdata[0]}}<br>{o1.name} %{{x:.3g}}, {o2.name} %{{y:.3g}}"
            "<extra>%{customdata[1]}</extra>")  # fmt: skip


def _front_2d(df: pd.DataFrame, a: Objective, b: Objective) -> go.Figure:
    """The 2-objective front (see `front_draw`)."""
    fig = theme.figure(f"{TITLE}: {a.name} and {b.name}", height=520)
    groups = [
        ("infeasible", ~df["feasible"], dict(color=GREY, symbol="x", size=7)),
        ("other designs", df["feasible"] & ~df["on_front"],
         dict(color=theme.rgba(FRONT, 0.35), size=8)),
        ("front (search)", df["on_front"],
         dict(color="white", size=10, line=dict(color=FRONT, width=2))),
    ]  # fmt: skip
    for name, mask, marker in groups:
        part = df[mask].sort_values(a.column)
        if part.empty:
            continue
        line = name == "front (search)"
        fig.add_trace(go.Scatter(
            x=part[a.column], y=part[b.column], name=name, marker=marker,
            mode="lines+markers" if line else "markers",
            line=dict(color=FRONT, width=1, dash="dot") if line else None,
            customdata=part[["label", "design"]].to_numpy(), hovertemplate=_hover(a, b),
        ))  # fmt: skip
    _reevaluated(fig, df, a, b)
    w = df.attrs["worlds"]
    fig.update_xaxes(title_text=_axis_title(a, w))
    fig.update_yaxes(title_text=_axis_title(b, w))
    return fig.update_layout(legend=dict(orientation="h", y=-0.2, x=0, yanchor="top"),
                             margin_b=110)  # fmt: skip


def _reevaluated(fig: go.Figure, df: pd.DataFrame, a: Objective, b: Objective) -> None:
    """The front's re-evaluated values with CIs, each joined to its search value by an
    arrow (the shift is the selection's optimism: the winner's curse)."""
    rows = df[df["on_front"] & np.isfinite(df[f"re {a.column}"].astype(float))]
    if rows.empty:
        return
    ra, rb = f"re {a.column}", f"re {b.column}"

    def err(c: str) -> dict:
        """The asymmetric error bar of column `c` (its CI around the value)."""
        return dict(type="data", symmetric=False, array=rows[f"{c} hi"] - rows[c],
                    arrayminus=rows[c] - rows[f"{c} lo"], color=theme.rgba(REEVAL, 0.7),
                    thickness=1.2, width=3)  # fmt: skip

    n = df.attrs["re_worlds"]
    fig.add_trace(go.Scatter(
        x=rows[ra], y=rows[rb], mode="markers", name=f"front re-evaluated ({n} fresh worlds)",
        marker=dict(color=REEVAL, size=9, symbol="diamond"), error_x=err(ra), error_y=err(rb),
        customdata=rows[["label", "design"]].to_numpy(), hovertemplate=_hover(a, b),
    ))  # fmt: skip
    for _, r in rows.iterrows():
        fig.add_annotation(
            x=r[ra], y=r[rb], ax=r[a.column], ay=r[b.column], xref="x", yref="y", axref="x",
            ayref="y", showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.2,
            arrowcolor=theme.rgba(REEVAL, 0.8), standoff=5, text="",
        )  # fmt: skip


def _front_matrix(df: pd.DataFrame, objs: list[Objective]) -> go.Figure:
    """Three or more objectives: a scatter matrix (one panel per pair of objectives, lower
    triangle, drawn as plain scatters so the dashboard's partial plotly.js bundle shows it),
    the front in colour and, when it was re-evaluated, its re-evaluated values as diamonds
    (CIs are in the data and the table)."""
    from plotly.subplots import make_subplots

    k = len(objs) - 1
    fig = make_subplots(rows=k, cols=k, horizontal_spacing=0.06, vertical_spacing=0.06)
    fig.update_layout(theme.figure(f"{TITLE}: {len(objs)} objectives", height=640).layout)
    front = df["on_front"] & np.isfinite(df[f"re {objs[0].column}"].astype(float))
    n = df.attrs["re_worlds"]
    traces = [
        ("other designs", ~df["on_front"], "", dict(color=GREY, size=7)),
        ("front (search)", df["on_front"], "", dict(color=FRONT, size=7)),
        (f"front re-evaluated ({n} fresh worlds)", front, "re ",
         dict(color=REEVAL, size=8, symbol="diamond")),
    ]  # fmt: skip
    for name, mask, prefix, marker in traces:
        part = df[mask]
        for row in range(1, k + 1):
            for col in range(1, row + 1):
                y, x = objs[row], objs[col - 1]
                fig.add_trace(go.Scatter(
                    x=part[prefix + x.column], y=part[prefix + y.column], mode="markers",
                    name=name, legendgroup=name, showlegend=row == col == 1 and not part.empty,
                    marker=marker, text=part["label"],
                ), row=row, col=col)  # fmt: skip
                if row == k:
                    fig.update_xaxes(title_text=x.name, row=row, col=col)
                if col == 1:
                    fig.update_yaxes(title_text=y.name, row=row, col=col)
    return fig


def _front_1d(df: pd.DataFrame, o: Objective) -> go.Figure:
    """One objective (a satisficing share): its value per design and generation."""
    fig = theme.figure(f"{TITLE}: {o.name}")
    for name, mask, colour in (("other designs", ~df["on_front"], GREY),
                               ("best", df["on_front"], FRONT)):  # fmt: skip
        part = df[mask]
        fig.add_trace(go.Scatter(
            x=part["generation"], y=part[o.column], mode="markers", name=name,
            marker=dict(color=colour, size=9), text=part["label"],
        ))  # fmt: skip
    fig.update_xaxes(title_text="generation", dtick=1)
    return fig.update_yaxes(title_text=_axis_title(o, df.attrs["worlds"]))
