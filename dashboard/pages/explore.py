"""Explore: pick a scenario, set its parameters (controls generated from the schema), run it
and watch the metrics over time as the run goes; replications (n seeds) show as CI bands;
per-agent views show the end of the first replication. Runs are cached by scenario,
parameters and seed; a Run whose runs are all cached draws at once, otherwise it becomes a
simulation job (a background callback with a progress bar and a cancel button, see
`dashboard.plans`). Drawing only reads the cache."""

from __future__ import annotations

import time
from typing import Any

import yaml
from dash import ALL, MATCH, Input, Output, State, dcc, html, no_update

from dashboard import controls, guard, jobs, panels, plans, views
from dashboard.context import Context
from dashboard.plans import Plan
from dashboard.reproduce import config_for, replications_command, scenario_ids, scenario_yaml
from dashboard.runs import replicate, seeds_for
from dashboard.state import DEFAULT_SCENARIO, MAX_REPS, ExploreState, replace_sets
from sim import yamlio
from sim.components import METRICS
from sim.errors import ConfigError
from sim.params import PARAMS
from sim.scenario import from_mapping

TITLE = "Explore"
P = "explore"
RUN_VIEWS = {"wa": ("welfare_vs_approval", "Welfare against approval (mean path)")}
AGENT_VIEWS = {  # per-agent views of the first replication's end state
    "voters": ("voter_map", "Voters and platforms (end of run, first seed)"),
    "tree": ("bureaucracy_tree", "Bureaucracy tree: drift and capture (end of run)"),
    "funnel": ("oversight_funnel", "Oversight funnel: actions, harmful, caught (first seed)"),
}
CARDS = (*RUN_VIEWS, *AGENT_VIEWS)
LIVE_EVERY = 0.25  # seconds between live frames


def ts_view(search: str, metrics: list[str]) -> dict[str, Any]:
    return views.spec("metrics_over_time", {"kind": "runs", "search": search}, metrics=metrics)


def agent_view(figure: str, search: str, seed: int) -> dict[str, Any]:
    """A per-agent view of one run (the seed as text: it must survive the browser)."""
    return views.spec(figure, {"kind": "snapshot", "search": search, "seed": str(seed)})


def load_state(search: str | None) -> tuple[ExploreState, Any, list[str]]:
    """The state in the URL, its config, and messages about anything that was dropped."""
    state, errors = ExploreState.from_search(search)
    try:
        return state, config_for(state.scenario, state.sets), errors
    except ConfigError as err:
        errors.append(str(err))
        fallback = ExploreState(reps=state.reps, metrics=state.metrics)
        return fallback, config_for(DEFAULT_SCENARIO), errors


def sidebar(state: ExploreState, config, errors: list[str]) -> html.Aside:
    return html.Aside(
        [
            html.Label("Scenario", htmlFor="explore-scenario"),
            dcc.Dropdown(
                id="explore-scenario", options=scenario_ids(), value=state.scenario,
                clearable=False,
            ),
            html.P(config.description, id="explore-desc", className="desc"),
            html.Label("Replications (seeds)", htmlFor="explore-reps"),
            dcc.Input(id="explore-reps", type="number", value=state.reps, step=1, debounce=True),
            panels.run_controls(P),
            html.Div(panels.message(errors), id="explore-url-errors"),
            html.Div(controls.sections(config), id="explore-controls"),
        ],
        className="sidebar",
    )  # fmt: skip


def yaml_box() -> html.Div:
    return html.Div(
        [
            html.P("Paste a scenario YAML to set every control from it:"),
            dcc.Textarea(id="explore-yaml-in", rows=6, className="yaml-input"),
            html.Button("Apply YAML", id="explore-yaml-apply", n_clicks=0),
            html.Div(id="explore-yaml-msg"),
        ]
    )


def layout(search: str | None, ctx: Context) -> html.Div:
    state, config, errors = load_state(search)
    metrics = list(state.metrics)
    options = [{"label": f"{m} ({METRICS[m].unit})", "value": m} for m in METRICS]
    views_ = {**RUN_VIEWS, **AGENT_VIEWS}
    cards = [panels.figure_card(f"{P}-{k}", title) for k, (_, title) in views_.items()]
    main = html.Section(
        [
            html.Label("Metrics", htmlFor="explore-metrics"),
            dcc.Dropdown(
                id="explore-metrics",
                options=options,
                value=metrics,
                multi=True,
                placeholder="default: welfare, approval, drift, detections, catastrophes, autonomy",
            ),
            panels.figure_card(f"{P}-ts", "Metrics over time"),
            html.Div(cards, className="grid2"),
            panels.reproduce_panel(P, yaml_box()),
        ],
        className="main",
    )
    stores = [dcc.Store(id="explore-spec"), dcc.Store(id="explore-job")]
    return html.Div([sidebar(state, config, errors), main, *stores], className="layout")


def prepare(scenario, reps, ids, raws) -> tuple[ExploreState | None, Any, list[str]]:
    """Controls to (state, config) or (None, None, messages naming each bad field)."""
    values, errors = controls.read(ids, raws)
    msgs = list(errors.values())
    if not isinstance(reps, int | float) or not 1 <= reps <= MAX_REPS or reps != int(reps):
        msgs.append(f"reps: {reps!r} is not a whole number of replications in [1, {MAX_REPS}]")
    seed_top = PARAMS["seed"].high
    if not msgs and "seed" in values and values["seed"] + int(reps) - 1 > seed_top:
        msgs.append(f"reps: seeds seed .. seed + reps - 1 would pass the largest seed {seed_top}")
    if msgs:
        return None, None, msgs
    try:
        base = config_for(scenario)
        sets = controls.overrides(base, values)
        state = replace_sets(ExploreState(scenario=scenario, reps=int(reps)), sets)
        return state, config_for(scenario, state.sets), []
    except ConfigError as err:
        return None, None, [str(err)]


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


def only(status: Any) -> tuple:
    """The draw callback's outputs with only the status line changed."""
    before = 2 + 2 * len(CARDS) + 3  # ts figure and spec, cards and their specs, cli/yaml/url
    return (*(no_update,) * before, status, *(no_update,) * len(AGENT_VIEWS))


def register(app, ctx: Context) -> None:
    @app.callback(
        Output("explore-spec", "data"),
        Output("explore-job", "data"),
        Output("explore-status", "children"),
        Input("explore-run", "n_clicks"),
        State("explore-scenario", "value"),
        State("explore-reps", "value"),
        State({"type": controls.PARAM, "path": ALL}, "id"),
        State({"type": controls.PARAM, "path": ALL}, "value"),
    )
    def run(n_clicks, scenario, reps, ids, raws):
        state, config, errors = prepare(scenario, reps, ids, raws)
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
        Output(panels.graph_id(f"{P}-ts"), "figure", allow_duplicate=True),
        Output({"type": panels.SPEC, "view": f"{P}-ts"}, "data"),
        [Output(panels.graph_id(f"{P}-{k}"), "figure") for k in CARDS],
        [
            Output({"type": panels.SPEC, "view": f"{P}-{k}"}, "data")
            for k in {**RUN_VIEWS, **AGENT_VIEWS}
        ],
        Output("explore-cli", "children"),
        Output("explore-yaml", "children"),
        Output("url", "search", allow_duplicate=True),
        Output("explore-status", "children", allow_duplicate=True),
        [Output(f"{P}-{k}-card", "style") for k in AGENT_VIEWS],
        Output("explore-job", "data", allow_duplicate=True),
        Input("explore-spec", "data"),
        Input("explore-metrics", "value"),
        prevent_initial_call=True,
    )
    def _draw(result, metrics):
        if not result:
            return (no_update,) * (7 + 2 * len(CARDS) + len(AGENT_VIEWS))
        return draw(result, metrics, ctx)

    @app.callback(
        Output("explore-controls", "children", allow_duplicate=True),
        Output("explore-desc", "children"),
        Input("explore-scenario", "value"),
        prevent_initial_call=True,
    )
    def pick(scenario):
        try:
            config = config_for(scenario)
        except ConfigError as err:
            return no_update, panels.message(str(err))
        return controls.sections(config), config.description

    @app.callback(
        Output({"type": controls.MSG, "path": MATCH}, "children"),
        Input({"type": controls.PARAM, "path": MATCH}, "value"),
        State({"type": controls.PARAM, "path": MATCH}, "id"),
        prevent_initial_call=True,
    )
    def check(raw, cid):
        return controls.check(cid.get("path") if isinstance(cid, dict) else None, raw)

    @app.callback(
        Output("explore-controls", "children", allow_duplicate=True),
        Output("explore-yaml-msg", "children"),
        Input("explore-yaml-apply", "n_clicks"),
        State("explore-yaml-in", "value"),
        prevent_initial_call=True,
    )
    def apply_yaml(_, text):
        config, error = parse_yaml(text)
        if config is None:
            return no_update, panels.message(error)
        note = f"Controls set from {config.id}; press Run."
        return controls.sections(config), panels.message(note, "info")


def parse_yaml(text: str | None) -> tuple[Any, str]:
    """A pasted scenario YAML to a validated Config, or (None, message naming the field)."""
    try:
        text = guard.text(text, "scenario YAML")
    except guard.BadInput as err:
        return None, str(err)
    try:
        data = yamlio.load(text or "")
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, f"scenario YAML: malformed YAML{where}: {getattr(err, 'problem', err)}"
    try:
        return from_mapping(data, "scenario YAML"), ""
    except ConfigError as err:
        return None, str(err)


def render(result: dict, metrics: list[str] | None, ctx: Context) -> tuple:
    """Every figure of a finished run, its view specs, the reproduce panel and the URL (from
    the run cache: views.NotCached when a run is not there)."""
    state, config, _ = load_state(result["search"])
    metrics = list(metrics or [])
    shown = ExploreState(state.scenario, state.sets, state.reps, tuple(metrics))
    search = shown.to_search()
    f = views.inputs({"kind": "runs", "search": search}, ctx)
    ts, ts_fig = ts_figure(f, metrics, search)
    specs = [views.spec(fig, {"kind": "runs", "search": search}) for fig, _ in RUN_VIEWS.values()]
    figs = [views.show(s, ctx, f)[0] for s in specs]
    seed = int(f.design["seed"].iloc[0])
    agent_specs = [agent_view(fig, search, seed) for fig, _ in AGENT_VIEWS.values()]
    snap = views.inputs(agent_specs[0]["source"], ctx)
    shown_agents = [views.show(s, ctx, snap) for s in agent_specs]
    figs += [fig for fig, _ in shown_agents]
    hide = [None if df is not None else {"display": "none"} for _, df in shown_agents]
    cli = replications_command(config, seeds_for(config, state.reps), dict(state.sets))
    done = status(result)  # set last: the status says the figures are on screen
    yaml_text = scenario_yaml(config)
    return (ts_fig, ts, *figs, *specs, *agent_specs, cli, yaml_text, search, done, *hide)
