"""Controls generated from the parameter schema (`sim.params.PARAMS`), and read back.

Each declared parameter becomes one control: a slider for a bounded linear number, a numeric
input for unbounded or log-scale numbers, a dropdown for a choice (multi-select when a list
of choices is allowed), a checkbox for a bool, a text box for a string or a list (YAML,
read with `sim.yamlio.load`). The declared description, unit and allowed range are the help.
Values read back are validated by the same `Param.validate` the CLI uses, so a bad value
gets the same message, naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from dash import dcc, html

from dashboard.reproduce import plain
from sim import yamlio
from sim.errors import ConfigError
from sim.params import PARAMS, Param
from sim.scenario import Config

PARAM = "param"  # pattern-matching id type of a parameter control
MSG = "param-msg"  # and of its inline message
RUN_SECTION = "run"  # the heading of the top-level parameters (steps, seed)
SLIDER_MAX_INT_SPAN = 100
JS_SAFE_INT = 2**53  # larger integers lose digits as JavaScript numbers: send them as text


def control_id(path: str) -> dict[str, str]:
    return {"type": PARAM, "path": path}


def widget(p: Param) -> str:
    """Which control a parameter gets: slider, number, dropdown, checkbox, text, yaml or
    bigint (an integer whose range exceeds what a JavaScript number holds exactly: seeds)."""
    if p.kind == "bool":
        return "checkbox"
    if p.kind == "choice":
        return "dropdown"
    if p.kind == "list":
        return "yaml"
    if p.kind == "str":
        return "text"
    bounded = p.low is not None and p.high is not None
    if p.kind == "int" and (not bounded or max(abs(p.low), abs(p.high)) > JS_SAFE_INT):
        return "bigint"
    small = p.kind == "float" or (bounded and p.high - p.low <= SLIDER_MAX_INT_SPAN)
    return "slider" if bounded and small and not p.log else "number"


def slider_step(p: Param) -> float:
    if p.kind == "int":
        return 1
    return 10.0 ** math.floor(math.log10((p.high - p.low) / 100.0))


def component(p: Param, value: Any) -> Any:
    """The Dash component for `p` showing `value`."""
    cid, kind = control_id(p.path), widget(p)
    if kind == "checkbox":
        opts = [{"label": " on", "value": "on"}]
        return dcc.Checklist(id=cid, options=opts, value=["on"] if value else [], inline=True)
    if kind == "dropdown":
        shown = list(value) if isinstance(value, tuple) else value
        return dcc.Dropdown(
            id=cid, options=list(p.choices), value=shown, multi=p.many, clearable=False
        )
    if kind == "slider":
        return dcc.Slider(
            id=cid, min=p.low, max=p.high, step=slider_step(p), value=value, marks=None,
            tooltip={"placement": "bottom"}, allow_direct_input=True,
        )  # fmt: skip
    if kind == "yaml":
        text = yaml.safe_dump(plain(value), sort_keys=False, default_flow_style=False)
        return dcc.Textarea(id=cid, value=text, rows=min(12, text.count("\n") + 1),
                            className="yaml-input")  # fmt: skip
    if kind == "bigint":
        return dcc.Input(id=cid, type="text", inputMode="numeric", value=str(value), debounce=True)
    itype = "text" if kind == "text" else "number"
    return dcc.Input(id=cid, type=itype, value=value, debounce=True, step="any")


def help_text(p: Param) -> str:
    unit = f" Unit: {p.unit}." if p.unit else ""
    scale = " Log scale." if p.log else ""
    return f"{p.description}{unit} Allowed: {p.allowed()}.{scale}"


def row(p: Param, value: Any) -> html.Div:
    leaf = p.path.rsplit(".", 1)[-1]
    label = f"{leaf} [{p.unit}]" if p.unit else leaf
    return html.Div(
        [
            html.Label(label, title=p.path, className="param-label"),
            component(p, value),
            html.Div(help_text(p), className="param-help"),
            html.Div(id={"type": MSG, "path": p.path}, className="param-msg", role="alert"),
        ],
        className="param",
        **{"data-path": p.path},
    )


def coerce(p: Param, raw: Any) -> Any:
    """A control's raw value to the parameter's validated value (ConfigError if invalid)."""
    kind = widget(p)
    if kind == "checkbox":
        return p.validate("on" in (raw or []))
    if kind == "dropdown" and isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if kind == "yaml":
        raw = _yaml(raw, p)
    if kind == "bigint":
        raw = _integer(raw, p)
    if kind in ("slider", "number") and raw in (None, ""):
        raise ConfigError("no value (expected a number)", path=p.path, allowed=p.allowed())
    if kind in ("slider", "number") and isinstance(raw, str):
        raw = _number(raw, p)
    return p.validate(raw)


def _yaml(raw: Any, p: Param) -> Any:
    if raw is not None and not isinstance(raw, str):
        raise ConfigError("expected YAML text", path=p.path, allowed=p.allowed())
    try:
        return yamlio.load(raw or "")
    except yaml.YAMLError:
        raise ConfigError("malformed YAML", path=p.path, allowed=p.allowed()) from None


def _integer(raw: Any, p: Param) -> int:
    """Exact integer from text (no float round trip: a 63-bit seed keeps every digit)."""
    text = str(raw if raw is not None else "").strip()
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"expected an integer, got {text!r}", path=p.path) from None


def _number(raw: str, p: Param) -> float | int:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"expected a number, got {raw!r}", path=p.path) from None
    return int(value) if p.kind == "int" and value.is_integer() else value


def check(path: Any, raw: Any) -> str:
    """The inline message for one control: '' when valid."""
    if not isinstance(path, str) or path not in PARAMS:
        return f"{str(path)[:60]!r}: not a declared parameter"
    try:
        coerce(PARAMS[path], raw)
    except ConfigError as err:
        return str(err)
    return ""


def read(ids: Sequence[Mapping[str, str]], raws: Sequence[Any]) -> tuple[dict, dict]:
    """Pattern-matched control ids and raw values to (path -> value, path -> error); ids and
    values come from the browser, so an id that names no parameter is an error too."""
    if not isinstance(ids, list) or not isinstance(raws, list) or len(ids) != len(raws):
        return {}, {"controls": "controls: the ids and values sent do not match"}
    values, errors = {}, {}
    for cid, raw in zip(ids, raws, strict=True):
        path = cid.get("path") if isinstance(cid, dict) else None
        if not isinstance(path, str) or path not in PARAMS:
            errors[str(path)] = f"{str(path)[:60]!r}: not a declared parameter"
            continue
        try:
            values[path] = coerce(PARAMS[path], raw)
        except ConfigError as err:
            errors[path] = str(err)
    return values, errors


def overrides(config: Config, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the scenario's own (what goes in the URL)."""
    return {k: v for k, v in values.items() if config[k] != v}
