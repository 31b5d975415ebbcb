"""The Dash app: a shell with three pages (Explore, Compare, Sweeps) routed by the URL path,
each page's whole view state in the URL query (see `dashboard.state`).

`create_app(results)` builds everything (nothing is built at import time); long runs go to
Dash background callbacks with a `DiskcacheManager` whose folder every worker shares (it
holds the secret that signs job handles, and the run cache sits beside it).
"""

from __future__ import annotations

from pathlib import Path

import diskcache
from dash import Dash, DiskcacheManager, Input, Output, State, dcc, html

from dashboard import panels
from dashboard.context import Context
from dashboard.pages import compare, explore, sweeps

PAGES = {"/explore": explore, "/compare": compare, "/sweeps": sweeps}
HOME = "/explore"


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
    path = HOME if pathname in (None, "", "/") else pathname.rstrip("/")
    mod = PAGES.get(path)
    classes = ["nav-link active" if p == path else "nav-link" for p in PAGES]
    if mod is None:
        body = panels.message(f"no page {pathname!r}: see Explore, Compare or Sweeps")
        return body, classes
    return mod.layout(search, ctx), classes


def create_app(results: Path, cache_dir: Path | None = None) -> Dash:
    """The dashboard on the results folder `results` (the only folder stores are read from)."""
    ctx = Context.create(results, cache_dir)
    manager = DiskcacheManager(diskcache.Cache(str(ctx.cache_dir / "jobs")))
    app = Dash(
        __name__,
        title="instalign",
        background_callback_manager=manager,
        suppress_callback_exceptions=True,
        assets_folder=str(Path(__file__).parent / "assets"),
        update_title=None,
    )
    app.layout = shell()
    app.server.config["INSTALIGN_CONTEXT"] = ctx

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
    app.server.test_client().get("/")  # Dash bug #3971: warm up before threaded workers
    return app
