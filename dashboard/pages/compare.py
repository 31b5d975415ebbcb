"""Compare: a reform editor. A baseline and up to three interventions, each edited with the
parameter controls Explore uses (`compare_editor`), each on the baseline's scenario or its
own, all run on the same seeds (common random numbers), so paired differences cancel the
noise the arms share. While the runs go on, the metrics over time by arm are drawn per
chunk; then a headline table (each arm's paired difference from the baseline, 95% CI and a
verdict), the paired effects, the Goodhart and safety frontiers. A metric an arm does not
record is named, never replaced; a figure no arm can show is hidden with the reason; an arm
identical to another is reported. A comparison can be saved (YAML under the results folder)
and reloaded, and `instalign compare FILE.yaml` rebuilds it (the reproduce panel shows it).
Runs that are not cached are computed by a simulation job (`dashboard.plans`)."""

from __future__ import annotations

import time
from dataclasses import replace
from functools import partial
from typing import Any

from dash import ALL, Input, Output, State, dcc, html, no_update

from analysis.arms import BASELINE, MAX_REPS, MIN_REPS
from dashboard import arms, guard, jobs, panels, plans, views
from dashboard.context import Context
from dashboard.controls import help_text
from dashboard.pages import compare_editor as ed
from dashboard.pages import compare_form as form
from dashboard.pages import compare_results as results
from dashboard.pages.compare_results import VIEWS
from dashboard.plans import Plan
from dashboard.runs import seeds_for
from dashboard.state import CompareState
from sim.components import METRICS
from sim.errors import ConfigError
from sim.params import PARAMS

TITLE = "Compare"
P = "compare"
LIVE_EVERY = 0.25  # seconds between live frames
EXAMPLE = (("informed", (("electorate.information", 0.9),)),)  # shown on an empty URL
FORM = [
    State("compare-scenario", "value"),
    State("compare-reps", "value"),
    State({"type": ed.NAME, "slot": ALL}, "value"),
    State({"type": ed.SCEN, "slot": ALL}, "value"),
    State({"type": ed.ARM, "slot": ALL, "path": ALL}, "id"),
    State({"type": ed.ARM, "slot": ALL, "path": ALL}, "value"),
]


def sidebar(state: CompareState, errors: list[str], ctx: Context) -> html.Aside:
    return html.Aside(
        [
            html.Label("Replications (common seeds)", htmlFor="compare-reps"),
            dcc.Input(id="compare-reps", type="number", value=state.reps, step=1,
                      min=MIN_REPS, max=MAX_REPS, debounce=True),
            panels.run_controls(P),
            html.Div(panels.message(errors), id="compare-url-errors"),
            html.Label("Save this comparison as", htmlFor="compare-save-name"),
            dcc.Input(id="compare-save-name", placeholder="name (letters, digits, _ or -)",
                      maxLength=40),
            dcc.Checklist(id="compare-overwrite", options=[{"label": " overwrite", "value": "y"}],
                          value=[], inline=True),
            html.Button("Save", id="compare-save", n_clicks=0, className="btn-small"),
            html.Div(id="compare-save-msg", role="status"),
            html.Label("Saved comparisons", htmlFor="compare-saved"),
            dcc.Dropdown(id="compare-saved", options=arms.saved(ctx.results),
                         placeholder="reload one..."),
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
            html.Div(ed.editor(state), id="compare-form", className="arms"),
            html.Div([html.Button("Add intervention", id="compare-add-arm", n_clicks=0,
                                  className="btn-small"),
                      html.Span(id="compare-edit-msg")], className="buttons"),
            html.Label("Metrics for the paired differences", htmlFor="compare-metrics"),
            dcc.Dropdown(
                id="compare-metrics", options=options, value=list(state.metrics), multi=True,
                placeholder="default: welfare, approval and the failure metrics recorded",
            ),
            html.Div(id="compare-notes"),
            html.Div([html.H3("Headline effects (paired, 95% CI)", className="card-title"),
                      html.Div(id="compare-headline", className="table-scroll")],
                     className="card", id="compare-headline-card"),
            card["effects"], card["ts"],
            html.Div([card["goodhart"], card["safety"]], className="grid2"),
            panels.reproduce_panel(P, label=YAML_LABEL),
        ],
        className="main",
    )  # fmt: skip
    auto = dcc.Store(id="compare-auto", data=bool(search))  # a shared URL runs on load
    stores = [dcc.Store(id="compare-spec"), dcc.Store(id="compare-job"), auto]
    return html.Div([sidebar(state, errors, ctx), main, *stores], className="layout")


YAML_LABEL = "Comparison YAML (what Save writes; `instalign compare FILE.yaml` reruns it):"


def prepare(values: tuple, metrics: Any) -> tuple[CompareState | None, list[str]]:
    """The form's values to a valid CompareState, or None and one message per problem."""
    state, errors = form.read(*values)
    try:
        chosen = tuple(guard.names(metrics, "metrics", METRICS) or ())
    except guard.BadInput as err:
        return None, [str(err)]
    errors = errors or form.check(state)
    return (None, errors) if errors else (replace(state, metrics=chosen), [])


def plan_for(state: CompareState) -> tuple[Plan, list[str]]:
    """The runs of a comparison (every arm on the baseline's seeds) and the arm names."""
    configs = arms.configs(state)
    seeds = seeds_for(configs[BASELINE], state.reps)
    return Plan(state.to_search(), tuple(configs.values()), tuple(seeds)), list(configs)


def load(search: str) -> tuple[tuple[Plan, list[str]] | None, list[str]]:
    """The plan of a Compare URL query, or None and why not."""
    state, errors = CompareState.from_search(search)
    errors = errors or form.check(state)
    if errors:
        return None, errors
    try:
        return plan_for(state), []
    except ConfigError as err:
        return None, [str(err)]


def execute(set_progress, ctx: Context, plan: Plan, names: list[str], metrics) -> dict:
    """Every arm on every seed (cached or run), drawing the metrics over time by arm after
    each chunk; inside a simulation job only."""
    started, fresh, done = time.monotonic(), 0, [0.0]
    series: dict[str, list] = {}
    total = sum(int(c["steps"]) for c in plan.configs) * len(plan.seeds)

    def live(name: str, offset: int, frame, steps: int) -> None:
        now = time.monotonic()
        if now - done[0] >= LIVE_EVERY:
            done[0] = now
            shown = {**series, name: [*series.get(name, []), frame]}
            set_progress((str(offset + steps), str(total), results.live(shown, metrics)))

    offset = 0
    for name, config in zip(names, plan.configs, strict=True):
        steps = int(config["steps"])
        for seed in plan.seeds:
            run, cached = ctx.runs.run(config, seed, steps, partial(live, name, offset))
            series.setdefault(name, []).append(run.series)
            fresh, offset = fresh + (not cached), offset + steps
    set_progress((str(total), str(total), results.live(series, metrics)))
    took = time.monotonic() - started
    return {"search": plan.search, "runs": plan.runs, "fresh": fresh, "seconds": took}


def compute(set_progress, ctx: Context, job, metrics) -> tuple[Any, Any]:
    try:
        loaded, errors = load(plans.job_search(job))
        metrics = guard.names(metrics, "metrics", METRICS)
    except guard.BadInput as err:
        loaded, errors = None, [str(err)]
    if loaded is None or (too_much := loaded[0].over_budget(ctx)):
        return no_update, panels.message(["Not run:", *(errors or [too_much])])
    try:
        result = execute(set_progress, ctx, *loaded, metrics)
    except Exception as err:  # a model error is shown, the server keeps serving
        return no_update, panels.message(["Run failed:", f"{type(err).__name__}: {err}"])
    return {**result, "click": job.get("click"), "computed": True}, "drawing..."


N_DRAW = (
    3 * len(VIEWS) + 7
)  # figures, specs, card styles; cli, yaml, url, status, job, table, notes


def draw(result, metrics, ctx: Context) -> tuple:
    def only(status, job=no_update) -> tuple:
        return (*(no_update,) * (3 * len(VIEWS) + 3), status, job, no_update, no_update)

    try:
        result = plans.result(result, {"runs": int, "fresh": int})
        metrics = guard.names(metrics, "metrics", METRICS)
    except guard.BadInput as err:
        return only(panels.message(["Not drawn:", str(err)]))
    try:
        return render(result, metrics, ctx)
    except views.NotCached:
        loaded, errors = load(result["search"])
        return only(*reversed(plans.again(result, loaded and loaded[0], errors, ctx)))
    except (ConfigError, views.ViewError) as err:
        return only(panels.message(["Not drawn:", str(err)]))


def render(result: dict[str, Any], metrics: list[str] | None, ctx: Context) -> tuple:
    """Every figure, the headline table and the notes, from the run cache."""
    state, _ = CompareState.from_search(result["search"])
    shown = replace(state, metrics=tuple(metrics or ()))
    out = results.build(shown, ctx)
    msg = f"{result['runs']} runs ({result['fresh']} new) in {result['seconds']:.2f} s"
    return (
        *out.figures, *out.specs, *out.styles, *results.reproduce(out.state),
        shown.to_search(), msg, no_update, arms.headline_table(out.rows),
        panels.message(out.notes, "warn"),
    )  # fmt: skip


def register(app, ctx: Context) -> None:
    plans.register_cancel(app, "compare")

    @app.callback(
        Output("compare-spec", "data"),
        Output("compare-job", "data"),
        Output("compare-status", "children"),
        Input("compare-run", "n_clicks"),
        State("compare-auto", "data"),
        *FORM,
        State("compare-metrics", "value"),
    )
    def run(n_clicks, auto, *form_and_metrics):
        if not n_clicks and not auto:  # the example of an empty URL waits for Run
            return no_update, no_update, "press Run to compare the arms"
        state, errors = prepare(form_and_metrics[:-1], form_and_metrics[-1])
        if state is None:
            return no_update, no_update, panels.message(["Not run:", *errors])
        plan, _ = plan_for(state)
        return plans.start(plan, ctx, n_clicks, {"runs": plan.runs, "fresh": 0})

    @app.callback(
        Output("compare-spec", "data", allow_duplicate=True),
        Output("compare-status", "children", allow_duplicate=True),
        Input("compare-job", "data"),
        State("compare-metrics", "value"),
        background=True,
        progress=[
            Output("compare-progress", "value"),
            Output("compare-progress", "max"),
            Output(panels.graph_id(f"{P}-ts"), "figure"),
        ],
        running=panels.running(P),
        cancel=[Input("compare-cancel", "n_clicks")],
        interval=250,
        prevent_initial_call=True,
    )
    @jobs.when_busy(lambda why: (no_update, panels.message(why)))
    def run_job(set_progress, job, metrics):
        return compute(set_progress, ctx, job, metrics)

    @app.callback(
        [Output(panels.graph_id(f"{P}-{k}"), "figure", allow_duplicate=True) for k in VIEWS],
        [Output({"type": panels.SPEC, "view": f"{P}-{k}"}, "data") for k in VIEWS],
        [Output(f"{P}-{k}-card", "style") for k in VIEWS],
        Output("compare-cli", "children"),
        Output("compare-yaml", "children"),
        Output("url", "search", allow_duplicate=True),
        Output("compare-status", "children", allow_duplicate=True),
        Output("compare-job", "data", allow_duplicate=True),
        Output("compare-headline", "children"),
        Output("compare-notes", "children"),
        Input("compare-spec", "data"),
        Input("compare-metrics", "value"),
        prevent_initial_call=True,
    )
    def _draw(result, metrics):
        if not result:
            return (no_update,) * N_DRAW
        return draw(result, metrics, ctx)

    form.register(app, ctx, FORM)
    _register_save(app, ctx)

    @app.callback(Output("compare-param-help", "children"), Input("compare-param-ref", "value"))
    def lookup(path):
        return help_text(PARAMS[path]) if isinstance(path, str) and path in PARAMS else ""


def _register_save(app, ctx: Context) -> None:
    @app.callback(
        Output("compare-save-msg", "children"),
        Output("compare-saved", "options"),
        Input("compare-save", "n_clicks"),
        State("compare-save-name", "value"),
        State("compare-overwrite", "value"),
        *FORM,
        State("compare-metrics", "value"),
        prevent_initial_call=True,
    )
    def save(n_clicks, name, overwrite, *form_and_metrics):
        state, errors = prepare(form_and_metrics[:-1], form_and_metrics[-1])
        if state is None:
            return panels.message(["Not saved:", *errors]), no_update
        try:
            path = arms.save(ctx.results, name, state, overwrite=bool(overwrite))
        except (ConfigError, arms.Exists) as err:
            return panels.message(["Not saved:", str(err)]), no_update
        note = f"saved {arms.FOLDER}/{path.name}"
        return panels.message(note, "info"), arms.saved(ctx.results)
