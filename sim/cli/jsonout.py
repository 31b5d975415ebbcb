"""Strict JSON for every `--json` output: NaN and infinities become `null` (bare `NaN` is
not JSON and other languages' parsers refuse it); numpy scalars and arrays become plain
numbers and lists. `allow_nan=False` proves nothing non-standard slips through."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any


def strict(obj: Any) -> Any:
    """`obj` with non-finite floats as None and numpy values as Python ones, recursively."""
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [strict(v) for v in obj]
    if isinstance(obj, PurePath):
        return str(obj)
    if type(obj).__module__ == "numpy":  # numpy scalar or array, without importing numpy
        return strict(obj.tolist())
    return obj


def dumps(obj: Any, indent: int | None = 2) -> str:
    """Standard JSON text of `obj` (see `strict`); a TypeError for what JSON cannot hold."""
    return json.dumps(strict(obj), indent=indent, allow_nan=False)
