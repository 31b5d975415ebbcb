"""Compare's form: the editor's controls read back into a `CompareState` (a value that does
not validate is named and left out), checked with the very checks `instalign compare`
applies to a saved file (`analysis.arms`, so the page and the file refuse the same
mistakes), and changed by the editor's actions (add or remove an arm or a parameter, switch
a scenario, reload a saved comparison), whose callbacks are registered here with the live
change marks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import ALL, Input, Output, callback_context, no_update

from analysis import arms as spec
from dashboard import arms, controls
from dashboard.context import Context
from dashboard.pages import compare_editor as ed
from dashboard.state import CompareState
from sim.errors import ConfigError
from sim.params import PARAMS


def read(scenario, reps, names, scens, ids, raws) -> tuple[CompareState, list[str]]:
    """The form as a CompareState (a value that does not validate is left out, with its
    message naming the field); names and scenarios are kept as typed, for `check`."""
    values: dict[int, dict[str, Any]] = {}
    errors: list[str] = []
    for cid, raw in zip(ids or [], raws or [], strict=False):
        slot, path = _slot(cid), cid.get("path") if isinstance(cid, dict) else None
        if slot is None or not isinstance(path, str) or path not in PARAMS:
            errors.append(f"{str(path)[:60]!r}: not a declared parameter")
            continue
        try:
            values.setdefault(slot, {})[path] = controls.coerce(PARAMS[path], raw)
        except ConfigError as err:
            errors.append(f"{_who(slot, names)}: {err}")
    names = [n if isinstance(n, str) else "" for n in names or []]
    scens = [s if isinstance(s, str) else "" for s in scens or []]
    arms_ = tuple((n, tuple(values.get(i, {}).items())) for i, n in enumerate(names, start=1))
    own = tuple((n, s) for n, s in zip(names, scens, strict=False) if s)
    state = CompareState(scenario if isinstance(scenario, str) else "", tuple(
        values.get(ed.BASE, {}).items()), arms_, _reps(reps), (), own)  # fmt: skip
    return state, errors


def _slot(cid: Any) -> int | None:
    slot = cid.get("slot") if isinstance(cid, dict) else None
    return slot if isinstance(slot, int) and 0 <= slot <= spec.MAX_ARMS else None


def _who(slot: int, names: list) -> str:
    if slot == ed.BASE:
        return "baseline"
    name = names[slot - 1] if names and slot - 1 < len(names) else ""
    return f"intervention {name or slot}"


def _reps(reps: Any) -> Any:
    ok = isinstance(reps, int | float) and not isinstance(reps, bool) and reps == int(reps)
    return int(reps) if ok else reps


def check(state: CompareState) -> list[str]:
    """What is wrong with the form, as `instalign compare` would say it of the saved file
    (empty when it runs)."""
    if not state.arms:
        return ["interventions: add at least one (press Add intervention)"]
    try:
        spec.from_data(arms.comparison(state).to_data())
    except ConfigError as err:
        return [str(err)]
    return []


def apply(state: CompareState, trigger: Any, value: Any) -> CompareState:
    """The state after one editor action (`trigger`: the id of what the user pressed)."""
    kind = trigger.get("type") if isinstance(trigger, dict) else trigger
    slot = trigger.get("slot") if isinstance(trigger, dict) else None
    arms_, own = list(state.arms), dict(state.scenarios)
    if kind == "compare-add-arm" and len(arms_) < spec.MAX_ARMS:
        taken = {n for n, _ in arms_}
        arms_.append((next(f"arm{i}" for i in range(1, 9) if f"arm{i}" not in taken), ()))
    elif kind == ed.REMOVE and isinstance(slot, int) and 0 < slot <= len(arms_):
        own.pop(arms_.pop(slot - 1)[0], None)
    elif kind == ed.SCEN and isinstance(slot, int) and 0 < slot <= len(arms_):
        own[arms_[slot - 1][0]] = value if isinstance(value, str) else ""
    elif kind in (ed.ADD, ed.DROP) and isinstance(slot, int) and 0 <= slot <= len(arms_):
        return _change(state, slot, kind, value if kind == ed.ADD else trigger.get("path"))
    own = {n: s for n, s in own.items() if s}
    return replace(state, arms=tuple(arms_), scenarios=tuple(own.items()))


def _change(state: CompareState, slot: int, kind: str, path: Any) -> CompareState:
    """Add parameter `path` to a slot (at its reference value: not yet a change) or drop it."""
    if not isinstance(path, str) or path not in PARAMS:
        return state
    sets = dict(state.sets if slot == ed.BASE else state.arms[slot - 1][1])
    if kind == ed.DROP:
        sets.pop(path, None)
    elif path not in sets:
        ref = ed.references(state)[slot]
        sets[path] = ref[path] if ref is not None else PARAMS[path].validate(PARAMS[path].default)
    if slot == ed.BASE:
        return replace(state, sets=tuple(sets.items()))
    arms_ = list(state.arms)
    arms_[slot - 1] = (arms_[slot - 1][0], tuple(sets.items()))
    return replace(state, arms=tuple(arms_))


def edit(trigger: Any, value: Any, form: tuple, ctx: Context) -> tuple:
    """The editor after one action or a reloaded saved comparison: (cards, message, reps,
    metrics)."""
    if trigger == "compare-saved":
        if not value:
            return (no_update,) * 4
        try:
            state = arms.load(ctx.results, value)
        except ConfigError as err:
            return no_update, str(err), no_update, no_update
        return ed.editor(state), f"loaded {value}", state.reps, list(state.metrics)
    if value in (None, 0) and trigger != "compare-scenario" and not _is(trigger, ed.SCEN):
        return (no_update,) * 4  # a control that was just drawn, not a user action
    state, _ = read(*form)
    return ed.editor(apply(state, trigger, value)), "", no_update, no_update


def _is(trigger: Any, kind: str) -> bool:
    return isinstance(trigger, dict) and trigger.get("type") == kind


def register(app, ctx: Context, form: list) -> None:
    """The editor's callbacks: actions that redraw the cards, and the live change marks."""
    actions = [
        Input("compare-add-arm", "n_clicks"),
        Input({"type": ed.REMOVE, "slot": ALL}, "n_clicks"),
        Input({"type": ed.ADD, "slot": ALL}, "value"),
        Input({"type": ed.DROP, "slot": ALL, "path": ALL}, "n_clicks"),
        Input({"type": ed.SCEN, "slot": ALL}, "value"),
        Input("compare-scenario", "value"),
        Input("compare-saved", "value"),
    ]

    @app.callback(
        Output("compare-form", "children"),
        Output("compare-edit-msg", "children"),
        Output("compare-reps", "value"),
        Output("compare-metrics", "value"),
        *actions,
        *form,
        prevent_initial_call=True,
    )
    def _edit(*args):
        trigger = callback_context.triggered_id
        value = callback_context.triggered[0]["value"] if callback_context.triggered else None
        return edit(trigger, value, args[len(actions) :], ctx)

    @app.callback(
        Output({"type": ed.SUMMARY, "slot": ALL}, "children"),
        Output({"type": ed.ROW, "slot": ALL, "path": ALL}, "className"),
        Input({"type": ed.ARM, "slot": ALL, "path": ALL}, "value"),
        Input({"type": ed.NAME, "slot": ALL}, "value"),
        *form,
        prevent_initial_call=True,
    )
    def _marks(_values, _names, *form_values):
        state, _ = read(*form_values)
        return marks(state, callback_context.outputs_list)


def marks(state: CompareState, outputs: list) -> tuple[list, list]:
    """Each card's summary and each row's class (marked when it differs from its reference),
    in the order the page lists them."""
    sums, refs = ed.summary(state), ed.references(state)
    values = [dict(state.sets), *(dict(sets) for _, sets in state.arms)]
    texts = [sums[o["id"]["slot"]] if o["id"]["slot"] < len(sums) else "" for o in outputs[0]]
    classes = []
    for o in outputs[1]:
        slot, path = o["id"]["slot"], o["id"]["path"]
        ref = refs[slot] if slot < len(refs) else None
        value = values[slot].get(path) if slot < len(values) else None
        classes.append(ed.row_class(value, ref[path] if ref is not None else value))
    return texts, classes
