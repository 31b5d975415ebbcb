"""Explore: pick a scenario, set its parameters (controls generated from the schema), run it
and watch the metrics over time as the run goes; replications (n seeds) show as CI bands;
the watch panel (`dashboard.watch`) shows the agents of a replication step by step, and the
tail panel (`dashboard.tail`) estimates the chance of a rare event by a step. Runs are
cached by scenario, parameters and seed; a Run whose runs are all cached draws at once,
otherwise it becomes a simulation job (a background callback with a progress bar and a
cancel button, see `dashboard.plans`). Drawing only reads the cache.

The sidebar renders a section's controls only when it is opened (`explore-pending` holds the
overrides of the URL, so a Run reads the right values for sections never opened), and a
section whose component is off shows only its on-switch. The scenario's notes, metric
tooltips and a glossary come from the declarations (`dashboard.glossary`)."""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from dash import ALL, Input, Output, State, dcc, html, no_update
from dash import ctx as dash_ctx

from dashboard import controls, glossary, guard, jobs, panels, plans, sections, tail, views, watch
from dashboard.context import Context
from dashboard.pages.explore_sidebar import (
    figures_class,
    load_state,
    prepare,
    register_sidebar,
    sidebar,
)
from dashboard.plans import Plan
from dashboard.reproduce import (
    replications_command,
    scenario_yaml,
)
from dashboard.runs import replicate, seeds_for
from dashboard.state import ExploreState, replace_sets
from sim.components import METRICS
from sim.errors import ConfigError

TITLE = "Explore"
P = "explore"
RUN_VIEWS = {"wa": ("welfare_vs_approval", "Welfare against approval (mean path)")}
CARDS = tuple(RUN_VIEWS)
LIVE_EVERY = 0.25  # seconds between live frames
STALE = "Stale: the settings changed since these figures were drawn. Press Run."


def ts_view(search: str, metrics: list[str]) -> dict[str, Any]:
    return views.spec("metrics_over_time", {"kind": "runs", "search": search}, metrics=metrics)


def layout(search: str | None, ctx: Context) -> html.Div:
    state, config, errors = load_state(search)
    metrics = list(state.metrics) or glossary.defaults(config)
    cards = [panels.figure_card(f"{P}-{k}", title) for k, (_, title) in RUN_VIEWS.items()]
    figures = html.Div(
        [
            html.Div(STALE, className="stale-mark", role="status"),
            panels.figure_card(f"{P}-ts", "Metrics over time"),
            html.Div(cards, className="grid2"),
            watch.panel(),
        ],
        id="explore-figures",
        className="figures",
    )
    main = html.Section(
        [
            glossary.about(config),
            html.Label("Metrics", htmlFor="explore-metrics"),
            dcc.Dropdown(id="explore-metrics", options=glossary.options(config), value=metrics,
                         multi=True, placeholder="the scenario's default metrics"),
            figures,
            tail.panel(),
            glossary.glossary(config),
            panels.reproduce_panel(P, panels.paste_box(P)),
        ],
        className="main",
        id="explore-main",
    )  # fmt: skip
    spec = cached(state, config, errors, ctx)
    stores = [dcc.Store(id="explore-spec", data=spec),
              dcc.Store(id="explore-ran"), dcc.Store(id="explore-job")]  # fmt: skip
    page = html.Div([sidebar(state, config, errors), main, *stores], className="layout")
    if spec is not None:
        drawn_in(page, spec, metrics, ctx)
    return page


def drawn_in(page: html.Div, spec: dict, metrics: list[str], ctx: Context) -> None:
    """The page arrives with the figures of a cached run already in it (what the draw
    callback would send: no Run or draw round trip on load, and the graphs mount with
    their figures). Falls back to the Run's initial call if a run left the cache since."""
    try:
        out = draw(spec, metrics, ctx)
    except views.NotCached:
        page["explore-spec"].data = None
        return
    if out[-1] is not no_update:  # a job request: not drawable from the cache after all
        page["explore-spec"].data = None
        return
    for (cid, prop, _), value in zip(DRAW_TARGETS, out, strict=True):
        if value is not no_update and prop != "search":
            setattr(page[cid], prop, value)


def cached(state: ExploreState, config, errors: list[str], ctx: Context) -> dict | None:
    """The result spec of the URL's runs when every one is cached (the layout then holds
    its figures, `drawn_in`); None otherwise (the Run's initial call then plans the job)."""
    if errors:
        return None
    state = replace_sets(replace(state, metrics=()), dict(state.sets))  # as a Run orders them
    seeds = [str(s) for s in seeds_for(config, state.reps)]
    spec = plans.start(plan_for(state, config), ctx, None, {"seeds": seeds})[0]
    return spec if isinstance(spec, dict) else None


def ts_figure(frames, metrics: list[str], search: str) -> tuple[dict, Any]:
    """The metrics-over-time view (only metrics this scenario records) and its figure, from
    the same analysis functions the CLI uses."""
    from analysis.data import frames as to_frames

    f = to_frames(frames)
    recorded = f.series_metrics
    wanted = [m for m in metrics if m in recorded] if metrics else views.default_metrics(recorded)
    view = ts_view(search, wanted)
    if not wanted:
        return view, views.note("none of the chosen metrics is recorded by this scenario")
    return view, views.show(view, None, f)[0]


def execute(set_progress, ctx: Context, state: ExploreState, config, metrics) -> dict:
    """Run (or read from the cache) every replication, streaming the live plot; this runs
    inside a simulation job, never in a request thread."""
    last = [0.0]

    def on_chunk(frames, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < LIVE_EVERY:
            return
        last[0] = now
        set_progress((str(done), str(total), ts_figure(list(frames), metrics, "")[1]))

    started = time.monotonic()
    runs = replicate(ctx.runs, config, state.reps, on_chunk)
    took = time.monotonic() - started
    # seeds as text: a 63-bit seed would lose digits as a JavaScript number
    return {"search": state.to_search(), "seeds": [str(r.seed) for r in runs], "seconds": took}


def status(result: dict) -> str:
    n = len(result["seeds"])
    return f"{n} run{'s' * (n != 1)} in {result['seconds']:.2f} s"


def plan_for(state: ExploreState, config) -> Plan:
    return Plan(state.to_search(), (config,), tuple(seeds_for(config, state.reps)))


def start(state: ExploreState, config, ctx: Context, click) -> tuple:
    seeds = [str(s) for s in seeds_for(config, state.reps)]
    return plans.start(plan_for(state, config), ctx, click, {"seeds": seeds})


def compute(set_progress, ctx: Context, job, metrics) -> tuple[Any, Any]:
    """A job request to (result spec, status): the job's own checks, then the runs."""
    try:
        search = plans.job_search(job)
        metrics = guard.names(metrics, "metrics", METRICS)
    except guard.BadInput as err:
        return no_update, panels.message(["Not run:", str(err)])
    state, config, errors = load_state(search)
    too_much = "" if errors else plan_for(state, config).over_budget(ctx)
    if errors or too_much:
        return no_update, panels.message(["Not run:", *errors, *[too_much] * bool(too_much)])
    try:
        result = execute(set_progress, ctx, state, config, metrics)
    except ConfigError as err:
        return no_update, panels.message(["Run failed:", str(err)])
    except Exception as err:  # the model raised: show it, keep serving
        return no_update, panels.message(["Run failed:", f"{type(err).__name__}: {err}"])
    return {**result, "click": job.get("click"), "computed": True}, "drawing..."


def draw(result, metrics, ctx: Context) -> tuple:
    """Every figure of a result spec from the cache, or a job request when its runs are not
    cached (the figures stay as they are until the job is done)."""
    try:
        result = plans.result(result, {"seeds": list})
        metrics = guard.names(metrics, "metrics", METRICS)
    except guard.BadInput as err:
        return (*only(panels.message(["Not drawn:", str(err)])), no_update)
    try:
        return (*render(result, metrics, ctx), no_update)
    except views.NotCached:
        state, config, errors = load_state(result["search"])
        job, why = plans.again(result, plan_for(state, config), errors, ctx)
        return (*only(why), job)


# what `draw` returns, in order: the draw callback's outputs (but the figures' stale mark)
DRAW_TARGETS = (  # (component id, property, also written by another callback)
    (panels.graph_id(f"{P}-ts"), "figure", True),
    ({"type": panels.SPEC, "view": f"{P}-ts"}, "data", False),
    *((panels.graph_id(f"{P}-{k}"), "figure", False) for k in CARDS),
    *(({"type": panels.SPEC, "view": f"{P}-{k}"}, "data", False) for k in CARDS),
    (panels.title_id(f"{P}-ts"), "title", False),
    ("explore-cli", "children", False),
    ("explore-yaml", "children", False),
    ("url", "search", True),
    ("explore-status", "children", True),
    ("explore-job", "data", True),
)
DRAWN = len(DRAW_TARGETS) - 2  # the outputs before the status and the job request


def only(status: Any) -> tuple:
    """The draw callback's outputs with only the status line changed."""
    return (*(no_update,) * DRAWN, status)


def register(app, ctx: Context) -> None:
    register_run(app, ctx)
    register_sidebar(app)
    sections.register(app, P)
    watch.register(app, ctx)
    tail.register(app, ctx)
    plans.register_cancel(app, P)


def register_run(app, ctx: Context) -> None:
    """Run (a result spec or a job request), the job, and the draw from the cache."""

    @app.callback(
        Output("explore-ran", "data"),
        Output("explore-job", "data"),
        Output("explore-status", "children"),
        Input("explore-run", "n_clicks"),
        State("explore-scenario", "value"),
        State("explore-reps", "value"),
        State({"type": controls.PARAM, "path": ALL}, "id"),
        State({"type": controls.PARAM, "path": ALL}, "value"),
        State("explore-pending", "data"),
        State("explore-spec", "data"),
    )
    def run(n_clicks, scenario, reps, ids, raws, pending_sets, drawn):
        if not n_clicks and drawn:  # the layout found the URL's runs cached: drawn on load
            return no_update, no_update, no_update
        state, config, errors = prepare(scenario, reps, ids, raws, pending_sets)
        if state is None:
            return no_update, no_update, panels.message(["Not run:", *errors])
        return start(state, config, ctx, n_clicks)

    @app.callback(
        Output("explore-spec", "data", allow_duplicate=True),
        Output("explore-status", "children", allow_duplicate=True),
        Input("explore-job", "data"),
        State("explore-metrics", "value"),
        background=True,
        progress=[
            Output("explore-progress", "value"),
            Output("explore-progress", "max"),
            Output(panels.graph_id(f"{P}-ts"), "figure"),
        ],
        running=panels.running(P),
        cancel=[Input("explore-cancel", "n_clicks")],
        interval=200,
        prevent_initial_call=True,
    )
    @jobs.when_busy(lambda why: (no_update, panels.message(why)))
    def run_job(set_progress, job, metrics):
        return compute(set_progress, ctx, job, metrics)

    @app.callback(
        *(Output(cid, prop, allow_duplicate=dup) for cid, prop, dup in DRAW_TARGETS),
        Output("explore-figures", "className", allow_duplicate=True),
        Input("explore-spec", "data"),
        Input("explore-metrics", "value"),
        State("explore-scenario", "value"),
        State("explore-reps", "value"),
        State({"type": controls.PARAM, "path": ALL}, "id"),
        State({"type": controls.PARAM, "path": ALL}, "value"),
        State("explore-pending", "data"),
        prevent_initial_call=True,  # a cached view arrives drawn in the layout (drawn_in)
    )
    def _draw(result, metrics, scenario, reps, ids, raws, pending_sets):
        if dash_ctx.triggered_id is None:  # the page was inserted: its layout is drawn already
            return (no_update,) * (DRAWN + 3)
        other = dash_ctx.triggered_id == "explore-metrics" and not same_scenario(result, scenario)
        if not result or other:  # nothing drawn yet, or a new scenario's default metrics
            return (no_update,) * (DRAWN + 3)
        out = draw(result, metrics, ctx)
        search = out[DRAWN - 1]
        if search is no_update:
            return (*out, no_update)
        return (*out, figures_class(search, scenario, reps, ids, raws, pending_sets))

    relay(app)
    states(app)


def same_scenario(result: Any, scenario: Any) -> bool:
    """Whether a drawn result is of the scenario now picked (a new scenario's default
    metrics are not drawn over the previous scenario's runs)."""
    search = result.get("search") if isinstance(result, dict) else None
    return ExploreState.from_search(search if isinstance(search, str) else "")[0].scenario == (
        scenario
    )


def relay(app) -> None:
    """A Run's result spec reaches the draw through `explore-ran`, copied in the browser:
    were the Run writing `explore-spec` itself, Dash would hold the draw's initial call (of
    the layout's cached spec) until the Run's initial call had answered, a round trip on
    every page load."""
    app.clientside_callback(
        "function(spec) { return spec || window.dash_clientside.no_update; }",
        Output("explore-spec", "data", allow_duplicate=True),
        Input("explore-ran", "data"),
        prevent_initial_call=True,
    )


def states(app) -> None:
    """At once, in the browser: a Run clears the last status before the server answers;
    Cancel says so, empties the bar and gives back Run (Dash resets its `running` state
    only on a poll answered after the cancel, which a busy page may never send)."""
    app.clientside_callback(
        "function(n) { return ['running...', '0']; }",
        Output("explore-status", "children", allow_duplicate=True),
        Output("explore-progress", "value", allow_duplicate=True),
        Input("explore-run", "n_clicks"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        "function(n) { return ['Cancelled', '0', 'idle', false, true]; }",
        Output("explore-status", "children", allow_duplicate=True),
        Output("explore-progress", "value", allow_duplicate=True),
        Output("explore-progress", "className", allow_duplicate=True),
        Output("explore-run", "disabled", allow_duplicate=True),
        Output("explore-cancel", "disabled", allow_duplicate=True),
        Input("explore-cancel", "n_clicks"),
        prevent_initial_call=True,
    )


def render(result: dict, metrics: list[str] | None, ctx: Context) -> tuple:
    """Every figure of a finished run, its view specs, the reproduce panel and the URL (from
    the run cache: views.NotCached when a run is not there). The URL lists the metrics only
    when they are not the scenario's defaults. What is drawn is cached beside the first
    run, keyed by the view and the code that draws it (`draw_version`), so a page that
    shows a run it has shown before does not rebuild its figures."""
    state, config, _ = load_state(result["search"])
    metrics = list(metrics or [])
    listed = () if metrics == glossary.defaults(config) else tuple(metrics)
    search = ExploreState(state.scenario, state.sets, state.reps, listed).to_search()
    seeds = seeds_for(config, state.reps)
    first = ctx.runs.get(config, seeds[0], int(config["steps"]))
    make = lambda: drawn(search, metrics, config, seeds, ctx)  # noqa: E731
    if first is None:
        out = make()  # raises views.NotCached
    else:
        key = hashlib.sha256(f"{search}|{metrics}|{seeds}".encode()).hexdigest()[:16]
        out = ctx.runs.derived(f"explore-{draw_version()}-{key}", config, first, make)
    return (*out, status(result))  # the status last: it says the figures are on screen


def drawn(search: str, metrics: list[str], config, seeds, ctx: Context) -> tuple:
    """The figures (as JSON-ready dicts), view specs, hover texts, commands and URL of a view."""
    state = ExploreState.from_search(search)[0]
    f = views.inputs({"kind": "runs", "search": search}, ctx)
    ts, ts_fig = ts_figure(f, metrics, search)
    specs = [views.spec(fig, {"kind": "runs", "search": search}) for fig, _ in RUN_VIEWS.values()]
    figs = [views.show(s, ctx, f)[0].to_plotly_json() for s in specs]
    cli = replications_command(config, seeds, dict(state.sets))
    hover = glossary.hover(ts["options"].get("metrics") or [])
    return (ts_fig.to_plotly_json(), ts, *figs, *specs, hover, cli, scenario_yaml(config), search)


@functools.cache
def draw_version() -> str:
    """A hash of every source file of `analysis` and `dashboard` (read once per process):
    a cached drawing is never served after the code that draws it changed."""
    import analysis

    h = hashlib.sha256()
    for pkg in (Path(analysis.__file__).parent, Path(__file__).parent.parent):
        for path in sorted(pkg.rglob("*.py")):
            h.update(path.read_bytes())
    return h.hexdigest()[:12]
