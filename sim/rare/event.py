"""The rare event of `instalign tail --event "catastrophes >= 1"`: one declared metric, a
comparison and a number, evaluated on the model's collected metrics (`model.metric_values`)
at the end of each step. The estimators (sim/rare) ask for the probability that the event
holds at some step up to the horizon; adaptive multilevel splitting (Cérou & Guyader 2007;
Bréhier et al. 2016) climbs toward it along an importance function (sim/rare/model_system.py),
whose direction the comparison gives: up for >= and >, down for <= and <, none for ==.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sim.errors import ConfigError, unknown_name

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
DIRECTION = {">=": 1, ">": 1, "<=": -1, "<": -1, "==": 0}
SHAPE = "METRIC OP NUMBER with OP one of >=, >, <=, <, == (e.g. 'catastrophes >= 1')"
_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(>=|<=|==|>|<)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Event:
    """`metric op threshold`; NaN never satisfies it (an unmeasured metric is no event)."""

    metric: str
    op: str
    threshold: float

    def holds(self, values: Mapping[str, float]) -> bool:
        return bool(OPS[self.op](float(values[self.metric]), self.threshold))

    @property
    def direction(self) -> int:
        """+1: the event lies above (>=, >); -1: below (<=, <); 0: no direction (==)."""
        return DIRECTION[self.op]

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


def parse(text: str, metrics: Mapping | None = None, option: str = "--event") -> Event:
    """The Event in `text`, checked against the declared metrics (default: every component's,
    `sim.components.METRICS`); a ConfigError naming `option` otherwise."""
    if metrics is None:
        from sim.components import METRICS as metrics
    match = _PATTERN.match(text or "")
    if match is None:
        raise ConfigError(f"cannot read {text!r} as an event", source=option, allowed=SHAPE)
    name, op, number = match.groups()
    if name not in metrics:
        raise unknown_name("metric", name, metrics, source=option)
    return Event(name, op, _number(number, text, option))


def _number(word: str, text: str, option: str) -> float:
    try:
        value = float(word)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        detail = f"{word!r} in {text!r} is not a finite number"
        raise ConfigError(detail, source=option, allowed=SHAPE)
    return value
