"""The Tail panel on Explore (issue 14): the probability that a rare event happens by a step,
for the scenario and parameter values set in the sidebar, estimated the way `instalign tail`
does it (sim/rare/tail.py: `prepare` checks, `estimate` runs, `payload` reports).

Run checks the request in the request thread (the sidebar's values, then the event, horizon,
method and budget, each bad one a one-line message naming the field) and hands a job request
to a background callback: a simulation job (`dashboard.jobs`: capped, reaped), which checks
the request again (it came back from the browser), runs the estimator and feeds the progress
bar from its progress callback. Cancel asks the job to stop (`JobManager.request_stop`): the
job's progress callback raises `Cancelled`, and the job answers "Cancelled" itself; a job
that does not stop within `GRACE` seconds (AMS runs its n first paths before it first
reports) is killed. The result: p with its 95% CI, relative error, ESS, cost in model steps,
bits and the surprise line (the CLI's words), the command that reproduces it, and for AMS the
level trajectory (analysis/tail_figure.py). Nothing here imports sim.rare (nor scipy) until a
callback runs, so the page's layout stays cheap.
"""

from __future__ import annotations

import secrets
import shlex
import time
from collections.abc import Callable
from typing import Any

import flask
from dash import ALL, Input, Output, State, dcc, html, no_update

from dashboard import controls, guard, jobs, panels
from dashboard.context import Context
from dashboard.pages.explore_sidebar import load_state, prepare
from dashboard.state import format_set
from sim.errors import ConfigError

P = "tail"
DEFAULT_EVENT = "catastrophes >= 1"
DEFAULT_BUDGET = 20  # paths: a click on a small scenario answers in seconds
MAX_BUDGET = 100_000
# the estimators of sim.rare.tail.METHODS (not imported here: it loads scipy; a test checks it)
METHODS = {"ams": "ams (splitting)", "is": "is (importance)", "mc": "mc (Monte Carlo)"}
OPTIONS = {"event": "event", "by_step": "by step", "method": "method"}  # names in messages
GRACE = 2.0  # seconds a cancelled job has to stop by itself before it is killed
PROGRESS_EVERY = 0.2  # seconds between progress reports (the page polls every 0.2 s)
STOP_EVERY = 0.1  # seconds between reads of the stop request
TITLE = "Tail probability"


def panel() -> html.Details:
    """The panel, closed: the event, horizon, method and budget, Run and Cancel with a
    progress bar, and the result."""
    form = html.Div(
        [
            _field("Event", dcc.Input(id=f"{P}-event", type="text", value=DEFAULT_EVENT)),
            _field("By step", dcc.Input(id=f"{P}-by-step", type="number", min=1, step=1,
                                        placeholder="the last step")),
            _field("Method", dcc.Dropdown(id=f"{P}-method", value="ams", clearable=False,
                                          searchable=False, options=_options())),
            _field("Budget (paths)", dcc.Input(id=f"{P}-budget", type="number", min=1, step=1,
                                               value=DEFAULT_BUDGET)),
        ],
        className="tail-form",
    )  # fmt: skip
    return html.Details(
        [
            html.Summary(
                [
                    html.Span(TITLE, className="card-title"),
                    html.Span(
                        " how likely is a rare event by a step? (instalign tail)", className="desc"
                    ),
                ],
                id=f"{P}-head",
            ),
            html.P(
                "For the scenario and parameters set on the left, with their seed. An event is "
                "METRIC OP NUMBER (OP: >=, >, <=, <, ==). The budget counts paths: Monte "
                "Carlo runs that many, AMS splits that many particles (it reruns parts of "
                "paths, so it costs more), importance sampling adds pilot rounds.",
                className="desc",
            ),
            form,
            panels.run_controls(P),
            html.Div(id=f"{P}-note", className="desc"),
            html.Div(id=f"{P}-result"),
            dcc.Store(id=f"{P}-job"),
        ],
        id=f"{P}-panel",
        className="card tail",
    )


def _field(label: str, widget) -> html.Div:
    """A labelled field of the panel's form."""
    widget_id = widget.id
    return html.Div([html.Label(label, htmlFor=widget_id), widget], className="tail-field")


def _options() -> list[dict[str, str]]:
    """The method dropdown's options."""
    return [{"label": text, "value": m} for m, text in METHODS.items()]


# ---- the request: checked in the request thread, and again in the job --------------------


def request(sidebar: tuple, event, by_step, method, budget, ctx: Context, click) -> dict:
    """A job request for the sidebar's scenario and values (scenario, control ids, raw values,
    pending overrides) and the panel's fields; ConfigError or guard.BadInput (one line,
    naming the field) when anything is wrong."""
    state, config, errors = prepare(sidebar[0], 1, *sidebar[1:])
    if state is None:
        raise ConfigError("; ".join(errors))
    fields = checked(event, by_step, method, budget)
    system_for(config, fields)
    too_much = jobs.over_budget([(config, fields["budget"])], ctx.limits)
    if too_much:
        raise ConfigError(too_much)
    click = click if isinstance(click, int) else None
    return {"search": state.to_search(), **fields, "click": click, "token": secrets.token_hex(8)}


def checked(event, by_step, method, budget) -> dict[str, Any]:
    """The panel's fields with their types checked (guard.BadInput names the field)."""
    by = None if by_step in (None, "") else guard.whole(by_step, "by step", 1, 10**9)
    return {
        "event": guard.text(event, "event", 200),
        "by_step": by,
        "method": guard.text(method, "method", 20),
        "budget": guard.whole(budget, "budget", 1, MAX_BUDGET, DEFAULT_BUDGET),
    }


def system_for(config, fields: dict[str, Any]):
    """`sim.rare.tail.prepare` of the request: every check of the CLI (method, budget, event,
    horizon, what the method needs), messages naming the panel's fields."""
    from sim.rare.tail import check_method, check_numbers
    from sim.rare.tail import prepare as prepare_tail

    check_method(fields["method"], OPTIONS["method"])
    check_numbers(fields["budget"], fields["method"], None, "budget")
    return prepare_tail(config, fields["event"], fields["by_step"], fields["method"], OPTIONS)


# ---- the job ------------------------------------------------------------------------------


def compute(set_progress, job: Any, ctx: Context, stopped: Callable[[], bool]) -> tuple:
    """(result, status) of a job request: its checks again, then the estimate, reporting
    progress (bar permille, its max, a note) through `set_progress`; `stopped()` says the page
    asked to stop, and the estimator is stopped through `Cancelled`."""
    from sim.rare.tail import Cancelled, estimate, payload

    try:
        job = guard.record(job, "job", {"search": str, "token": str})
        fields = checked(job.get("event"), job.get("by_step"), job.get("method"), job.get("budget"))
        state, config, errors = load_state(job["search"])
        if errors:
            raise ConfigError("; ".join(errors))
        system = system_for(config, fields)
        too_much = jobs.over_budget([(config, fields["budget"])], ctx.limits)
        if too_much:
            raise ConfigError(too_much)
    except (guard.BadInput, ConfigError) as err:
        return None, panels.message(str(err))
    seed, started, last = int(config["seed"]), time.monotonic(), [""]
    report = reporter(set_progress, stopped, last, Cancelled)
    try:
        est = estimate(system, fields["method"], fields["budget"], seed, progress=report)
    except Cancelled:
        where = f" at {last[0]}" if last[0] else ""
        took = time.monotonic() - started
        return None, f"Cancelled{where} after {took:.1f} s: nothing estimated"
    except Exception as err:  # the model raised: show it, keep serving
        return None, panels.message(["Estimate failed:", f"{type(err).__name__}: {err}"])
    took = time.monotonic() - started
    result = payload(config, system, est, fields["budget"], seed)
    return view(result, dict(state.sets)), f"p = {result['p']:.4g} in {took:.1f} s"


def reporter(set_progress, stopped: Callable[[], bool], last: list, cancelled: type) -> Callable:
    """The estimator's progress callback: at most every PROGRESS_EVERY seconds the bar (in
    permille) and the note; at most every STOP_EVERY seconds a look at the stop request,
    raising `cancelled` when the page asked to stop. `last[0]` keeps the latest note."""
    times = [0.0, 0.0]  # last report, last look

    def report(fraction: float, note: str) -> None:
        now = time.monotonic()
        last[0] = note
        if now - times[1] >= STOP_EVERY:
            times[1] = now
            if stopped():
                raise cancelled(note)
        if now - times[0] >= PROGRESS_EVERY or fraction >= 1:
            times[0] = now
            done = int(1000 * min(max(float(fraction), 0.0), 1.0))
            set_progress((str(done), "1000", f"{note} ({done / 10:.0f}%)"))

    return report


# ---- the result ---------------------------------------------------------------------------


def view(r: dict[str, Any], sets: dict[str, Any]) -> html.Div:
    """The estimate as the CLI's table, its surprise line and early-stop note, the command
    that reproduces it and, for AMS, the level trajectory."""
    from sim.rare.tail import COLUMNS, STATUS, surprise_line  # lazy: estimators load on use

    lo, hi = (f"{x:.3g}" if x is not None else "-" for x in r["ci"])
    cells = (_g(r["p"]), f"[{lo}, {hi}]", _g(r["rel_error"]), _g(r["ess"]),
             f"{r['model_steps']:,}", _g(r["bits"]), r["method"])  # fmt: skip
    table = html.Table(
        [html.Thead(html.Tr([html.Th(c) for c in COLUMNS])),
         html.Tbody(html.Tr([html.Td(c) for c in cells]))],
        className="runs-table", id=f"{P}-table",
    )  # fmt: skip
    seed = r["provenance"]["seed"]
    kids = [
        html.P(f"P({r['event']} by step {r['by_step']}) in {r['scenario']}, seed {seed}, "
               f"budget {r['budget']} paths", className="card-title"),
        html.Div(table, className="table-wrap"),
        html.P(surprise_line(r), id=f"{P}-surprise", className="desc"),
    ]  # fmt: skip
    if r["status"] != "done":
        why = STATUS.get(r["status"], r["status"])
        kids.append(panels.message(f"AMS stopped early: {why}", "info"))
    kids.append(html.Pre(command(r, sets), className="code", id=f"{P}-cli"))
    if r.get("trajectory"):
        kids.append(figure_card(r))
    return html.Div(kids, className="tail-result")


def command(r: dict[str, Any], sets: dict[str, Any]) -> str:
    """`instalign tail` with the scenario's overrides: the same estimate outside the page."""
    args = ["instalign", "tail", r["scenario"]]
    for path, value in sets.items():
        if path != "seed":
            args += ["--set", format_set(path, value)]
    args += ["--event", r["event"], "--by-step", str(r["by_step"]), "--method", r["method"],
             "--budget", str(r["budget"]), "--seed", str(r["provenance"]["seed"])]  # fmt: skip
    if r.get("trajectory"):
        args += ["--figure", "results/ams-trajectory.png"]
    return shlex.join(args)


def figure_card(r: dict[str, Any]) -> html.Div:
    """The AMS level trajectory in a card, its finding under it (assets/findings.js)."""
    from analysis import tail_figure
    from dashboard import views

    df = tail_figure.data(r)
    fig = views.with_finding(views.screen(tail_figure.draw(df, notes=False)), df.attrs["finding"])
    fig.update_layout(height=520, margin_t=50)
    return html.Div(
        [
            html.H3(tail_figure.TITLE, className="card-title"),
            dcc.Graph(id=f"{P}-graph", figure=fig.to_plotly_json(), config=panels.GRAPH_CONFIG),
            html.P(className="finding"),
        ],
        className="card",
        id=f"{P}-card",
    )


def _g(x) -> str:
    """A number as the CLI's table prints it ('-' when undefined)."""
    return "-" if x is None else f"{x:.4g}"


# ---- callbacks ----------------------------------------------------------------------------


def register(app, ctx: Context) -> None:
    """Run (checks, then a job request), the job, and Cancel."""

    @app.callback(
        Output(f"{P}-job", "data"),
        Output(f"{P}-status", "children"),
        Output(f"{P}-result", "children"),
        Output(f"{P}-note", "children", allow_duplicate=True),
        Output(f"{P}-progress", "value", allow_duplicate=True),
        Input(f"{P}-run", "n_clicks"),
        State("explore-scenario", "value"),
        State({"type": controls.PARAM, "path": ALL}, "id"),
        State({"type": controls.PARAM, "path": ALL}, "value"),
        State("explore-pending", "data"),
        State(f"{P}-event", "value"),
        State(f"{P}-by-step", "value"),
        State(f"{P}-method", "value"),
        State(f"{P}-budget", "value"),
        prevent_initial_call=True,
    )
    def _run(click, scenario, ids, raws, pending, event, by_step, method, budget):
        if not click:
            return (no_update,) * 5
        try:
            job = request((scenario, ids, raws, pending), event, by_step, method, budget, ctx,
                          click)  # fmt: skip
        except (ConfigError, guard.BadInput) as err:
            return no_update, panels.message(str(err)), None, "", "0"
        return job, f"running: {job['method']}, {job['budget']} paths", None, "", "0"

    @app.callback(
        Output(f"{P}-result", "children", allow_duplicate=True),
        Output(f"{P}-status", "children", allow_duplicate=True),
        Input(f"{P}-job", "data"),
        background=True,
        progress=[
            Output(f"{P}-progress", "value"),
            Output(f"{P}-progress", "max"),
            Output(f"{P}-note", "children"),
        ],
        running=panels.running(P),
        interval=200,
        prevent_initial_call=True,
    )
    @jobs.when_busy(lambda why: (no_update, panels.message(why)))
    def _job(set_progress, job):
        token = job.get("token") if isinstance(job, dict) else None
        manager = app.server.config["INSTALIGN_JOBS"]
        return compute(set_progress, job, ctx, lambda: manager.stop_requested(token))

    @app.callback(
        Output(f"{P}-cancel", "title"),  # an output: Dash 4's renderer mishandles none
        Output(f"{P}-status", "children", allow_duplicate=True),
        Input(f"{P}-cancel", "n_clicks"),
        State(f"{P}-job", "data"),
        prevent_initial_call=True,
    )
    def _cancel(_, job):
        return cancel(job)

    app.clientside_callback(  # at once, in the browser (the server may wait up to GRACE)
        "function(n) { return 'cancelling...'; }",
        Output(f"{P}-note", "children", allow_duplicate=True),
        Input(f"{P}-cancel", "n_clicks"),
        prevent_initial_call=True,
    )


def cancel(job: Any) -> tuple[str, Any]:
    """Ask the job of the page's request to stop; kill it if it has not within GRACE seconds
    (it then cannot answer, so the status says so here)."""
    token = job.get("token") if isinstance(job, dict) else None
    manager = flask.current_app.config["INSTALIGN_JOBS"]
    if not manager.request_stop(token) or manager.wait_stopped(token, GRACE):
        return "stop the running estimate", no_update  # none ran, or it answered itself
    manager.cancel(token)
    return "stop the running estimate", "Cancelled (stopped before its first progress report)"
