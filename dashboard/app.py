"""The Dash app: a shell with four pages (Explore, Compare, Sweeps, Design) routed by the URL path,
each page's whole view state in the URL query (see `dashboard.state`).

`create_app(results)` builds everything (nothing is built at import time); simulations run
only in background callbacks, under `dashboard.jobs.JobManager` (a capped number of forked
job processes, never a request thread), whose folder every worker shares (it holds the
secret that signs job handles, and the run cache sits beside it). Every request is checked
before Dash sees it: its Host header against the allow-list (`dashboard.hosts`), its size,
and a callback request's shape (`dashboard.guard`); a client error is a 4xx with one line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import diskcache
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import DependencyException
from flask import Flask, Response, request

from dashboard import guard, hosts, panels, views
from dashboard.context import Context
from dashboard.jobs import JobManager, Limits
from dashboard.pages import compare, design, explore, sweeps

PAGES = {"/explore": explore, "/compare": compare, "/sweeps": sweeps, "/design": design}
HOME = "/explore"
LOG = logging.getLogger(__name__)
MAX_BODY = 4 * 2**20  # bytes of one request body (a callback request is a few kB)
DISPATCH = "/_dash-update-component"


def shell() -> html.Div:
    links = [
        dcc.Link(mod.TITLE, href=path, id=f"nav-{mod.TITLE.lower()}", className="nav-link")
        for path, mod in PAGES.items()
    ]
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            html.Header(
                [html.Span("instalign", className="brand"), html.Nav(links)], className="top"
            ),
            html.Main(id="page", className="page"),
        ],
        className="app",
    )


def route(pathname: str | None, search: str | None, ctx: Context):
    """The page for a path ('/' is Explore) and the active nav link's class names."""
    if not isinstance(pathname, str | None) or not isinstance(search, str | None):
        return panels.message("the URL path and query must be text"), ["nav-link"] * len(PAGES)
    path = HOME if pathname in (None, "", "/") else pathname.rstrip("/")
    mod = PAGES.get(path)
    classes = ["nav-link active" if p == path else "nav-link" for p in PAGES]
    if mod is None:
        body = panels.message(f"no page {pathname[:80]!r}: see Explore, Compare, Sweeps or Design")
        return body, classes
    return mod.layout(search, ctx), classes


PLOTLY_BUNDLE = r"^plotly-instalign\.min\.js$"


def assets_folder() -> str:
    """The CSS/JS folder, package data of `dashboard` (a real directory: Dash serves from one)."""
    return str(Path(resources.files("dashboard") / "assets"))


def create_app(
    results: Path,
    cache_dir: Path | None = None,
    allow_hosts: Iterable[str] = (),
    limits: Limits | None = None,
) -> Dash:
    """The dashboard on the results folder `results` (the only folder stores are read from),
    answering requests addressed to a loopback name or one of `allow_hosts` only."""
    ctx = Context.create(results, cache_dir, limits)
    manager = JobManager(diskcache.Cache(str(ctx.cache_dir / "jobs")), ctx.cache_dir, ctx.limits)
    app = Dash(
        __name__,
        title="instalign",
        background_callback_manager=manager,
        suppress_callback_exceptions=True,
        assets_folder=assets_folder(),
        assets_ignore=PLOTLY_BUNDLE,  # served, loaded by the first graph (plotly-loader.js)
        update_title=None,
        on_error=callback_failed,
    )
    app.layout = shell()
    app.server.config["INSTALIGN_CONTEXT"] = ctx
    app.server.config["INSTALIGN_JOBS"] = manager
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    hosts.install(app.server, hosts.allowed_names(allow_hosts))
    install_checks(app)

    @app.callback(
        Output("page", "children"),
        [Output(f"nav-{m.TITLE.lower()}", "className") for m in PAGES.values()],
        Input("url", "pathname"),
        State("url", "search"),
    )
    def _route(pathname, search):
        body, classes = route(pathname, search, ctx)
        return body, *classes

    for mod in PAGES.values():
        mod.register(app, ctx)
    panels.register(app, ctx)
    views.preload()
    app.server.test_client().get("/")  # Dash bug #3971: warm up before threaded workers
    return app


def install_checks(app: Dash) -> None:
    """A callback request of the wrong shape gets 400 before Dash reads it; a file Dash does
    not serve gets 404 (Dash itself would raise: HTTP 500)."""
    server: Flask = app.server

    @server.before_request
    def check_callback_request():
        if request.path != DISPATCH or request.method != "POST":
            return None
        why = guard.dispatch_error(request.get_json(silent=True), app.callback_map)
        return bad_request(f"bad callback request: {why}") if why else None

    @server.errorhandler(DependencyException)
    def no_such_file(_err):
        return Response("no such file\n", status=404, mimetype="text/plain")


def bad_request(why: str) -> Response:
    return Response(why + "\n", status=400, mimetype="text/plain")


def callback_failed(err: Exception) -> None:
    """Dash's last resort for a callback that raised: log it and leave the page as it is
    (every callback checks its inputs and reports problems itself; this is for bugs)."""
    LOG.error("callback failed", exc_info=err)
