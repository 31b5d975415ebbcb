"""Sweeps: open a sweep store from the results folder (and nothing outside it); a phase
diagram of any metric over any two varied parameters, sensitivity bars (Sobol or Morris
designs), PRIM boxes for an outcome of interest, and a table of runs where each run opens in
Explore with its exact seed and parameters."""

from __future__ import annotations

from typing import Any

import yaml
from dash import Input, Output, State, dcc, html, no_update
from dash import ctx as dash_ctx

from dashboard import guard, panels, stores, views
from dashboard.context import Context
from dashboard.reproduce import known
from dashboard.state import SweepsState
from sim.errors import ConfigError

TITLE = "Sweeps"
P = "sweeps"
PAGE_SIZE = 20
MAX_PAGE = 10**6
SENSITIVITY = {"sobol": "sobol_indices", "morris": "morris_screening"}
CARDS = {
    "phase": "Phase diagram (mean over replications)",
    "sens": "Sensitivity",
    "prim": "Scenario discovery (PRIM)",
}


def options(f) -> dict[str, list]:
    return {"metric": list(f.metrics), "axes": list(f.params)}


def default_metric(metrics: list[str]) -> str | None:
    return (views.default_metrics(metrics) or metrics or [None])[0]


def info(f, name: str) -> Any:
    m = f.manifest
    counts = m.get("counts", {})
    lines = [
        f"{name}: {m.get('sweep', m.get('spec', {}).get('id', ''))} ({f.kind} design)",
        f"{len(f.summary)} runs finished, {len(f.failures)} failed, "
        f"{counts.get('total', len(f.design))} planned",
        "varied: " + (", ".join(f.params) or "nothing"),
    ]
    return [html.Div(t) for t in lines] + [panels.message(f.notes, "info")]


def open_store(state: SweepsState, ctx: Context) -> tuple[Any, str, list[str]]:
    """(Frames or None, store name, messages) for the state's store, else the first store."""
    found = stores.discover(ctx.results)
    name = state.store or (found[0] if found else "")
    if not name:
        hint = f"no sweep stores in {ctx.results}: make one with `instalign sweep "
        return None, "", [hint + "scenarios/sweeps/demo.yaml --out results/demo`"]
    try:
        return stores.load(ctx.results, name), name, []
    except ConfigError as err:
        return None, name, [str(err)]


def sidebar(state: SweepsState, ctx: Context, f, name: str, errors: list[str]) -> html.Aside:
    opts = options(f) if f is not None else {"metric": [], "axes": []}
    axes = opts["axes"]
    x = state.x or (axes[0] if axes else None)
    y = state.y or (axes[1] if len(axes) > 1 else None)
    metric = state.metric or default_metric(opts["metric"])
    return html.Aside(
        [
            html.Label("Sweep store", htmlFor="sweeps-store"),
            dcc.Dropdown(id="sweeps-store", options=stores.discover(ctx.results), value=name,
                         clearable=False, placeholder="no stores"),
            html.Div(info(f, name) if f is not None else None, id="sweeps-info", className="desc"),
            html.Div(panels.message(errors), id="sweeps-errors"),
            html.Label("Metric", htmlFor="sweeps-metric"),
            dcc.Dropdown(id="sweeps-metric", options=opts["metric"], value=metric,
                         clearable=False),
            html.Label("x parameter", htmlFor="sweeps-x"),
            dcc.Dropdown(id="sweeps-x", options=axes, value=x, clearable=False),
            html.Label("y parameter", htmlFor="sweeps-y"),
            dcc.Dropdown(id="sweeps-y", options=axes, value=y, clearable=False),
            html.Label("PRIM outcome of interest", htmlFor="sweeps-outcome"),
            dcc.Input(id="sweeps-outcome", type="text", value=state.outcome, debounce=True,
                      placeholder="e.g. catastrophes > 0, welfare < baseline"),
        ],
        className="sidebar",
    )  # fmt: skip


def layout(search: str | None, ctx: Context) -> html.Div:
    state, errors = SweepsState.from_search(search)
    f, name, more = open_store(state, ctx)
    cards = {k: panels.figure_card(f"{P}-{k}", title) for k, title in CARDS.items()}
    table = html.Div(
        [
            html.H3("Runs", className="card-title"),
            html.Div(id="sweeps-table", className="table-wrap"),
            html.Div(
                [
                    html.Button("Previous", id="sweeps-prev", n_clicks=0),
                    html.Span(id="sweeps-page-label"),
                    html.Button("Next", id="sweeps-next", n_clicks=0),
                ],
                className="pager",
            ),
        ],
        className="card",
        id="sweeps-runs",
    )
    main = html.Section(
        [
            cards["phase"],
            html.Div([cards["sens"], cards["prim"]], className="grid2"),
            html.Div(id="sweeps-rule", className="card rules"),
            table,
            panels.reproduce_panel(P, label="Sweep spec YAML (as the store recorded it):"),
        ],
        className="main",
    )
    page = dcc.Store(id="sweeps-page", data=state.page)
    return html.Div([sidebar(state, ctx, f, name, errors + more), main, page], className="layout")


def read_state(name, metric=None, x=None, y=None, outcome=None, page=None) -> SweepsState:
    """The page's controls (client data) as a SweepsState; guard.BadInput names the field."""
    values = (name, metric, x, y, outcome)
    texts = [guard.text(v, k, 1000) for k, v in zip(SweepsState.KEYS, values, strict=True)]
    return SweepsState(*texts, guard.whole(page, "page", 0, MAX_PAGE))


def view_specs(state: SweepsState, f) -> dict[str, dict]:
    source = {"kind": "store", "store": state.store}
    sens = SENSITIVITY.get(f.kind, "sobol_indices")
    return {
        "phase": views.spec("phase_diagram", source, metric=state.metric, x=state.x, y=state.y),
        "sens": views.spec(sens, source, metrics=[state.metric] if state.metric else None),
        "prim": views.spec("scenario_discovery", source, outcome_text=state.outcome or None),
    }


def run_table(f, page: int, metric: str) -> tuple[html.Table, str, int, int]:
    """One page of runs, each with a link that opens it in Explore."""
    runs = f.runs().sort_values("run_id")
    pages = max(1, -(-len(runs) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    part = runs.iloc[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    cols = ["run_id", "scenario", "intervention", *f.params, "seed", *([metric] if metric else [])]
    cols = [c for c in dict.fromkeys(cols) if c in part]
    found = known()
    head = html.Tr([html.Th(c.rsplit(".", 1)[-1]) for c in cols] + [html.Th("")])
    rows = [
        html.Tr([html.Td(_fmt(r[c])) for c in cols] + [html.Td(_link(f, r["run_id"], found))])
        for _, r in part.iterrows()
    ]
    label = f"page {page + 1} of {pages} ({len(runs)} runs)"
    table = html.Table([html.Thead(head), html.Tbody(rows)], className="runs-table")
    return table, label, page, pages


def _link(f, run_id, ids) -> Any:
    try:
        href = stores.explore_link(f, int(run_id), ids)
    except (ConfigError, ValueError, KeyError, TypeError) as err:  # a store value gone bad
        return html.Span(f"cannot open: {str(err)[:80]}", className="param-msg")
    return dcc.Link("open in Explore", href=href, className="open-run")


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def reproduce(f, name: str) -> tuple[str, str]:
    spec = f.manifest.get("spec", {})
    out = f"results/{name}"
    cli = "\n".join(
        [
            f"instalign sweep spec.yaml --out {out}   # spec.yaml: the YAML below",
            f"instalign figures {out} --out figures/{name}",
            f"instalign rerun {out} RUN_ID            # one run, bit for bit",
        ]
    )
    return cli, yaml.safe_dump(_no_nulls(spec), sort_keys=False, allow_unicode=True)


def _no_nulls(value: Any) -> Any:
    """The spec without its unset (null) fields: the same spec, readable."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


def render(state: SweepsState, ctx: Context) -> tuple:
    f, name, errors = open_store(state, ctx)
    if f is None:
        return failed(errors)
    state = SweepsState(name, state.metric, state.x, state.y, state.outcome, state.page)
    specs = view_specs(state, f)
    done = {k: views.show(v, None, f) for k, v in specs.items()}
    if f.kind not in SENSITIVITY:
        why = f"Sensitivity bars need a sobol or morris design (this sweep: {f.kind})."
        done["sens"] = (views.note(why), None)
    prim = done["prim"][1]
    rule = f"PRIM box for {prim.attrs['outcome']}: {prim.attrs['rule']}" if prim is not None else ""
    table, label, page, pages = run_table(f, state.page, state.metric)
    cli, spec_yaml = reproduce(f, name)
    search = SweepsState(name, state.metric, state.x, state.y, state.outcome, page).to_search()
    figs = [d[0] for d in done.values()]
    pager = (page == 0, page >= pages - 1)
    rule_style = None if rule else {"display": "none"}
    out = (*figs, *specs.values(), rule, rule_style, table, label, *pager, cli, spec_yaml)
    return (*out, search, None)


def failed(why: str | list[str]) -> tuple:
    """The draw callback's outputs with only the message line changed."""
    return (*(no_update,) * (2 * len(CARDS) + 9), panels.message(why))


def register(app, ctx: Context) -> None:
    @app.callback(
        [Output(panels.graph_id(f"{P}-{k}"), "figure") for k in CARDS],
        [Output({"type": panels.SPEC, "view": f"{P}-{k}"}, "data") for k in CARDS],
        Output("sweeps-rule", "children"),
        Output("sweeps-rule", "style"),
        Output("sweeps-table", "children"),
        Output("sweeps-page-label", "children"),
        Output("sweeps-prev", "disabled"),
        Output("sweeps-next", "disabled"),
        Output("sweeps-cli", "children"),
        Output("sweeps-yaml", "children"),
        Output("url", "search", allow_duplicate=True),
        Output("sweeps-errors", "children"),
        Input("sweeps-store", "value"),
        Input("sweeps-metric", "value"),
        Input("sweeps-x", "value"),
        Input("sweeps-y", "value"),
        Input("sweeps-outcome", "value"),
        Input("sweeps-page", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def draw(name, metric, x, y, outcome, page):
        try:
            state = read_state(name, metric, x, y, outcome, page)
        except guard.BadInput as err:
            return failed(str(err))
        return render(state, ctx)

    @app.callback(
        Output("sweeps-metric", "options"),
        Output("sweeps-metric", "value"),
        Output("sweeps-x", "options"),
        Output("sweeps-x", "value"),
        Output("sweeps-y", "options"),
        Output("sweeps-y", "value"),
        Output("sweeps-info", "children"),
        Output("sweeps-page", "data", allow_duplicate=True),
        Input("sweeps-store", "value"),
        prevent_initial_call=True,
    )
    def pick(name):
        try:
            f, name, _ = open_store(read_state(name), ctx)
        except guard.BadInput:
            f = None
        if f is None:
            return ([], None) * 3 + (None, 0)
        o = options(f)
        axes = o["axes"]
        x, y = [*axes, None, None][:2]
        return o["metric"], default_metric(o["metric"]), axes, x, axes, y, info(f, name), 0

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
