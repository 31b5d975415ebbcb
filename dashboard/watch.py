"""A model you can watch: the per-agent views of an Explore run, step by step.

Each run records agent frames at up to 40 evenly spaced steps (dashboard/snapshot.py). When
a run is on screen (Explore's result spec in `explore-spec`) and the panel has been opened
(it starts closed and renders its body when first opened: a page load does not pay for
it), `load` reads the chosen
replication from the run cache (never runs the model) and sends every frame at once
(dashboard/playback.py: each figure once, then per frame only what changes). Step,
Play/Pause and the slider then switch frames in the browser (clientside callbacks in
assets/watch.js): playing costs no request. The slider marks elections;
the monitors show the incumbent and the scenario's headline metrics at the shown step;
each card's view spec carries the step, so a download rebuilds exactly the frame on screen.
Cards of components that are off (no bureaucracy, no oversight) are hidden.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update
from dash import ctx as dash_ctx

from dashboard import guard, panels, plans
from dashboard.playback import FIGS, code_version, payload
from dashboard.reproduce import config_for
from dashboard.state import ExploreState
from sim.errors import ConfigError

P = "watch"
PLAY_MS = 500
ROW = {"display": "flex", "flexWrap": "wrap", "gap": "8px"}


def panel() -> html.Details:
    """The watch section, closed: its body (replication, player controls, monitors and the
    agent cards) is rendered when it is first opened (`body`), so loading Explore does not
    mount, fetch or draw the agent views."""
    return html.Details(
        [
            html.Summary(
                [html.Span("Watch the agents", className="card-title"),
                 html.Span(" step through a replication: voters, offices, oversight",
                           className="desc")],
                id=f"{P}-head", n_clicks=0,
            ),
            html.Div(id=f"{P}-note", className="desc"),
            html.Div(id=f"{P}-slot"),
            dcc.Store(id=f"{P}-frames"),
            dcc.Store(id=f"{P}-want"),  # the result spec to load, once the body is there
            dcc.Interval(id=f"{P}-timer", interval=PLAY_MS, disabled=True),
        ],
        id=f"{P}-panel",
        className="card watch",
    )  # fmt: skip


def body(v: View) -> html.Div:
    """Replication, player controls, monitors and the agent cards, showing the view `v`
    (hidden when there is nothing to watch)."""
    cards = [panels.figure_card(f"{P}-{k}", title) for k, (_, title) in FIGS.items()]
    for card, style in zip(cards, v.cards, strict=True):
        card.style = style
    player = html.Div(
        [
            html.Label("Replication", htmlFor=f"{P}-seed"),
            dcc.Dropdown(id=f"{P}-seed", options=v.options, value=v.seed, clearable=False,
                         className="watch-seed", style={"minWidth": "220px"}),
            html.Button("Step", id=f"{P}-step", n_clicks=0, title="next recorded step"),
            html.Button("Play", id=f"{P}-play", n_clicks=0),
        ],
        className="buttons", style={**ROW, "alignItems": "center"},
    )  # fmt: skip
    slider = dcc.Slider(id=f"{P}-slider", min=0, max=v.last, step=1, value=v.at, marks=v.marks,
                        updatemode="drag", allow_direct_input=False)  # fmt: skip
    return html.Div(
        [
            player,
            slider,  # positions are frames, not steps: no direct input
            html.P(v.elections, id=f"{P}-elections", className="desc"),
            html.Div(id=f"{P}-monitors", className="monitors", style=ROW),
            *cards[:1],  # the voter map across the page: its legend needs the room
            html.Div(cards[1:], className="grid2"),
        ],
        id=f"{P}-body",
        style=v.body,
    )


class View(NamedTuple):
    """What the watch panel shows for a run: the `_load` callback's outputs, in order."""

    frames: dict | None
    options: list
    seed: Any
    last: int
    marks: dict
    at: int
    elections: Any
    note: str
    body: dict | None
    cards: tuple


HIDDEN = {"display": "none"}


def view(result: Any, seed: Any, at: Any, ctx, picked: bool) -> View:
    """The panel's view of a result spec: its frames, replication choice and slider (at the
    last frame, or at `at` when the user `picked` another replication)."""
    data, options, seed, note = load(result, seed, ctx, picked)
    if data is None:
        return View(None, options, seed, 0, {}, 0, "", note, HIDDEN, (None,) * len(FIGS))
    last = len(data["steps"]) - 1
    keep = picked and isinstance(at, int)
    cards = tuple(None if k in data["figs"] else HIDDEN for k in FIGS)
    at = min(at, last) if keep else last
    return View(data, options, seed, last, data["marks"], at, data["elections"], "", None, cards)


def load(result: Any, seed: Any, ctx, picked: bool) -> tuple[dict | None, list, Any, str]:
    """(payload, replication options, chosen seed, note) for a result spec from the
    browser (`seed` when the user `picked` one of its seeds, else the first): payload None
    when the run is not cached or the spec is invalid."""
    try:
        result = plans.result(result, {"seeds": list})
        seeds = [s for s in guard.texts(result["seeds"], "result.seeds") if s.isdigit()]
        state, _ = ExploreState.from_search(result["search"])
        config = config_for(state.scenario, state.sets)
    except (guard.BadInput, ConfigError) as err:
        return None, [], None, f"Nothing to watch: {err}"
    if not seeds:
        return None, [], None, "Nothing to watch: the run has no seeds."
    options = [{"label": f"replication {i + 1} (seed {s})", "value": s}
               for i, s in enumerate(seeds)]  # fmt: skip
    seed = seed if picked and seed in seeds else seeds[0]
    steps = int(config["steps"])
    run = ctx.runs.get(config, int(seed), steps)
    if run is None:
        return None, options, seed, "This run is not computed (or left the cache): press Run."
    search = hashlib.sha256(result["search"].encode()).hexdigest()[:16]  # named in specs
    name = f"watch-{code_version()}-{search}"
    made = ctx.runs.derived(name, config, run, lambda: payload(run, result["search"], config))
    return made, options, seed, ""


# ---- callbacks -----------------------------------------------------------------------------


def register(app, ctx) -> None:
    """The server callback that loads a run's frames and the clientside callbacks that
    show a frame and drive Step, Play/Pause and the timer."""
    cards = [Output(f"{P}-{k}-card", "style") for k in FIGS]

    @app.callback(
        Output(f"{P}-frames", "data"),
        Output(f"{P}-seed", "options"),
        Output(f"{P}-seed", "value"),
        Output(f"{P}-slider", "max"),
        Output(f"{P}-slider", "marks"),
        Output(f"{P}-slider", "value"),
        Output(f"{P}-elections", "children"),
        Output(f"{P}-note", "children"),
        Output(f"{P}-body", "style"),
        *cards,
        Input(f"{P}-want", "data"),
        Input(f"{P}-seed", "value"),
        State(f"{P}-slider", "value"),
        prevent_initial_call=True,
    )
    def _load(result, seed, at):
        if dash_ctx.triggered_id is None:  # the body was just inserted showing its view (_open)
            return (no_update,) * (9 + len(FIGS))
        v = view(result, seed, at, ctx, dash_ctx.triggered_id == f"{P}-seed")
        cards = [no_update if v.frames is None else c for c in v.cards]
        return (*v[:-1], *cards)

    @app.callback(
        Output(f"{P}-slot", "children"),
        Output(f"{P}-frames", "data", allow_duplicate=True),
        Output(f"{P}-want", "data", allow_duplicate=True),
        Output(f"{P}-note", "children", allow_duplicate=True),
        Input(f"{P}-head", "n_clicks"),
        State(f"{P}-slot", "children"),
        State("explore-spec", "data"),
        prevent_initial_call=True,
    )
    def _open(_, filled, result):
        """The body, rendered when the panel is first opened, showing the run on screen."""
        if filled:
            return no_update, no_update, no_update, no_update
        if not result:
            return body(view(None, None, None, ctx, False)), None, None, "Run a scenario first."
        v = view(result, None, None, ctx, False)
        return body(v), v.frames, result, v.note

    app.clientside_callback(
        ClientsideFunction("watch", "defer"),
        Output(f"{P}-want", "data"),
        Input("explore-spec", "data"),
        State(f"{P}-slot", "children"),
        State(f"{P}-want", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("watch", "show"),
        *[Output(panels.graph_id(f"{P}-{k}"), "figure") for k in FIGS],
        *[Output({"type": panels.SPEC, "view": f"{P}-{k}"}, "data") for k in FIGS],
        Output(f"{P}-monitors", "children"),
        Input(f"{P}-slider", "value"),
        Input(f"{P}-frames", "data"),
    )
    app.clientside_callback(
        ClientsideFunction("watch", "player"),
        Output(f"{P}-slider", "value", allow_duplicate=True),
        Output(f"{P}-timer", "disabled"),
        Output(f"{P}-play", "children"),
        Input(f"{P}-step", "n_clicks"),
        Input(f"{P}-play", "n_clicks"),
        Input(f"{P}-timer", "n_intervals"),
        State(f"{P}-slider", "value"),
        State(f"{P}-slider", "max"),
        State(f"{P}-timer", "disabled"),
        prevent_initial_call=True,
    )
