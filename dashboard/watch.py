"""A model you can watch: the per-agent views of an Explore run, step by step.

Each run records agent frames at up to 40 evenly spaced steps (dashboard/snapshot.py). When
a run is on screen (Explore's result spec in `explore-spec`), `load` reads the chosen
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
from typing import Any

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


def panel() -> html.Div:
    """The watch section: replication, player controls, monitors and the agent cards."""
    cards = [panels.figure_card(f"{P}-{k}", title) for k, (_, title) in FIGS.items()]
    player = html.Div(
        [
            html.Label("Replication", htmlFor=f"{P}-seed"),
            dcc.Dropdown(id=f"{P}-seed", clearable=False, className="watch-seed",
                         style={"minWidth": "220px"}),
            html.Button("Step", id=f"{P}-step", n_clicks=0, title="next recorded step"),
            html.Button("Play", id=f"{P}-play", n_clicks=0),
        ],
        className="buttons", style={**ROW, "alignItems": "center"},
    )  # fmt: skip
    slider = dcc.Slider(id=f"{P}-slider", min=0, max=0, step=1, value=0, marks={},
                        updatemode="drag", allow_direct_input=False)  # fmt: skip
    body = html.Div(
        [
            player,
            slider,  # positions are frames, not steps: no direct input
            html.P(id=f"{P}-elections", className="desc"),
            html.Div(id=f"{P}-monitors", className="monitors", style=ROW),
            *cards[:1],  # the voter map across the page: its legend needs the room
            html.Div(cards[1:], className="grid2"),
        ],
        id=f"{P}-body",
        style={"display": "none"},
    )
    return html.Div(
        [
            html.H3("Watch the agents", className="card-title"),
            html.Div(id=f"{P}-note", className="desc"),
            body,
            dcc.Store(id=f"{P}-frames"),
            dcc.Interval(id=f"{P}-timer", interval=PLAY_MS, disabled=True),
        ],
        id=f"{P}-panel",
        className="card watch",
    )


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
        Input("explore-spec", "data"),
        Input(f"{P}-seed", "value"),
        State(f"{P}-slider", "value"),
        prevent_initial_call=True,
    )
    def _load(result, seed, at):
        picked = dash_ctx.triggered_id == f"{P}-seed"
        data, options, seed, note = load(result, seed, ctx, picked)
        if data is None:
            hidden = {"display": "none"}
            return (None, options, seed, 0, {}, 0, "", note, hidden, *[no_update] * len(FIGS))
        last = len(data["steps"]) - 1
        keep = picked and isinstance(at, int)
        styles = [None if k in data["figs"] else {"display": "none"} for k in FIGS]
        return (data, options, seed, last, data["marks"], min(at, last) if keep else last,
                data["elections"], "", None, *styles)  # fmt: skip

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
