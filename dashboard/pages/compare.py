"""Compare: a baseline and up to three interventions (each a set of `path=value` overrides on
the baseline), every arm run on the same seeds (common random numbers), so the paired
differences cancel the noise the arms share. Shows the paired effects with CIs, the Goodhart
frontier and the safety/usefulness frontier side by side, and the metrics over time. Runs
that are not cached are computed by a simulation job (`dashboard.plans`); drawing only reads
the run cache."""

from __future__ import annotations

import time
from typing import Any

from dash import ALL, Input, Output, State, dcc, html, no_update

from dashboard import guard, jobs, panels, plans, views
from dashboard.context import Context
from dashboard.controls import help_text
from dashboard.plans import Plan
from dashboard.reproduce import (
    config_for,
    replications_command,
    scenario_ids,
    scenario_yaml,
)
from dashboard.runs import seeds_for
from dashboard.state import (
    ARM_RE,
    DEFAULT_SCENARIO,
    MAX_REPS,
    CompareState,
    arm_text,
    format_set,
    parse_arm_text,
)
from sim.components import METRICS
from sim.errors import ConfigError
from sim.params import PARAMS

TITLE = "Compare"
P = "compare"
SLOTS = 3
EXAMPLE = (("informed", (("electorate.information", 0.9),)),)  # shown on an empty URL
VIEWS = {  # card -> (analysis figure, title)
    "effects": ("paired_effects", "Paired differences against the baseline (95% CI)"),
    "goodhart": ("goodhart_frontier", "Goodhart frontier: approval against welfare"),
    "safety": ("oversight_pareto", "Safety against usefulness and oversight cost"),
    "ts": ("metrics_over_time", "Metrics over time by arm"),
}


def arm_slot(i: int, name: str, text: str) -> html.Div:
    return html.Div(
        [
            html.Label(f"Intervention {i + 1}"),
            dcc.Input(
                id={"type": "arm-name", "slot": i}, value=name, placeholder="name", debounce=True
            ),
            dcc.Textarea(
                id={"type": "arm-sets", "slot": i},
                value=text,
                rows=3,
                placeholder="path=value, one per line",
                className="yaml-input",
            ),
        ],
        className="arm",
    )


def sidebar(state: CompareState, errors: list[str]) -> html.Aside:
    arms = list(state.arms) + [("", ())] * (SLOTS - len(state.arms))
    return html.Aside(
        [
            html.Label("Baseline scenario", htmlFor="compare-scenario"),
            dcc.Dropdown(
                id="compare-scenario", options=scenario_ids(), value=state.scenario,
                clearable=False,
            ),
            html.Label("Baseline overrides (path=value lines)", htmlFor="compare-base"),
            dcc.Textarea(id="compare-base", value=arm_text(state.sets), rows=2,
                         className="yaml-input", placeholder="e.g. steps=100"),
            html.Label("Replications (common seeds)", htmlFor="compare-reps"),
            dcc.Input(id="compare-reps", type="number", value=state.reps, step=1, debounce=True),
            *[arm_slot(i, name, arm_text(sets)) for i, (name, sets) in enumerate(arms[:SLOTS])],
            panels.run_controls(P),
            html.Div(panels.message(errors), id="compare-url-errors"),
            html.Label("Parameter reference", htmlFor="compare-param-ref"),
            dcc.Dropdown(id="compare-param-ref", options=list(PARAMS), placeholder="look up"),
            html.Div(id="compare-param-help", className="param-help"),
        ],
        className="sidebar",
    )  # fmt: skip


def layout(search: str | None, ctx: Context) -> html.Div:
    state, errors = CompareState.from_search(search)
    if not search:
        state = CompareState(arms=EXAMPLE)
    options = [{"label": f"{m} ({METRICS[m].unit})", "value": m} for m in METRICS]
    card = {k: panels.figure_card(f"{P}-{k}", title) for k, (_, title) in VIEWS.items()}
    main = html.Section(
        [
            html.Label("Metrics for the paired differences", htmlFor="compare-metrics"),
            dcc.Dropdown(
                id="compare-metrics", options=options, value=list(state.metrics), multi=True,
                placeholder="default: welfare, approval and the failure metrics recorded",
            ),
            card["effects"],
            html.Div([card["goodhart"], card["safety"]], className="grid2"),
            card["ts"],
            panels.reproduce_panel(P),
        ],
        className="main",
    )  # fmt: skip
    stores = [dcc.Store(id="compare-spec"), dcc.Store(id="compare-job")]
    return html.Div([sidebar(state, errors), main, *stores], className="layout")


def prepare(scenario, base_text, reps, names, texts) -> tuple[CompareState | None, list[str]]:
    """The form to a CompareState, or None and messages naming each bad field."""
    try:
        base_text = guard.text(base_text, "baseline overrides")
        names = guard.texts(names, "intervention names", SLOTS)
        texts = guard.texts(texts, "interventions", SLOTS)
    except guard.BadInput as err:
        return None, [str(err)]
    if len(names) != len(texts):
        return None, ["interventions: the names and overrides sent do not match"]
    base, errors = parse_arm_text(base_text)
    arms = []
    for i, (name, text) in enumerate(zip(names, texts, strict=True)):
        sets, errs = parse_arm_text(text)
        errors += [f"intervention {i + 1}: {e}" for e in errs]
        name = (name or "").strip() or f"arm{i + 1}"
        if any(path == "seed" for path, _ in sets):
            errors.append(
                f"intervention {i + 1}: seed is set by the replications (every arm runs the "
                "same seeds); set it in the baseline overrides"
            )
        if sets and (not ARM_RE.match(name) or name == views.BASELINE):
            errors.append(f"intervention {i + 1}: bad name {name!r} (letters, digits, _ or -)")
        if sets:
            arms.append((name, sets))
    if len({n for n, _ in arms}) < len(arms):
        errors.append("interventions: two interventions have the same name")
    if not arms and not errors:
        errors.append("interventions: give at least one intervention (path=value lines)")
    if not isinstance(reps, int | float) or not 2 <= reps <= MAX_REPS or reps != int(reps):
        errors.append(f"reps: {reps!r} is not a whole number in [2, {MAX_REPS}]")
    if errors:
        return None, errors
    state = CompareState(scenario or DEFAULT_SCENARIO, base, tuple(arms), int(reps))
    try:
        config_for(state.scenario, state.sets)
    except ConfigError as err:
        return None, [str(err)]
    return state, []


def plan_for(state: CompareState) -> Plan:
    configs = views.compare_configs(state)
    seeds = seeds_for(configs[views.BASELINE], state.reps)
    return Plan(state.to_search(), tuple(configs.values()), tuple(seeds))


def execute(set_progress, ctx: Context, plan: Plan) -> dict[str, Any]:
    """Every arm on every seed (from the cache or run); inside a simulation job only."""
    started, done, fresh = time.monotonic(), 0, 0
    for config in plan.configs:
        for seed in plan.seeds:
            _, cached = ctx.runs.run(config, seed, int(config["steps"]))
            done, fresh = done + 1, fresh + (not cached)
            set_progress((str(done), str(plan.runs)))
    took = time.monotonic() - started
    return {"search": plan.search, "runs": plan.runs, "fresh": fresh, "seconds": took}


def load(search: str) -> tuple[Plan | None, list[str]]:
    """The plan of a Compare URL query, or None and why not."""
    state, errors = CompareState.from_search(search)
    if errors:
        return None, errors
    try:
        return plan_for(state), []
    except ConfigError as err:
        return None, [str(err)]


def compute(set_progress, ctx: Context, job) -> tuple[Any, Any]:
    try:
        plan, errors = load(plans.job_search(job))
    except guard.BadInput as err:
        plan, errors = None, [str(err)]
    if plan is None or (too_much := plan.over_budget(ctx)):
        return no_update, panels.message(["Not run:", *(errors or [too_much])])
    try:
        result = execute(set_progress, ctx, plan)
    except Exception as err:  # a model error is shown, the server keeps serving
        return no_update, panels.message(["Run failed:", f"{type(err).__name__}: {err}"])
    return {**result, "click": job.get("click"), "computed": True}, "drawing..."


def draw(result, metrics, ctx: Context) -> tuple:
    n_out = 2 * len(VIEWS) + 4
    try:
        result = plans.result(result, {"runs": int, "fresh": int})
        metrics = guard.names(metrics, "metrics", METRICS)
    except guard.BadInput as err:
        return (*(no_update,) * (n_out - 1), panels.message(["Not drawn:", str(err)]), no_update)
    try:
        return (*render(result, metrics, ctx), no_update)
    except views.NotCached:
        plan, errors = load(result["search"])
        job, why = plans.again(result, plan, errors, ctx)
        return (*(no_update,) * (n_out - 1), why, job)


def render(result: dict[str, Any], metrics: list[str] | None, ctx: Context) -> tuple:
    """Every figure from the run cache (views.NotCached when a run is not there)."""
    state, _ = CompareState.from_search(result["search"])
    shown = CompareState(state.scenario, state.sets, state.arms, state.reps, tuple(metrics or ()))
    source = {"kind": "arms", "search": shown.to_search()}
    f = views.inputs(source, ctx)
    chosen = [m for m in metrics or [] if m in f.metrics] or views.default_metrics(f.metrics)
    options = {
        "effects": {"metrics": chosen, "by": "arm", "control": views.BASELINE},
        "ts": {"metrics": chosen, "by": "arm"},
    }
    specs = [views.spec(fig, source, **options.get(k, {})) for k, (fig, _) in VIEWS.items()]
    figs = [views.show(s, None, f)[0] for s in specs]
    msg = f"{result['runs']} runs ({result['fresh']} new) in {result['seconds']:.2f} s"
    return (*figs, *specs, *reproduce(state), shown.to_search(), msg)


def reproduce(state: CompareState) -> tuple[str, str]:
    base = config_for(state.scenario, state.sets)
    seeds = seeds_for(base, state.reps)
    blocks = [
        f"# {views.BASELINE}\n"
        + replications_command(base, seeds, dict(state.sets), views.BASELINE)
    ]
    for name, sets in state.arms:
        over = {**dict(state.sets), **dict(sets)}
        blocks.append(f"# {name}\n" + replications_command(base, seeds, over, name))
    notes = [f"#   {name}: " + " ".join(format_set(p, v) for p, v in s) for name, s in state.arms]
    text = scenario_yaml(base) + "# interventions (on this baseline, as --set):\n"
    return "\n\n".join(blocks), text + "\n".join(notes)


def register(app, ctx: Context) -> None:
    @app.callback(
        Output("compare-spec", "data"),
        Output("compare-job", "data"),
        Output("compare-status", "children"),
        Input("compare-run", "n_clicks"),
        State("compare-scenario", "value"),
        State("compare-base", "value"),
        State("compare-reps", "value"),
        State({"type": "arm-name", "slot": ALL}, "value"),
        State({"type": "arm-sets", "slot": ALL}, "value"),
    )
    def run(n_clicks, scenario, base_text, reps, names, texts):
        state, errors = prepare(scenario, base_text, reps, names, texts)
        if state is None:
            return no_update, no_update, panels.message(["Not run:", *errors])
        plan = plan_for(state)
        return plans.start(plan, ctx, n_clicks, {"runs": plan.runs, "fresh": 0})

    @app.callback(
        Output("compare-spec", "data", allow_duplicate=True),
        Output("compare-status", "children", allow_duplicate=True),
        Input("compare-job", "data"),
        background=True,
        progress=[Output("compare-progress", "value"), Output("compare-progress", "max")],
        running=panels.running(P),
        cancel=[Input("compare-cancel", "n_clicks")],
        interval=250,
        prevent_initial_call=True,
    )
    @jobs.when_busy(lambda why: (no_update, panels.message(why)))
    def run_job(set_progress, job):
        return compute(set_progress, ctx, job)

    @app.callback(
        [Output(panels.graph_id(f"{P}-{k}"), "figure") for k in VIEWS],
        [Output({"type": panels.SPEC, "view": f"{P}-{k}"}, "data") for k in VIEWS],
        Output("compare-cli", "children"),
        Output("compare-yaml", "children"),
        Output("url", "search", allow_duplicate=True),
        Output("compare-status", "children", allow_duplicate=True),
        Output("compare-job", "data", allow_duplicate=True),
        Input("compare-spec", "data"),
        Input("compare-metrics", "value"),
        prevent_initial_call=True,
    )
    def _draw(result, metrics):
        if not result:
            return (no_update,) * (2 * len(VIEWS) + 5)
        return draw(result, metrics, ctx)

    @app.callback(Output("compare-param-help", "children"), Input("compare-param-ref", "value"))
    def lookup(path):
        return help_text(PARAMS[path]) if isinstance(path, str) and path in PARAMS else ""
