"""Explore's sidebar: the scenario, replications and parameter controls, read back into an
`ExploreState` (`prepare`), and the callbacks that follow the controls: picking a scenario,
pasting a YAML, and marking the figures on screen stale when the settings no longer match
them. A section's controls render only when it is opened (`explore-pending` holds the URL's
overrides, so a Run reads the right values for sections never opened)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import ALL, Input, Output, State, dcc, html, no_update

from dashboard import controls, glossary, panels, sections
from dashboard.reproduce import config_for, parse_yaml, scenario_ids
from dashboard.state import DEFAULT_SCENARIO, MAX_REPS, ExploreState, replace_sets
from sim.errors import ConfigError
from sim.params import PARAMS

P = "explore"


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
            html.Div(sections.sections(config, [p for p, _ in state.sets]), id="explore-controls"),
            dcc.Store(id="explore-pending", data=sections.pending(state.sets)),
        ],
        className="sidebar",
    )  # fmt: skip


def prepare(scenario, reps, ids, raws, pending_sets=None) -> tuple[ExploreState | None, Any, list]:
    """Controls to (state, config) or (None, None, messages naming each bad field); a
    parameter without a control on screen (its section never opened) keeps its pending
    override (the URL's)."""
    values, errors = controls.read(ids, raws)
    values = {**sections.read_pending(pending_sets), **values}
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


def register_sidebar(app) -> None:
    """Picking a scenario, pasting a YAML, and marking the figures stale."""

    @app.callback(
        Output("explore-controls", "children", allow_duplicate=True),
        Output("explore-pending", "data", allow_duplicate=True),
        Output("explore-desc", "children"),
        Output("explore-about", "children"),
        Output("explore-glossary", "children"),
        Output("explore-metrics", "options"),
        Output("explore-metrics", "value"),
        Input("explore-scenario", "value"),
        prevent_initial_call=True,
    )
    def pick(scenario):
        try:
            config = config_for(scenario)
        except ConfigError as err:
            return no_update, no_update, panels.message(str(err)), *(no_update,) * 4
        return (sections.sections(config), [], config.description, *scenario_parts(config))

    @app.callback(
        Output("explore-controls", "children", allow_duplicate=True),
        Output("explore-pending", "data", allow_duplicate=True),
        Output("explore-yaml-msg", "children"),
        Input("explore-yaml-apply", "n_clicks"),
        State("explore-yaml-in", "value"),
        State("explore-scenario", "value"),
        prevent_initial_call=True,
    )
    def apply_yaml(_, text, scenario):
        config, error = parse_yaml(text)
        if config is None:
            return no_update, no_update, panels.message(error)
        try:
            sets = controls.overrides(config_for(scenario), config.values)
        except ConfigError as err:
            return no_update, no_update, panels.message(str(err))
        note = f"Controls set from {config.id}; press Run."
        boxes, items = sections.sections(config, list(sets)), sections.pending(sets.items())
        return boxes, items, panels.message(note, "info")

    @app.callback(
        Output("explore-figures", "className"),
        Input({"type": controls.PARAM, "path": ALL}, "value"),
        Input("explore-scenario", "value"),
        Input("explore-reps", "value"),
        State("url", "search"),  # a draw sets both the URL and this mark (explore.register_run)
        State({"type": controls.PARAM, "path": ALL}, "id"),
        State("explore-pending", "data"),
    )
    def stale(raws, scenario, reps, drawn, ids, pending_sets):
        return figures_class(drawn, scenario, reps, ids, raws, pending_sets)


def figures_class(drawn: Any, scenario, reps, ids, raws, pending_sets) -> str:
    """The figures' class: marked stale when the controls no longer give the settings of
    the figures on screen (`drawn`, their URL query)."""
    state = prepare(scenario, reps, ids, raws, pending_sets)[0]
    shown = ExploreState.from_search(drawn if isinstance(drawn, str) else "")[0]
    shown = replace_sets(replace(shown, metrics=()), dict(shown.sets))  # the registry's order
    fresh = state is not None and state == shown
    return "figures" if fresh else "figures stale"


def scenario_parts(config) -> tuple:
    """What changes on the page with the scenario: its notes, glossary and metrics."""
    return (
        glossary.about(config).children,
        glossary.glossary(config).children,
        glossary.options(config),
        glossary.defaults(config),
    )
