"""The sidebar's parameter sections, rendered when needed (issue 11): one collapsible box per
parameter section (`sim.params`), whose controls (`dashboard.controls`) are rendered only
when it is first opened, so a page with ~90 parameters shows at once. A section whose
component is off in the scenario (its gate, `sim.params.sections`) shows just its on-switch;
switching it re-renders the section. The overrides of parameters whose control is not
rendered travel in the page's `{prefix}-pending` store (`path=value` text, like `--set`),
so reading the controls back still gives every override (`values`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dash import MATCH, Input, Output, State, html, no_update

from dashboard.controls import MSG, PARAM, RUN_SECTION, check, coerce, control_id, row
from dashboard.reproduce import config_for
from dashboard.state import format_set, read_set
from sim.errors import ConfigError
from sim.params import PARAMS, Param
from sim.params.sections import SECTIONS
from sim.scenario import Config

SECTION, HEAD, BODY, BOX = "param-section", "section-head", "section-body", "section-box"


def grouped() -> dict[str, list[Param]]:
    """Section name -> its parameters, in declaration order (the run section first)."""
    out: dict[str, list[Param]] = {RUN_SECTION: []}
    for p in PARAMS.values():
        out.setdefault(p.section or RUN_SECTION, []).append(p)
    return out


def is_off(name: str, config: Config) -> bool:
    """Whether a section's component is off in `config` (its gate does not hold)."""
    sec = SECTIONS.get(name)
    return sec is not None and not sec.enabled(config.values)


def body(name: str, config: Config) -> list[html.Div]:
    """Every control of one section, showing `config`'s values."""
    return [row(p, config[p.path]) for p in grouped()[name]]


def section(name: str, config: Config, opened: bool) -> html.Details:
    """One collapsible section. Its controls are rendered only when it is open (a closed
    one gets them when first opened: `explore` fills the body), so a page shows at once; a
    section whose component is off shows only its on-switch, so it can be turned on."""
    if is_off(name, config):
        gate = SECTIONS[name].gate.path
        hint = f"Off in this scenario; turn it on with {SECTIONS[name].enable_hint}."
        kids = [html.P(hint, className="param-help"), row(PARAMS[gate], config[gate])]
        title = [PARAMS.title(name), html.Span(" off", className="off-tag")]
        return _box(name, title, kids, False, "param-section off")
    kids = body(name, config) if opened else []
    return _box(name, PARAMS.title(name), kids, opened, "param-section")


def _box(name: str, title, kids: list, opened: bool, cls: str) -> html.Details:
    filled = "section-body filled" if kids else "section-body"
    head = html.Summary(title, id={"type": HEAD, "name": name}, n_clicks=0)
    return html.Details(
        [head, html.Div(kids, id={"type": BODY, "name": name}, className=filled)],
        open=opened,
        id={"type": SECTION, "name": name},
        className=cls,
    )


def sections(config: Config, changed: Sequence[str] = ()) -> list[html.Div]:
    """Every section, one box each (a stable container the page re-renders when a
    component is switched on or off); the run section and those holding a value listed in
    `changed` (the user's overrides) start open."""
    opened = {RUN_SECTION, *(PARAMS[k].section or RUN_SECTION for k in changed)}
    return [
        html.Div(section(name, config, name in opened), id={"type": BOX, "name": name})
        for name in grouped()
    ]


def pending(sets: Iterable[tuple[str, Any]]) -> list[str]:
    """Overrides as `path=value` text: the values a page uses for parameters whose control
    is not rendered (a section never opened)."""
    return [format_set(p, v) for p, v in sets]


def read_pending(items: Any) -> dict[str, Any]:
    """Pending overrides back from the browser (an entry that does not parse is dropped;
    the URL that made them was checked when the page loaded)."""
    out: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        try:
            path, value = read_set(item) if isinstance(item, str) else ("", None)
        except ConfigError:
            continue
        out.update({path: value} if path else {})
    return out


def shown(scenario: Any, items: Any) -> Config:
    """The config the sidebar shows: the scenario with its pending overrides."""
    return config_for(scenario, list(read_pending(items).items()))


def register(app, prefix: str) -> None:
    """The section callbacks of a page holding `{prefix}-scenario` (the scenario picked) and
    `{prefix}-pending` (the overrides of controls not rendered): a section's controls are
    rendered when it is first opened, and switching a component on or off re-renders its
    section (every parameter, or just the switch)."""

    @app.callback(
        Output({"type": BODY, "name": MATCH}, "children"),
        Output({"type": BODY, "name": MATCH}, "className"),
        Input({"type": HEAD, "name": MATCH}, "n_clicks"),
        State({"type": HEAD, "name": MATCH}, "id"),
        State({"type": BODY, "name": MATCH}, "className"),
        State(f"{prefix}-scenario", "value"),
        State(f"{prefix}-pending", "data"),
        prevent_initial_call=True,
    )
    def fill(clicks, sid, cls, scenario, items):
        """A click on a section's heading (opening it) renders its controls once. (The
        Details' `open` is not reported back by Dash: the heading's clicks are.)"""
        name = sid.get("name") if isinstance(sid, dict) else None
        if not clicks or cls != "section-body" or name not in grouped():
            return no_update, no_update
        try:
            return body(name, shown(scenario, items)), "section-body filled"
        except ConfigError:
            return no_update, no_update

    for name, sec in SECTIONS.items():
        if sec.gate is not None and name in grouped():
            _switch(app, prefix, name, sec.gate.path)

    @app.callback(
        Output({"type": MSG, "path": MATCH}, "children"),
        Input({"type": PARAM, "path": MATCH}, "value"),
        State({"type": PARAM, "path": MATCH}, "id"),
        prevent_initial_call=True,
    )
    def message(raw, cid):
        return check(cid.get("path") if isinstance(cid, dict) else None, raw)


def _switch(app, prefix: str, name: str, gate: str) -> None:
    @app.callback(
        Output({"type": BOX, "name": name}, "children"),
        Output(f"{prefix}-pending", "data", allow_duplicate=True),
        Input(control_id(gate), "value"),
        State({"type": SECTION, "name": name}, "className"),
        State(f"{prefix}-scenario", "value"),
        State(f"{prefix}-pending", "data"),
        prevent_initial_call=True,
    )
    def switch(raw, cls, scenario, items):
        try:
            value = coerce(PARAMS[gate], raw)
            kept = {p: v for p, v in read_pending(items).items() if not p.startswith(name + ".")}
            config = config_for(scenario, [*kept.items(), (gate, value)])
        except ConfigError:
            return no_update, no_update  # the control's own message says why
        if is_off(name, config) == (cls == "param-section off"):
            return no_update, no_update  # still on (or still off): nothing to re-render
        return section(name, config, True), pending([*kept.items(), (gate, value)])
