"""The regret heatmap of a design store: the front's designs x the search's worlds (Savage
1951's regret: the gap to the best design evaluated in that world).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme

from .store import DesignStore, Objective, Unavailable

TITLE = "Regret per world"


def regret_data(store: DesignStore, objective: str | None = None) -> pd.DataFrame:
    """Tidy, one row per front design x search world: value (the design's outcome there) and
    regret (its gap to the best of every evaluated design in that world, >= 0). attrs:
    objective, designs (rows, best first), worlds (columns, by uncertainty value when there
    is one), world_labels, evaluated, finding."""
    objs = store.per_world()
    by = {o.metric: o for o in objs} | {o.column: o for o in objs}
    o = objs[0] if objective in (None, "") else by.get(objective)
    if o is None:
        allowed = ", ".join(x.metric for x in objs)
        raise Unavailable(f"objective {objective!r} is not one of the search's ({allowed})")
    col = f"{o.metric}_{o.stat}"
    w = store.worlds
    if w.empty or col not in w:
        raise Unavailable(f"worlds.parquet has no column {col!r}")
    values = w.pivot_table(index="design", columns="world", values=col, aggfunc="mean")
    best = values.max() if o.sense == "max" else values.min()
    regret = (best - values) if o.sense == "max" else (values - best)
    front = [d for d in store.front() if d in values.index]
    if not front:
        raise Unavailable("no design on the front")
    labels = store.world_labels()
    order = _world_order(store, list(values.columns))
    ev = store.evaluations.set_index("design")
    robust = [c for c in (o.column,) if c in ev]
    rows_order = sorted(front, key=lambda d: regret.loc[d].max())
    if robust:
        rows_order = sorted(front, key=lambda d: -_sign(o) * float(ev.loc[d, robust[0]]))
    rows = [
        {"design": d, "label": ev.loc[d, "label"], "world": int(k),
         "world_label": labels[int(k)] if int(k) < len(labels) else f"world {k}",
         "value": float(values.loc[d, k]), "regret": float(regret.loc[d, k])}
        for d in rows_order for k in order
    ]  # fmt: skip
    df = pd.DataFrame(rows)
    df.attrs.update(objective=o, designs=rows_order, worlds=order, evaluated=len(values))
    df.attrs["finding"] = regret_finding(df)
    return df


def _sign(o: Objective) -> float:
    """+1 for a maximized objective, -1 for a minimized one."""
    return 1.0 if o.sense == "max" else -1.0


def _world_order(store: DesignStore, worlds: list) -> list:
    """The worlds by the value of the one numeric uncertainty, else in their order."""
    ws = store.manifest.get("worlds") or []
    keys = {k for w in ws for k in w}
    if len(keys) != 1 or len(ws) < len(worlds):
        return worlds
    (k,) = keys
    vals = [ws[int(i)].get(k) for i in worlds]
    if not all(isinstance(v, int | float) for v in vals):
        return worlds
    return [w for _, w in sorted(zip(vals, worlds, strict=True))]


def regret_finding(df: pd.DataFrame) -> str:
    """The largest regret of the front (design, world) and the minimax-regret design."""
    o: Objective = df.attrs["objective"]
    worst = df.loc[df["regret"].idxmax()]
    per = df.groupby("design")["regret"].max()
    calm = per.idxmin()
    calm_label = df.loc[df["design"] == calm, "label"].iloc[0]
    n_w, n_d = len(df.attrs["worlds"]), df.attrs["evaluated"]
    lead = (f"Against the best of {n_d} designs in each of {n_w} worlds, the front's largest "
            f"{o.name} regret is {findings.num(worst['regret'])} ({worst['label']} in "
            f"{worst['world_label']})")  # fmt: skip
    tail = (f"; {calm_label} has the smallest worst-case regret "
            f"({findings.num(per[calm])}, minimax regret)")  # fmt: skip
    return findings.sentence(lead, tail)


def regret_draw(df: pd.DataFrame) -> go.Figure:
    """Designs (rows, best first) x worlds (columns), the regret as colour and text."""
    o: Objective = df.attrs["objective"]
    grid = df.pivot(index="design", columns="world", values="regret")
    grid = grid.loc[df.attrs["designs"], df.attrs["worlds"]]
    labels = df.drop_duplicates("design").set_index("design")["label"]
    wl = df.drop_duplicates("world").set_index("world")["world_label"]
    ylab = [labels[d].replace(", ", "<br>") for d in grid.index]
    xlab = [wl[w] for w in grid.columns]
    height = max(theme.HEIGHT, 70 + 48 * len(grid) + 120)
    fig = theme.figure(f"{TITLE}: {o.name} ({o.stat})", height=height)
    fig.add_trace(go.Heatmap(
        z=grid.to_numpy(), x=xlab, y=ylab, colorscale="OrRd", zmin=0,
        text=[[findings.num(v) for v in r] for r in grid.to_numpy()], texttemplate="%{text}",
        textfont=dict(size=11), xgap=2, ygap=2,
        colorbar=dict(title=dict(text=f"regret in {o.name}", side="right"), thickness=12),
        hovertemplate="%{y}<br>%{x}: regret %{z:.3g}<extra></extra>",
    ))  # fmt: skip
    fig.update_yaxes(autorange="reversed", tickfont_size=10, showgrid=False, showline=False)
    fig.update_xaxes(title_text="world (the search's worlds)", showline=False, tickangle=0)
    return fig
