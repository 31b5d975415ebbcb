"""Pieces every view shares: a figure card (graph, download of the figure as PNG/SVG/PDF and
of its data as CSV/Parquet), the reproduce panel (CLI command and scenario YAML), and the
inline message box. The download callback rebuilds the view from its spec with the same
analysis `data()`/`draw()` the screen used, then writes it with `analysis.export`."""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, dcc, html, no_update

from dashboard.context import Context

FORMATS = ("png", "svg", "pdf", "csv", "parquet")
SPEC, GO, FMT, DL, MSG = "view-spec", "dl-go", "dl-fmt", "dl", "dl-msg"
GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg"}}


def graph_id(view: str) -> str:
    return f"{view}-graph"


def title_id(view: str) -> str:
    return f"{view}-title"


def figure_card(view: str, title: str, height: int | None = None) -> html.Div:
    """A graph, the one-sentence finding of its data under it (copied from the figure's
    `layout.meta.finding` in the browser by assets/findings.js, so every card on every page
    shows it without a callback of its own), and its download bar; `view` names it in ids
    and file names."""
    style = {"height": f"{height}px"} if height else None
    return html.Div(
        [
            html.H3(title, className="card-title", id=title_id(view)),
            dcc.Loading(
                dcc.Graph(id=graph_id(view), config=GRAPH_CONFIG, style=style),
                type="dot",
                delay_show=400,
            ),
            html.P(className="finding"),
            download_bar(view),
            dcc.Store(id={"type": SPEC, "view": view}),
        ],
        className="card",
        id=f"{view}-card",
    )


def download_bar(view: str) -> html.Div:
    return html.Div(
        [
            dcc.Dropdown(
                id={"type": FMT, "view": view},
                options=[{"label": f.upper(), "value": f} for f in FORMATS],
                value="png",
                clearable=False,
                searchable=False,
                className="dl-format",
            ),
            html.Button("Download", id={"type": GO, "view": view}, className="btn-small"),
            html.Span(id={"type": MSG, "view": view}, className="dl-msg"),
            dcc.Download(id={"type": DL, "view": view}),
        ],
        className="download-bar",
    )


YAML_LABEL = "Scenario YAML (save as scenarios/<id>.yaml or pass the file to the CLI):"


def reproduce_panel(prefix: str, extra: Any = None, label: str = YAML_LABEL) -> html.Details:
    """The CLI command and scenario YAML of what is on screen (filled by the page)."""
    return html.Details(
        [
            html.Summary("Reproduce"),
            html.P("Command line:"),
            _copyable(f"{prefix}-cli"),
            html.P(label),
            _copyable(f"{prefix}-yaml"),
            *([extra] if extra is not None else []),
        ],
        className="card reproduce",
        id=f"{prefix}-reproduce",
    )  # fmt: skip


def paste_box(prefix: str) -> html.Div:
    """A box to paste a scenario YAML that sets every control of the page."""
    return html.Div(
        [
            html.P("Paste a scenario YAML to set every control from it:"),
            dcc.Textarea(id=f"{prefix}-yaml-in", rows=6, className="yaml-input"),
            html.Button("Apply YAML", id=f"{prefix}-yaml-apply", n_clicks=0),
            html.Div(id=f"{prefix}-yaml-msg"),
        ]
    )


def run_controls(prefix: str) -> html.Div:
    """Run and Cancel buttons, the progress bar and the status line of a page."""
    return html.Div(
        [
            html.Div(
                [
                    html.Button("Run", id=f"{prefix}-run", n_clicks=0, className="btn-primary"),
                    html.Button("Cancel", id=f"{prefix}-cancel", n_clicks=0, disabled=True),
                ],
                className="buttons",
            ),
            html.Progress(id=f"{prefix}-progress", value="0", max="1", className="idle"),
            html.Div(id=f"{prefix}-status", className="status", role="status"),
        ]
    )


def running(prefix: str) -> list:
    """The `running=` outputs of a page's background run callback."""
    return [
        (Output(f"{prefix}-run", "disabled"), True, False),
        (Output(f"{prefix}-cancel", "disabled"), False, True),
        (Output(f"{prefix}-progress", "className"), "running", "idle"),
    ]


def _copyable(pid: str) -> html.Div:
    pre = html.Pre(id=pid, className="code")
    return html.Div([pre, dcc.Clipboard(target_id=pid)], className="copyable")


def message(text: str | list[str] | None, kind: str = "error") -> Any:
    """An inline message (a list shows one line each); nothing when empty."""
    if not text:
        return None
    lines = [text] if isinstance(text, str) else list(text)
    return html.Div([html.Div(t) for t in lines], className=f"msg msg-{kind}", role="alert")


def register(app, ctx: Context) -> None:
    """The download callback, shared by every figure card; while the file is prepared (an
    export takes seconds) its button is disabled and says so."""
    from dashboard import views

    @app.callback(
        Output({"type": DL, "view": MATCH}, "data"),
        Output({"type": MSG, "view": MATCH}, "children"),
        Input({"type": GO, "view": MATCH}, "n_clicks"),
        State({"type": FMT, "view": MATCH}, "value"),
        State({"type": SPEC, "view": MATCH}, "data"),
        running=[
            (Output({"type": GO, "view": MATCH}, "disabled"), True, False),
            (Output({"type": GO, "view": MATCH}, "children"), "preparing...", "Download"),
        ],
        prevent_initial_call=True,
    )
    def download(_, fmt, spec):
        if not spec:
            return no_update, "nothing to download yet: run first"
        try:
            name, payload = views.export(spec, fmt, ctx)
        except views.ViewError as err:
            return no_update, str(err)
        return dcc.send_bytes(payload, name), ""
