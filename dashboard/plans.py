"""From a page's request to runs on screen, without running the model in a request thread.

A Run on Explore or Compare (or a redraw whose runs have left the cache) becomes a `Plan`:
the configs and seeds it needs. `start` checks it against the work budget and the run cache:
when every run is cached the page gets its result spec at once (and draws it); otherwise it
gets a *job request*, which triggers the page's background callback, a simulation job
(`dashboard.jobs`: capped, joined, reaped) that the page polls, with a progress bar and a
Cancel button. The job's result spec comes back to the page's draw callback, which only
reads the cache. Job requests and result specs travel through the browser, so both are
checked (`job_search`, `result`) before use.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import flask
from dash import Input, Output, State, no_update

from dashboard import guard, panels
from dashboard.context import Context
from dashboard.jobs import over_budget
from sim.scenario import Config

CANCEL_TITLE = "stop the running job"
GONE = "the runs of this view were computed but are no longer cached (is the cache full?)"


@dataclass(frozen=True)
class Plan:
    """What one request runs: every config on every seed (common random numbers)."""

    search: str
    configs: tuple[Config, ...]
    seeds: tuple[int, ...]

    @property
    def runs(self) -> int:
        return len(self.configs) * len(self.seeds)

    def over_budget(self, ctx: Context) -> str:
        return over_budget([(c, len(self.seeds)) for c in self.configs], ctx.limits)

    def missing(self, ctx: Context) -> int:
        return sum(ctx.runs.missing(c, list(self.seeds)) for c in self.configs)


def start(plan: Plan, ctx: Context, click: Any, done: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(result spec, job request, status): the spec when every run is cached (`done` holds
    the page's own fields), else a job request; a plan over the budget gets a message."""
    too_much = plan.over_budget(ctx)
    if too_much:
        return no_update, no_update, panels.message(["Not run:", too_much])
    todo = plan.missing(ctx)
    if todo == 0:
        spec = {**done, "search": plan.search, "seconds": 0.0, "click": click}
        return spec, no_update, "drawing..."
    return no_update, request(plan, click), f"running: {todo} run{'s' * (todo != 1)} to compute"


def request(plan: Plan, click: Any) -> dict[str, Any]:
    """A job request: the view, the click that asked for it and a token naming this request
    (the page's Cancel stops the job by it, `register_cancel`)."""
    click = click if isinstance(click, int) else None
    return {"search": plan.search, "click": click, "token": secrets.token_hex(8)}


def register_cancel(app, prefix: str) -> None:
    """The page's Cancel stops the job of its current job request on the server. Dash's own
    cancel (`cancel=` on the background callback) sends the job's handle, which the browser
    learns only from the first poll's answer; a Cancel pressed before that reached nobody
    and the job ran on until the abandon watchdog stopped it."""

    @app.callback(
        Output(f"{prefix}-cancel", "title"),  # an output: Dash 4's renderer mishandles none
        Input(f"{prefix}-cancel", "n_clicks"),
        State(f"{prefix}-job", "data"),
        prevent_initial_call=True,
    )
    def _cancel(_, job):
        token = job.get("token") if isinstance(job, dict) else None
        flask.current_app.config["INSTALIGN_JOBS"].cancel(token)
        return CANCEL_TITLE


def again(result: dict[str, Any], plan: Plan | None, errors: list[str], ctx: Context):
    """(job request, status) for a drawn view whose runs are not cached: a new job, unless
    the spec says a job just computed them (no loop) or the view is invalid or too large."""
    if result.get("computed"):
        return no_update, panels.message([GONE, "Press Run to compute them again."])
    if plan is None or errors:
        return no_update, panels.message(["Not drawn:", *errors])
    too_much = plan.over_budget(ctx)
    if too_much:
        return no_update, panels.message(["Not run:", too_much])
    return request(plan, result.get("click")), "running: computing the runs of this view"


def job_search(job: Any) -> str:
    """The URL query of a job request (guard.BadInput if it is not one)."""
    return guard.record(job, "job", {"search": str})["search"]


def result(spec: Any, fields: dict[str, type | tuple]) -> dict[str, Any]:
    """A result spec from the browser, with the page's own fields (guard.BadInput if not)."""
    return guard.record(spec, "result", {"search": str, "seconds": (int, float), **fields})
