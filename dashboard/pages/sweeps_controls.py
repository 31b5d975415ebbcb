"""The Sweeps page's controls that follow other controls: a new store's options and
selectors, the selectors of the factors on an axis hidden, a click on the PRIM trajectory
selecting its box (a new outcome goes back to the best F1 box), paging the run table."""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, no_update
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from dashboard import guard, panels
from dashboard.context import Context
from dashboard.pages import sweeps_parts as parts
from dashboard.state import SweepsState

P = "sweeps"
MAX_PAGE = 10**6
FIX_BOX = {"type": "sweeps-fix-box", "factor": ALL}
PICKED = ("metric", "x", "y", "metrics", "along", "color")  # controls a new store resets


def register(app, ctx: Context) -> None:
    """Controls that follow other controls: a new store's options, the axis factors'
    selectors disabled, a click on the PRIM trajectory, paging."""

    @app.callback(
        *[Output(f"sweeps-{k}", "options") for k in PICKED],
        *[Output(f"sweeps-{k}", "value") for k in PICKED],
        Output("sweeps-box", "value", allow_duplicate=True),
        Output("sweeps-fixes", "children"),
        Output("sweeps-info", "children"),
        Output("sweeps-page", "data", allow_duplicate=True),
        Input("sweeps-store", "value"),
        prevent_initial_call=True,
    )
    def pick(name):
        try:
            f, name, _ = parts.open_store(SweepsState(guard.text(name, "store", 1000)), ctx)
        except guard.BadInput:
            f = None
        return fresh(f, name)

    @app.callback(
        Output(FIX_BOX, "style"),
        Input("sweeps-x", "value"),
        Input("sweeps-y", "value"),
        State(FIX_BOX, "id"),
        prevent_initial_call=True,
    )
    def on_axis(x, y, ids):
        """A factor on an axis has no selector (its levels are the axis)."""
        try:
            names = [guard.record(i, "fix id", {"factor": str})["factor"] for i in ids]
            return [parts.hidden(n in (x, y)) for n in names]
        except (guard.BadInput, TypeError):
            raise PreventUpdate from None

    @app.callback(
        Output("sweeps-box", "value", allow_duplicate=True),
        Input(panels.graph_id(f"{P}-prim"), "clickData"),
        Input("sweeps-outcome", "value"),
        prevent_initial_call=True,
    )
    def select_box(click, _outcome):
        """A click on the trajectory selects that box; a new outcome goes back to the best
        F1 box (the old step may not exist on the new trajectory)."""
        if dash_ctx.triggered_id == "sweeps-outcome":
            return None
        return clicked_step(click)

    @app.callback(
        Output("sweeps-page", "data", allow_duplicate=True),
        Input("sweeps-prev", "n_clicks"),
        Input("sweeps-next", "n_clicks"),
        State("sweeps-page", "data"),
        prevent_initial_call=True,
    )
    def turn(_, __, page):
        step = -1 if dash_ctx.triggered_id == "sweeps-prev" else 1
        try:
            return max(0, guard.whole(page, "page", 0, MAX_PAGE) + step)
        except guard.BadInput:
            return 0


def clicked_step(click: Any) -> Any:
    """The trajectory step of a click (the point's first custom value), or no change for a
    click elsewhere (the selected box's ring, a malformed event)."""
    try:
        point = click["points"][0]
        step = point["customdata"][0]
    except (KeyError, IndexError, TypeError):
        return no_update
    ok = isinstance(step, int | float) and not isinstance(step, bool)
    if not ok or not 0 <= step <= SweepsState.MAX_BOX or step != int(step):
        return no_update
    return int(step)


def fresh(f, name: str) -> tuple:
    """A newly picked store's controls: its options, the default of each control (the
    store's first factors as axes; the figures' own choice elsewhere; the best F1 box), a
    selector per factor, its description, the first page of runs."""
    if f is None:
        return (*[[]] * len(PICKED), *[None] * len(PICKED), None, [], None, 0)
    o = parts.options(f)
    x, y = parts.axes_of(SweepsState(), f)
    options = {**o, "x": o["axes"], "y": o["axes"], "metrics": o["metric"]}
    values = {"metric": parts.default_metric(o["metric"]), "x": x, "y": y, "metrics": []}
    holds = parts.holds(f, SweepsState(), x, y)
    return (*[options[k] for k in PICKED], *[values.get(k) for k in PICKED], None, holds,
            parts.info(f, name), 0)  # fmt: skip
