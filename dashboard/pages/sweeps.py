"""Sweeps: open a sweep store from the results folder (and nothing outside it); a phase
diagram of any metric over any two factors (parameters, interventions, arms, scenarios), the
other factors as panels or held at one level (never averaged), its mean or its CI half-width
(the uncertainty view); the response of chosen metrics along a parameter; parallel
coordinates of factors and metrics; PRIM's peeling trajectory, where a click selects a box,
and that box's limits (the box is in the URL); sensitivity bars (Sobol or Morris designs);
and a table of runs where each run opens in Explore with its exact seed and parameters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import ALL, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import guard, panels, stores, views
from dashboard.context import Context
from dashboard.pages import sweeps_controls as controls
from dashboard.pages import sweeps_parts as parts
from dashboard.state import SweepsState

TITLE = "Sweeps"
P = "sweeps"
MAX_PAGE = controls.MAX_PAGE
CARDS = {
    "phase": "Phase diagram (one design point per cell: mean and 95% CI over replications)",
    "response": "Response along a parameter (mean and 95% CI per design point)",
    "pc": "Parallel coordinates (one line per design point or run)",
    "prim": "Scenario discovery (PRIM): click a box on the peeling trajectory",
    "box": "Limits of the selected PRIM box",
    "sens": "Sensitivity",
}
SHOW = [{"label": "mean", "value": "mean"},
        {"label": "CI half-width (uncertainty)", "value": "ci"}]  # fmt: skip
PER = [{"label": "design point", "value": "point"}, {"label": "run", "value": "run"}]
FIX = {"type": "sweeps-fix", "factor": ALL}


def _drop(cid: str, label: str, options, value, **kw) -> list:
    return [html.Label(label, htmlFor=cid),
            dcc.Dropdown(id=cid, options=options, value=value, **kw)]  # fmt: skip


def sidebar(state: SweepsState, ctx: Context, f, name: str, errors: list[str]) -> html.Aside:
    opts = parts.options(f) if f is not None else {k: [] for k in parts.OPTIONS}
    x, y = parts.axes_of(state, f) if f is not None else (None, None)
    metric = state.metric or parts.default_metric(opts["metric"])
    stores_found = stores.discover(ctx.results)
    return html.Aside(
        [
            *_drop("sweeps-store", "Sweep store", stores_found, name, clearable=False,
                   placeholder="no stores"),
            html.Div(parts.info(f, name) if f is not None else None, id="sweeps-info",
                     className="desc"),
            html.Div(panels.message(errors), id="sweeps-errors"),
            html.H4("Phase diagram"),
            *_drop("sweeps-metric", "Metric", opts["metric"], metric, clearable=False),
            *_drop("sweeps-x", "x axis", opts["axes"], x, clearable=False),
            *_drop("sweeps-y", "y axis", opts["axes"], y, clearable=False),
            html.Div("Other factors: panels, or one level", className="desc"),
            html.Div(parts.holds(f, state, x, y) if f is not None else [], id="sweeps-fixes"),
            dcc.RadioItems(id="sweeps-show", options=SHOW, value=state.show),
            html.H4("Response and parallel coordinates"),
            *_drop("sweeps-metrics", "Metrics", opts["metric"], list(state.metrics), multi=True,
                   placeholder="the figures' choice"),
            *_drop("sweeps-along", "Response along", opts["along"], state.along or None,
                   placeholder="the parameter with most levels"),
            *_drop("sweeps-color", "Colour lines by", opts["color"], state.color or None,
                   placeholder="the first metric"),
            html.Label("One line per"),
            dcc.RadioItems(id="sweeps-per", options=PER, value=state.per),
            html.H4("Scenario discovery (PRIM)"),
            html.Label("Outcome of interest", htmlFor="sweeps-outcome"),
            dcc.Input(id="sweeps-outcome", type="text", value=state.outcome, debounce=True,
                      placeholder="e.g. catastrophes > 0, welfare < baseline"),
            html.Label("Box (step of the trajectory)", htmlFor="sweeps-box"),
            dcc.Input(id="sweeps-box", type="number", min=0, step=1, debounce=True,
                      value=state.box if state.box >= 0 else None,
                      placeholder="best F1 box; click the trajectory"),
        ],
        className="sidebar",
    )  # fmt: skip


def runs_card() -> html.Div:
    pager = html.Div(
        [
            html.Button("Previous", id="sweeps-prev", n_clicks=0),
            html.Span(id="sweeps-page-label"),
            html.Button("Next", id="sweeps-next", n_clicks=0),
        ],
        className="pager",
    )
    head = html.H3("Runs", className="card-title")
    return html.Div([head, html.Div(id="sweeps-table", className="table-wrap"), pager],
                    className="card", id="sweeps-runs")  # fmt: skip


def layout(search: str | None, ctx: Context) -> html.Div:
    state, errors = SweepsState.from_search(search)
    f, name, more = parts.open_store(state, ctx)
    cards = {k: panels.figure_card(f"{P}-{k}", title) for k, title in CARDS.items()}
    main = html.Section(
        [
            cards["phase"],
            cards["response"],
            cards["pc"],
            html.Div([cards["prim"], cards["box"]], className="grid2"),
            html.Div(id="sweeps-rule", className="card rules"),
            cards["sens"],
            runs_card(),
            panels.reproduce_panel(P, label="Sweep spec YAML (as the store recorded it):"),
        ],
        className="main",
    )
    page = dcc.Store(id="sweeps-page", data=state.page)
    return html.Div([sidebar(state, ctx, f, name, errors + more), main, page], className="layout")


def read_state(values: dict[str, Any], fixes=None, ids=None) -> SweepsState:
    """The page's controls (client data) as a SweepsState; guard.BadInput names the field."""
    texts = {k: guard.text(values.get(k), k, 1000) for k in (*SweepsState.KEYS, *SweepsState.TEXTS)}
    held = [guard.text(v, "fix", 200) for v in guard.texts(fixes, "fix", 50)]
    names = [guard.text(guard.record(i, "fix id", {"factor": str})["factor"], "fix", 200)
             for i in (ids or [])]  # fmt: skip
    fixed = tuple((k, v) for k, v in zip(names, held, strict=False) if v != parts.ALL)
    choices = {k: _choice(values.get(k), k, c) for k, c in SweepsState.CHOICES}
    box = values.get("box")
    return SweepsState(
        **texts, page=guard.whole(values.get("page"), "page", 0, MAX_PAGE), fixed=fixed,
        box=-1 if box in (None, "") else guard.whole(box, "box", 0, SweepsState.MAX_BOX),
        metrics=tuple(guard.texts(values.get("metrics"), "metrics", 20)), **choices,
    )  # fmt: skip


def _choice(value: Any, key: str, allowed: tuple[str, ...]) -> str:
    if value in (None, ""):
        return allowed[0]
    if value not in allowed:
        raise guard.BadInput(f"{key}: {str(value)[:40]!r} is not one of {', '.join(allowed)}")
    return value


# Each group of cards redraws only when one of its own controls changes (a click on the PRIM
# trajectory redraws the two PRIM cards, not the phase diagram), and the groups draw in
# parallel on the server's threads; one more callback keeps the URL and the messages.
GROUPS = {  # cards, the state fields they read (the store always), extra outputs
    "phase": (("phase",), ("metric", "x", "y", "show", "fixed")),
    "curves": (("response", "pc"), ("metrics", "along", "color", "per")),
    "prim": (("prim", "box"), ("outcome", "box")),
    "sens": (("sens",), ("metric",)),
}
EXTRA = {
    "prim": [Output("sweeps-rule", "children"), Output("sweeps-rule", "style")],
    "sens": [Output("sweeps-sens-card", "style")],
}
IDS = {"page": ("sweeps-page", "data")}  # every other field: the value of sweeps-<field>
FIELDS = ("store", "metric", "x", "y", "outcome", "show", "metrics", "along", "color", "per",
          "box", "page")  # fmt: skip


def inputs(fields) -> list:
    """The Dash inputs of state fields (`fixed`: the value of every factor's selector)."""
    out = [Input(*IDS.get(k, (f"sweeps-{k}", "value"))) for k in fields if k != "fixed"]
    return out + ([Input(FIX, "value"), State(FIX, "id")] if "fixed" in fields else [])


def client_state(fields, args) -> SweepsState:
    """The state from a callback's arguments (fields as `inputs` lists them; the others keep
    their defaults); guard.BadInput names a bad field."""
    plain = [k for k in fields if k != "fixed"]
    values = dict(zip(plain, args[: len(plain)], strict=True))
    fixes = args[len(plain) :] if "fixed" in fields else (None, None)
    return read_state(values, *fixes)


def cards(group: str, state: SweepsState, ctx: Context) -> tuple:
    """The group's figures and view specs, then its extra outputs."""
    names = GROUPS[group][0]
    f, name, errors = parts.open_store(state, ctx)
    if f is None:
        return (*[views.note("; ".join(errors))] * len(names), *[None] * len(names),
                *EXTRA_NONE[group])  # fmt: skip
    specs = parts.view_specs(replace(state, store=name), f)
    done = [views.show(specs[k], None, f) for k in names]
    return (*[d[0] for d in done], *[specs[k] for k in names], *extra(group, f, done))


EXTRA_NONE = {"phase": (), "curves": (), "prim": ("", {"display": "none"}), "sens": (None,)}


def extra(group: str, f, done: list) -> tuple:
    """The rule line under the PRIM cards; the sensitivity card hidden for designs without
    a sensitivity analysis (its figure, if shown, says why)."""
    if group == "prim":
        df = done[0][1]
        rule = f"PRIM box for {df.attrs['outcome']}: {df.attrs['rule']}" if df is not None else ""
        return rule, parts.hidden(not rule)
    if group == "sens":
        return (parts.hidden(f.kind not in parts.SENSITIVITY),)
    return ()


def table(state: SweepsState, ctx: Context) -> tuple:
    """The run table's page, its pager, and the reproduce panel."""
    f, name, errors = parts.open_store(state, ctx)
    if f is None:
        return (panels.message(errors), "", True, True, "", "")
    rows, label, page, pages = parts.run_table(f, state.page, state.metric)
    return (rows, label, page == 0, page >= pages - 1, *parts.reproduce(f, name))


def address(state: SweepsState, ctx: Context) -> tuple:
    """The URL query of the view and the page's message line."""
    f, name, errors = parts.open_store(state, ctx)
    if f is None:
        return no_update, panels.message(errors)
    notes = panels.message(parts.unknown_axes(state, f), "info")
    return replace(state, store=name).to_search(), notes


def register(app, ctx: Context) -> None:
    for group, (names, fields) in GROUPS.items():
        register_cards(app, ctx, group, names, fields)

    @app.callback(
        Output("sweeps-table", "children"),
        Output("sweeps-page-label", "children"),
        Output("sweeps-prev", "disabled"),
        Output("sweeps-next", "disabled"),
        Output("sweeps-cli", "children"),
        Output("sweeps-yaml", "children"),
        *inputs(("store", "metric", "page")),
    )
    def draw_table(*args):
        try:
            return table(client_state(("store", "metric", "page"), args), ctx)
        except guard.BadInput as err:
            return (panels.message(str(err)), *(no_update,) * 5)

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Output("sweeps-errors", "children"),
        *inputs((*FIELDS, "fixed")),
        prevent_initial_call="initial_duplicate",
    )
    def keep_address(*args):
        try:
            return address(client_state((*FIELDS, "fixed"), args), ctx)
        except guard.BadInput as err:
            return no_update, panels.message(str(err))

    controls.register(app, ctx)


def register_cards(app, ctx: Context, group: str, names, fields) -> None:
    fields = ("store", *fields)

    @app.callback(
        *[Output(panels.graph_id(f"{P}-{k}"), "figure") for k in names],
        *[Output({"type": panels.SPEC, "view": f"{P}-{k}"}, "data") for k in names],
        *EXTRA.get(group, []),
        *inputs(fields),
    )
    def draw(*args):
        try:
            return cards(group, client_state(fields, args), ctx)
        except guard.BadInput:
            raise PreventUpdate from None  # the message line says what is wrong
