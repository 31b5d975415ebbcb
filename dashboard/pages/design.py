"""Design: open a design store (`instalign design SPEC --out DIR`, below the results folder and
nothing outside it), see its Pareto front with the re-evaluated values and the convergence of
the search, pick a design from the front's table (or click it on the front) and read its lever
values, then open it in Explore with the scenario, the spec's fixed overrides and the design's
lever values set, or copy the exact `instalign run` command. The figures are the CLI's
(`instalign design-figures`, analysis/design_figures/), drawn by the same functions.

The URL keeps the store and the selected design (`?store=NAME&design=KEY`). The uncertainties
are not levers: Explore runs the design at the scenario's own values of them (the page says
so). analysis.design_figures (pandas, plotly) is imported when a callback runs, not with the
page."""

from __future__ import annotations

import json
from typing import Any

from dash import ALL, Input, Output, State, callback_context, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import guard, panels, stores
from dashboard.context import Context
from dashboard.state import _first, _pairs, to_search
from sim.errors import ConfigError

TITLE = "Design"
P = "design"
PICK = {"type": "design-pick", "design": ALL}
CARDS = {
    "front": "Pareto front (search values; the front re-evaluated on fresh worlds, 95% CIs)",
    "convergence": "Convergence of the search",
}
UNCERTAINTY_NOTE = (
    "Explore runs the design at the scenario's own values of the uncertainties "
    "({names}); the search judged it across {worlds} worlds."
)


def read_search(search: str | None) -> tuple[dict[str, str], list[str]]:
    """{store, design} from the URL query, and messages about what was dropped."""
    errors: list[str] = []
    pairs = _pairs(search, errors)
    return {k: (_first(pairs, k) or "")[:300] for k in ("store", "design")}, errors


def design_stores(ctx: Context) -> list[str]:
    """The design stores below the results folder (a store with evaluations.parquet)."""
    return stores.discover(ctx.results, designs=True)


def open_store(ctx: Context, name: str):
    """The design store `name` (inside the results folder); ConfigError says why not."""
    from analysis.design_figures import is_design_store, open_design

    path = stores.resolve(ctx.results, name)
    if not is_design_store(path):
        raise ConfigError(f"{name!r} is not a design store (no evaluations.parquet)", path="store")
    return open_design(path)


def card(view: str, title: str) -> html.Div:
    """A figure card with its finding under the graph (assets/findings.js fills it)."""
    graph = dcc.Graph(id=f"{P}-{view}-graph", config=panels.GRAPH_CONFIG)
    return html.Div(
        [html.H3(title, className="card-title"),
         dcc.Loading(graph, type="dot", delay_show=400), html.P(className="finding")],
        className="card", id=f"{P}-{view}-card",
    )  # fmt: skip


def layout(search: str | None, ctx: Context) -> html.Div:
    """The page: a sidebar (store, its description), the two figures, the front's table and
    the selected design."""
    want, errors = read_search(search)
    found = design_stores(ctx)
    name = want["store"] if want["store"] in found else (found[0] if found else None)
    if want["store"] and want["store"] not in found:
        errors.append(f"store: no design store {want['store'][:80]!r} in the results folder")
    if not found:
        errors.append("no design store in the results folder: run `instalign design SPEC "
                      "--out results/NAME` first")  # fmt: skip
    side = html.Aside(
        [html.Label("Design store", htmlFor=f"{P}-store"),
         dcc.Dropdown(id=f"{P}-store", options=found, value=name, clearable=False,
                      placeholder="no design stores"),
         html.Div(id=f"{P}-info", className="desc"),
         html.Div(panels.message(errors), id=f"{P}-errors")],
        className="sidebar",
    )  # fmt: skip
    front = html.Div(
        [html.H3("Designs on the front", className="card-title"),
         html.P("Select a design to see its levers and open it in Explore.", className="desc"),
         html.Div(id=f"{P}-table", className="table-wrap")],
        className="card", id=f"{P}-front-table",
    )  # fmt: skip
    detail = html.Div(id=f"{P}-detail", className="card", **{"aria-live": "polite"})
    main = html.Section([card("front", CARDS["front"]), front, detail,
                         card("convergence", CARDS["convergence"])], className="main")  # fmt: skip
    chosen = dcc.Store(id=f"{P}-selected", data=want["design"])
    return html.Div([side, main, chosen], className="layout")


def figures(ctx: Context, name: str) -> tuple:
    """(front figure, convergence figure, table, info, errors) of store `name`."""
    from analysis import design_figures as dfig
    from dashboard import views

    try:
        store = open_store(ctx, name)
    except ConfigError as err:
        note = views.note(str(err))
        return note, note, None, None, panels.message(str(err))
    out = []
    for fig in ("pareto_front", "convergence"):
        try:
            df, drawn = dfig.figure(store, fig)
            out.append(views.screen(views.with_finding(drawn, df.attrs.get("finding", ""))))
        except dfig.Unavailable as err:
            out.append(views.note(str(err)))
    return (*out, table(store), info(store), None)


def info(store) -> str:
    """One line about the store: its id, scenario, objectives, evaluations and worlds."""
    spec = store.spec
    objs = ", ".join(f"{o.sense} {o.metric}" for o in store.objectives())
    return (f"{spec.get('id')}: {spec.get('scenario')}, {objs}; {len(store.evaluations)} "
            f"designs on {len(store.world_labels())} worlds, {len(store.front())} on the "
            f"front; status {store.manifest.get('status', '?')}")  # fmt: skip


def _num(v: Any) -> str:
    """A number to three significant figures ('n/a' when it is not one)."""
    try:
        return f"{float(v):.3g}"
    except (TypeError, ValueError):
        return "n/a"


LEFT = {"textAlign": "left"}


def _lines(label: str) -> list:
    """A design's label with one lever per line."""
    parts = str(label).split(", ")
    return [x for i, p in enumerate(parts) for x in ([html.Br()] if i else []) + [p]]


def table(store) -> html.Table:
    """The front's designs, best first in the first objective: a Select button, the label,
    each objective's search value and its re-evaluated value with its 95% CI."""
    objs = store.objectives()
    ev = store.evaluations.set_index("design")
    re = store.pareto.set_index("design") if store.reevaluated() else None
    head = [html.Th("design", style=LEFT), *(html.Th(f"{o.kind} {o.name}") for o in objs)]
    head += [html.Th(f"{o.kind} {o.name} re-evaluated [95% CI]") for o in objs if re is not None]
    first = objs[0]
    sign = -1.0 if first.sense == "max" else 1.0  # best first
    rows = []
    for key in sorted(store.front(), key=lambda k: sign * float(ev.loc[k, first.column])):
        cells = [
            html.Td(_lines(ev.loc[key, "label"]), style=LEFT),
            *(html.Td(_num(ev.loc[key, o.column])) for o in objs),
        ]
        if re is not None and key in re.index:
            r = re.loc[key]
            cells += [html.Td(f"{_num(r[f're {o.column}'])} [{_num(r[f're {o.column} lo'])}, "
                              f"{_num(r[f're {o.column} hi'])}]") for o in objs]  # fmt: skip
        button = html.Button("Select", id={"type": "design-pick", "design": key},
                             className="btn-small", n_clicks=0)  # fmt: skip
        rows.append(html.Tr([html.Td(button), *cells], id=f"{P}-row-{key}"))
    return html.Table([html.Thead(html.Tr([html.Th(""), *head])), html.Tbody(rows)],
                      className="runs-table")  # fmt: skip


def lever_values(store, key: str) -> dict[str, Any]:
    """The design's lever values {path: value} (evaluations.parquet's `levers` JSON)."""
    ev = store.evaluations.set_index("design")
    if key not in ev.index:
        raise ConfigError(f"no design {key[:40]!r} in this store", path="design")
    return json.loads(ev.loc[key, "levers"])


def overrides(store, key: str) -> dict[str, Any]:
    """Everything the design's runs set on the scenario, validated: the spec's fixed `set`,
    its `steps`, then the design's levers."""
    from sim.params import PARAMS

    spec = store.spec
    raw = {**(spec.get("set") or {}), **lever_values(store, key)}
    if spec.get("steps") is not None:
        raw["steps"] = spec["steps"]
    out = {}
    for path, value in raw.items():
        if path not in PARAMS:
            raise ConfigError(f"unknown parameter {path!r}", path="design")
        out[path] = PARAMS[path].validate(value)
    return out


def explore_link(store, key: str) -> str:
    """The Explore URL of the design: its scenario with the spec's overrides and levers."""
    from dashboard.state import ExploreState, replace_sets

    sid = str(store.spec.get("scenario", ""))
    return "/explore" + replace_sets(ExploreState(scenario=sid), overrides(store, key)).to_search()


def command(store, key: str) -> str:
    """The `instalign run` command of the design (the scenario's seed, the same overrides)."""
    from dashboard.reproduce import config_for, run_command

    sid = str(store.spec.get("scenario", ""))
    sets = overrides(store, key)
    config = config_for(sid, sets.items())
    return run_command(config, config["seed"], sets)


def detail(store, key: str) -> list:
    """The selected design: its lever values, the Explore link and the command."""
    from dashboard.reproduce import plain
    from dashboard.state import format_value

    values = lever_values(store, key)
    shown = {
        p: _num(v) if isinstance(v, float) else format_value(plain(v)) for p, v in values.items()
    }
    rows = [html.Tr([html.Td(p), html.Td(v)]) for p, v in shown.items()]
    names = ", ".join(p.rsplit(".", 1)[-1] for p in store.spec.get("uncertainties") or {})
    note = UNCERTAINTY_NOTE.format(names=names or "none", worlds=len(store.world_labels()))
    label = store.evaluations.set_index("design").loc[key, "label"]
    return [
        html.H3(f"Design {key}", className="card-title"),
        html.P(label, className="desc"),
        html.Table(
            [html.Thead(html.Tr([html.Th("lever"), html.Th("value")])), html.Tbody(rows)],
            className="runs-table",
        ),
        dcc.Link(
            "Open in Explore", href=explore_link(store, key), id=f"{P}-open", className="open-run"
        ),
        html.P(note, className="desc"),
        html.P("Command line:"),
        html.Div(
            [
                html.Pre(
                    command(store, key).replace(" --set ", " \\\n  --set "),
                    id=f"{P}-cli",
                    className="code",
                ),
                dcc.Clipboard(target_id=f"{P}-cli"),
            ],
            className="copyable",
        ),
    ]


def selected(ctx: Context, name: str, key: str) -> tuple:
    """(the detail panel, the URL query) of design `key` in store `name` (any evaluated
    design: a click on the front figure can pick one off the front; an unknown key shows the
    front's first)."""
    if not name:
        return None, no_update
    try:
        store = open_store(ctx, name)
        front, known = store.front(), set(store.evaluations["design"])
        key = key if key in known else (front[0] if front else "")
        body = detail(store, key) if key else [html.P("no design on the front")]
    except ConfigError as err:
        return panels.message(str(err)), no_update
    return body, to_search([("store", name), ("design", key)])


def picked(trigger: Any, click: Any) -> str:
    """The design key a button or a click on the front names (guard.BadInput when bad)."""
    if isinstance(trigger, dict) and trigger.get("type") == "design-pick":
        return guard.text(trigger.get("design"), "design", 40)
    points = guard.record(click, "clickData", {"points": list})["points"]
    data = points[0].get("customdata") if points and isinstance(points[0], dict) else None
    if not isinstance(data, list) or len(data) < 2:
        raise PreventUpdate  # a click on a point that is not a design
    return guard.text(data[1], "design", 40)


def register(app, ctx: Context) -> None:
    """The page's callbacks: draw a store, pick a design, show it."""

    @app.callback(
        Output(f"{P}-front-graph", "figure"),
        Output(f"{P}-convergence-graph", "figure"),
        Output(f"{P}-table", "children"),
        Output(f"{P}-info", "children"),
        Output(f"{P}-errors", "children"),
        Input(f"{P}-store", "value"),
    )
    def draw(name):
        """Draw the store's figures, table and description."""
        if not name:
            raise PreventUpdate
        return figures(ctx, guard.text(name, "store", 300))

    @app.callback(
        Output(f"{P}-selected", "data"),
        Input(PICK, "n_clicks"),
        Input(f"{P}-front-graph", "clickData"),
        prevent_initial_call=True,
    )
    def pick(clicks, click):
        """The design a Select button or a click on the front names."""
        trigger = callback_context.triggered_id
        if isinstance(trigger, dict) and not any(clicks or []):
            raise PreventUpdate  # the table was (re)drawn, nothing was pressed
        try:
            return picked(trigger, click)
        except guard.BadInput:
            raise PreventUpdate from None

    @app.callback(
        Output(f"{P}-detail", "children"),
        Output("url", "search", allow_duplicate=True),
        Input(f"{P}-selected", "data"),
        Input(f"{P}-store", "value"),
        State("url", "pathname"),
        prevent_initial_call="initial_duplicate",
    )
    def show(key, name, pathname):
        """The selected design's panel, and the URL that keeps it."""
        try:
            body, search = selected(ctx, guard.text(name, "store", 300),
                                    guard.text(key, "design", 40))  # fmt: skip
        except guard.BadInput as err:
            return panels.message(str(err)), no_update
        return body, search if pathname == f"/{P}" else no_update
