"""Checks of what a client sends: every callback argument, view spec and request body is
client data (a crafted request can put anything there), so it is checked before use and a
bad one gets a one-line message, never a server error.

`text`/`texts`/`names`/`whole`/`record` check callback arguments (BadInput names the field);
`dispatch_error` checks the shape of a Dash callback request before Dash reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MAX_TEXT = 20_000  # characters in one text value (a URL query, a YAML box)
MAX_ITEMS = 500  # entries in one list value
WILDCARDS = (["ALL"], ["ALLSMALLER"])  # pattern-matching ids that send a list of entries


class BadInput(ValueError):
    """A client value of the wrong type or size; the message names the field."""


def text(value: Any, name: str, limit: int = MAX_TEXT) -> str:
    """A string (None reads as '')."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{name}: expected text, got {type(value).__name__}")
    if len(value) > limit:
        raise BadInput(f"{name}: {len(value)} characters (at most {limit})")
    return value


def texts(value: Any, name: str, limit: int = MAX_ITEMS) -> list[str]:
    """A list of strings (None reads as [])."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit:
        raise BadInput(f"{name}: expected a list of at most {limit} entries")
    return [text(v, f"{name}[{i}]") for i, v in enumerate(value)]


def names(value: Any, name: str, allowed: Mapping | None = None) -> list[str]:
    """A list of names (a string alone is one name); unknown names are refused."""
    out = texts([value] if isinstance(value, str) else value, name)
    unknown = [v for v in out if allowed is not None and v not in allowed]
    if unknown:
        raise BadInput(f"{name}: unknown name {unknown[0]!r}")
    return out


def whole(value: Any, name: str, lo: int, hi: int, default: int = 0) -> int:
    """An integer in [lo, hi] (None reads as `default`)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise BadInput(f"{name}: expected a whole number, got {value!r:.40}")
    if not lo <= value <= hi:
        raise BadInput(f"{name}: {value} is out of range [{lo}, {hi}]")
    return int(value)


def record(value: Any, name: str, fields: Mapping[str, type | tuple]) -> dict[str, Any]:
    """A JSON object whose listed fields have the listed types (other fields are kept)."""
    if not isinstance(value, dict):
        raise BadInput(f"{name}: expected an object, got {type(value).__name__}")
    for field, kind in fields.items():
        got = value.get(field)
        if not isinstance(got, kind) or (isinstance(got, bool) and bool not in _kinds(kind)):
            raise BadInput(f"{name}.{field}: missing or of the wrong type")
        if isinstance(got, str | list) and len(got) > MAX_TEXT:
            raise BadInput(f"{name}.{field}: too long")
    return value


def _kinds(kind: type | tuple) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


# ---- the body of a Dash callback request ------------------------------------------------


def dispatch_error(body: Any, callbacks: Mapping[str, Mapping]) -> str:
    """'' when `body` has the shape Dash expects for a registered callback, else why not."""
    if not isinstance(body, dict):
        return "expected a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "no callback has this output"
    cb = callbacks[output]
    if "callback" not in cb:  # a clientside callback: the server has no function for it
        return "this output is computed in the browser"
    for field in ("inputs", "state"):
        want, got = cb.get(field, []), body.get(field, [])
        if not isinstance(got, list) or len(got) != len(want):
            return f"{field}: expected a list of {len(want)} entries"
        for dep, item in zip(want, got, strict=True):
            if not _matches(dep, item):
                return f"{field}: malformed entry for {dep.get('id')}.{dep.get('property')}"
    if not _outputs(cb.get("output"), body.get("outputs")):
        return "outputs: not the callback's outputs"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds: expected a list of strings"
    return ""


def _matches(dep: Mapping, item: Any) -> bool:
    """An input entry as Dash sends it: one {id, property, value} or, for an ALL wildcard,
    a list of them."""
    if _many(dep.get("id")):
        return isinstance(item, list) and len(item) <= MAX_ITEMS and all(map(_entry, item))
    return _entry(item)


def _many(dep_id: Any) -> bool:
    if not isinstance(dep_id, str) or not dep_id.startswith("{"):
        return False
    return any(v in WILDCARDS for v in json.loads(dep_id).values())


def _entry(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str | dict)
        and isinstance(item.get("property"), str)
    )


def _outputs(declared: Any, sent: Any) -> bool:
    """The outputs entry: one per declared output (a list of them for a multi-output callback),
    each shaped like an input entry (without a value)."""
    if isinstance(declared, list):
        return (
            isinstance(sent, list)
            and len(sent) == len(declared)
            and all(_matches(d.to_dict(), s) for d, s in zip(declared, sent, strict=True))
        )
    return declared is None or _matches(declared.to_dict(), sent)
