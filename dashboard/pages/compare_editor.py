"""Compare's reform editor: the baseline and each intervention as a card of parameter controls
generated from the schema (the widgets Explore uses, `dashboard.controls`), listing only the
parameters the arm sets. Each row shows the value it is compared against (the baseline's,
or for an arm on another scenario that scenario's default) and is marked when it differs;
each card sums up its changes and says when the arm is identical to another one.

Ids are Compare's own pattern types (`arm-param` with a `slot`: 0 is the baseline, 1.. the
interventions), so they never collide with Explore's `param` controls. Reading the form
back, checking it and the editing actions are in `compare_form`."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from analysis import arms as spec
from dashboard import arms, controls
from dashboard.reproduce import config_for, scenario_ids
from dashboard.state import CompareState, format_value
from sim.errors import ConfigError
from sim.params import PARAMS
from sim.params.sections import unused_parameters
from sim.scenario import Config

ARM, ROW, NAME, SCEN = "arm-param", "arm-row", "arm-name", "arm-scenario"
ADD, DROP, REMOVE, SUMMARY = "arm-add", "arm-drop", "arm-remove", "arm-summary"
BASE = 0  # the baseline's slot


def widget(p, value: Any, slot: int) -> Any:
    """Explore's control for `p` (same widget choice and help), under Compare's own id."""
    comp = controls.component(p, value)
    comp.id = {"type": ARM, "slot": slot, "path": p.path}
    return comp


def row(slot: int, path: str, value: Any, ref: Any, against: str) -> html.Div:
    p = PARAMS[path]
    label = f"{path} [{p.unit}]" if p.unit else path
    return html.Div(
        [
            html.Label(label, title=controls.help_text(p), className="param-label"),
            widget(p, value, slot),
            html.Span(f"{against}: {format_value(ref)}", className="arm-ref"),
            html.Button("remove", id={"type": DROP, "slot": slot, "path": path},
                        className="btn-small", title=f"drop {path} from this arm"),
        ],
        id={"type": ROW, "slot": slot, "path": path},
        className=row_class(value, ref),
        **{"data-path": path},
    )  # fmt: skip


def row_class(value: Any, ref: Any) -> str:
    return "param arm-change changed" if value != ref else "param arm-change"


def adder(slot: int, config: Config | None, taken: set[str]) -> dcc.Dropdown:
    """A picker of the parameters this arm can still change (not the seed of an arm: the
    replications set it; not a parameter of a component its scenario leaves off)."""
    values = config.values if config is not None else {}
    usable = [
        p for p in PARAMS
        if p not in taken and not (slot and p == "seed")
        and not (values and unused_parameters(values, [p]))
    ]  # fmt: skip
    return dcc.Dropdown(id={"type": ADD, "slot": slot}, options=usable, value=None,
                        placeholder="change a parameter...", className="arm-add")  # fmt: skip


def editor(state: CompareState) -> list[html.Div]:
    """One card for the baseline and one per intervention."""
    refs, sums = references(state), summary(state)
    cards = [_base_card(state, refs, sums)]
    for i, (name, sets) in enumerate(state.arms, start=1):
        cards.append(_arm_card(i, name, sets, refs, sums, state))
    return cards


def _base_card(state: CompareState, refs, sums) -> html.Div:
    head = [
        html.H3("Baseline", className="card-title"),
        html.Label("Scenario", htmlFor="compare-scenario"),
        dcc.Dropdown(id="compare-scenario", options=scenario_ids(), value=state.scenario,
                     clearable=False),
    ]  # fmt: skip
    return _card(BASE, head, state.sets, refs[BASE], "default", sums[BASE])


def _arm_card(slot, name, sets, refs, sums, state: CompareState) -> html.Div:
    scenario = state.arm_scenario(name)
    options = [{"label": "same as the baseline", "value": ""}, *scenario_ids()]
    head = [
        html.Div(
            [
                dcc.Input(id={"type": NAME, "slot": slot}, value=name, placeholder="name",
                          debounce=True, className="arm-name", maxLength=40),
                html.Button("remove arm", id={"type": REMOVE, "slot": slot},
                            className="btn-small"),
            ],
            className="arm-head",
        ),
        html.Label("Scenario"),
        dcc.Dropdown(id={"type": SCEN, "slot": slot}, options=options, value=scenario,
                     clearable=False),
    ]  # fmt: skip
    against = "baseline" if scenario in ("", state.scenario) else "default"
    return _card(slot, head, sets, refs[slot], against, sums[slot])


def _card(slot, head, sets, ref: Config | None, against: str, text) -> html.Div:
    rows = [row(slot, p, v, ref[p] if ref else None, against) for p, v in sets]
    return html.Div(
        [
            *head,
            html.Div(rows, className="arm-rows"),
            adder(slot, ref, {p for p, _ in sets}),
            html.Div(text, id={"type": SUMMARY, "slot": slot},
                     className="arm-summary"),
        ],
        className="card arm-card" + (" baseline-card" if slot == BASE else ""),
        **{"data-slot": str(slot)},
    )  # fmt: skip


def references(state: CompareState) -> list[Config | None]:
    """What each slot's values are compared against: the baseline its scenario's defaults,
    an arm the baseline (same scenario) or its own scenario's defaults (None: not built)."""
    base_default, base = _config(state.scenario, ()), _config(state.scenario, state.sets)
    out = [base_default]
    for name, _ in state.arms:
        own = state.arm_scenario(name)
        out.append(base if own in ("", state.scenario) else _config(own, ()))
    return out


def _config(scenario: str, sets) -> Config | None:
    try:
        return config_for(scenario, sets)
    except ConfigError:
        return None


def summary(state: CompareState) -> list[Any]:
    """Per slot: its changes (`path old → new`) and, for an arm, whether it runs exactly
    what the baseline or an earlier arm runs."""
    refs = references(state)
    twins = _twins(state)
    out = [_changes("changes from the scenario's defaults", state.sets, refs[BASE])]
    for i, (name, sets) in enumerate(state.arms, start=1):
        own = state.arm_scenario(name)
        lead = "changes from the baseline"
        if own not in ("", state.scenario):
            lead = (f"runs {own}: compared with the baseline on the same seeds; its changes "
                    f"are from {own}'s defaults")  # fmt: skip
        out.append([_changes(lead, sets, refs[i]), *_warning(twins.get(name))])
    return out


def _changes(lead: str, sets, ref: Config | None) -> html.Div:
    if ref is None:
        return html.Div(f"{lead}: (scenario not built: see the message on Run)")
    moved = [f"{p} {format_value(ref[p])} → {format_value(v)}" for p, v in sets if ref[p] != v]
    return html.Div(f"{lead}: {'; '.join(moved) if moved else 'none'}")


def _warning(text: str | None) -> list[Any]:
    return [html.Div(text, className="msg msg-warn", role="alert")] if text else []


def _twins(state: CompareState) -> dict[str, str]:
    try:
        return spec.identical(arms.configs(state))
    except ConfigError:
        return {}
