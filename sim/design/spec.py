"""The design spec (issue 15): what a designer chooses (levers), what the world might be
(uncertainties), what is wanted (objectives, constraints, robustness) and how to search. One
YAML file in the family of sweep specs (sim/sweep/spec.py); every error is one ConfigError
naming the file, the field path, the allowed values and the closest valid name::

    id: oversight_robust
    scenario: ai_control_protocols-v1     # the base scenario
    set: {electorate.n_voters: 200}       # fixed overrides
    steps: 60
    levers:                               # parameter path -> range or choices
      ai_agents.audit_budget: {low: 0.0, high: 0.1}
      ai_agents.protocol: [trusted_monitoring, defer_to_trusted]
      oversight.layers:                   # a structural lever: a stack of named layers,
        stack: {monitor: {kind: ai_monitor, watches: ai_agent}, audit: {...}}
        min: 0                            # of variable length and order (repeats allowed)
        max: 3
    uncertainties:                        # shared by every design (common random numbers)
      ai_agents.capability: {low: 0.5, high: 2.0}
    worlds: 8                             # LHS sample of the uncertainties (one world if none)
    objectives:                           # a metric's final value (or `stat: mean` over steps)
      - {metric: catastrophes, sense: min}
      - {metric: usefulness, sense: max, stat: mean}
    constraints: ["usefulness >= 0.8"]    # on the metric's mean over worlds (the stat of an
                                          # objective on the same metric, else final)
    robustness: {kind: mean}              # mean | percentile (q) | regret | satisficing
    search: {algorithm: nsga2, population: 12, evaluations: 96, seed: 7}
    replications: 2
    reevaluate: {replications: 6, worlds: 16}   # the final front, re-run fresh

A range lever takes `low`, `high`, optional `log` and `integer`; a list is a set of choices.
`robustness.kind`: `mean` over worlds; `percentile` (`q`, the bad-side quantile: q = 90 is the
90th percentile of a minimized objective, the 10th of a maximized one); `regret` (the maximum
over worlds of the gap to the best design found for that world; Savage 1951); `satisficing`
(the share of worlds in which every objective meets its `threshold`; Simon 1956), one
objective, maximized. Sources: Lempert, Groves, Popper & Bankes 2006 (robust decision
making), Kasprzyk, Nataraj, Reed & Lempert 2013 (many-objective robust decision making),
McPhail et al. 2018 (robustness metrics).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.components import METRICS
from sim.errors import ConfigError, closest, unknown_name
from sim.params import PARAMS
from sim.rare.event import OPS
from sim.scenario import Config, load, read_yaml
from sim.sweep.spec import NAME_RE, at_path, flat_overrides

ROBUSTNESS = ("mean", "percentile", "regret", "satisficing")
SENSES = ("min", "max")
STATS = ("final", "mean")
ALGORITHMS = ("nsga2",)
STACK = "oversight.layers"
# the range a metric of each unit can take (a constraint outside it no design can meet)
UNIT_RANGE = {"share": (0.0, 1.0), "budget share": (0.0, 1.0), "cosine": (-1.0, 1.0),
              "actions": (0.0, float("inf")), "audits": (0.0, float("inf")),
              "stories": (0.0, float("inf")), "nats": (0.0, float("inf")),
              "steps": (0.0, float("inf")), "elections": (0.0, float("inf"))}  # fmt: skip


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Range(_Model):
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    values: list[Any] | None = None  # choices


class Stack(_Model):
    stack: dict[str, dict[str, Any]]
    min: int = Field(default=0, ge=0)
    max: int = Field(ge=1)


class Objective(_Model):
    metric: str
    sense: str = "min"
    stat: str = "final"
    threshold: float | None = None  # satisficing: the value to meet


class Robustness(_Model):
    kind: str = "mean"
    q: float | None = None


class Search(_Model):
    algorithm: str = "nsga2"
    population: int = Field(default=12, ge=4)
    evaluations: int = Field(default=96, ge=1)
    seed: int = Field(ge=0, lt=2**63)


class Reevaluate(_Model):
    replications: int = Field(default=5, ge=1)
    worlds: int | None = Field(default=None, ge=1)


class DesignSpec(_Model):
    id: str | None = None
    description: str = ""
    scenario: str
    set: dict[str, Any] = Field(default_factory=dict)
    steps: int | None = Field(default=None, ge=1)
    levers: dict[str, Any]
    uncertainties: dict[str, Range] = Field(default_factory=dict)
    worlds: int = Field(default=1, ge=1)
    objectives: list[Objective]
    constraints: list[str] = Field(default_factory=list)
    robustness: Robustness = Field(default_factory=Robustness)
    search: Search
    replications: int = Field(default=1, ge=1)
    reevaluate: Reevaluate = Field(default_factory=Reevaluate)

    @field_validator("uncertainties", mode="before")
    @classmethod
    def _lists_are_choices(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: {"values": v} if isinstance(v, list) else v for k, v in value.items()}
        return value


_FIELDS: dict[tuple[str, ...], type[BaseModel]] = {
    (): DesignSpec,
    ("robustness",): Robustness,
    ("search",): Search,
    ("reevaluate",): Reevaluate,
}


@dataclass(frozen=True)
class Lever:
    """One lever: a numeric range (`low`, `high`, `log`, `integer`), a set of `choices`, or
    the oversight stack (`options`: name -> layer, `min`..`max` layers)."""

    path: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    choices: tuple | None = None
    options: tuple[tuple[str, dict], ...] | None = None
    min: int = 0
    max: int = 0

    @property
    def genes(self) -> int:
        """How many unit-interval variables encode it (sim/design/encoding.py)."""
        return 1 + self.max if self.options is not None else 1


@dataclass(frozen=True)
class Constraint:
    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Design:
    """A validated design spec."""

    spec: DesignSpec
    source: str
    name: str
    base: Config
    levers: tuple[Lever, ...]
    uncertainties: tuple[Lever, ...]
    constraints: tuple[Constraint, ...]

    def identity(self) -> str:
        """A hash of everything but the description and the evaluation budget: a resumed
        search must be the same search (a larger budget may continue it)."""
        doc = self.spec.model_dump(mode="json", exclude={"description"})
        doc["search"].pop("evaluations", None)
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def metrics(self) -> tuple[str, ...]:
        names = [o.metric for o in self.spec.objectives] + [c.metric for c in self.constraints]
        return tuple(dict.fromkeys(names))


def load_design(path: str | Path) -> Design:
    """Read, parse and check a design spec (everything before anything runs)."""
    source = str(path)
    data = read_yaml(Path(path))
    if not isinstance(data, Mapping):
        raise ConfigError("a design spec must be a mapping of fields", source=source)
    try:
        spec = DesignSpec.model_validate(data)
    except ValidationError as err:
        raise _from_pydantic(err, source) from None
    name = spec.id or Path(path).stem
    if not NAME_RE.match(name):
        raise ConfigError(f"invalid id {name!r}", source=source, path="id", allowed="lower_snake")
    fixed = flat_overrides(spec.set, source, "set")
    overrides = {**fixed, **({"steps": spec.steps} if spec.steps else {})}
    base = at_path(lambda: load(spec.scenario, overrides, Path(source).parent), source, "scenario")
    if not spec.levers:
        raise ConfigError(
            "no levers: a design search needs at least one",
            source=source,
            path="levers",
            allowed="parameter paths with a range or choices",
        )
    levers = tuple(_lever(p, v, source, f"levers.{p}", fixed) for p, v in spec.levers.items())
    uncertain = tuple(
        _lever(p, r.model_dump(exclude_defaults=True), source, f"uncertainties.{p}", fixed)
        for p, r in spec.uncertainties.items()
    )
    both = sorted({lv.path for lv in levers} & {u.path for u in uncertain})
    if both:
        raise ConfigError(
            "a parameter is both a lever and an uncertainty",
            source=source,
            path=f"uncertainties.{both[0]}",
        )
    if any(u.options is not None for u in uncertain):
        raise ConfigError(
            "the oversight stack is a lever, not an uncertainty",
            source=source,
            path=f"uncertainties.{STACK}",
        )
    _check_objectives(spec, source)
    constraints = tuple(_constraint(c, i, source) for i, c in enumerate(spec.constraints))
    _check_search(spec, source)
    return Design(spec, source, name, base, levers, uncertain, constraints)


# ---- checks ----------------------------------------------------------------------------------


def _lever(path: str, raw: Any, source: str, where: str, fixed: dict) -> Lever:
    if path not in PARAMS:
        raise ConfigError(
            "unknown parameter (use a dotted path such as ai_agents.audit_budget)",
            source=source,
            path=where,
            suggestion=closest(path, PARAMS),
        )
    if path in fixed:
        raise ConfigError("parameter is also fixed in `set`", source=source, path=where)
    if path == STACK and isinstance(raw, Mapping) and "stack" in raw:
        return _stack(raw, source, where)
    if isinstance(raw, list):
        raw = {"values": raw}
    if not isinstance(raw, Mapping):
        raise ConfigError(
            "a lever is a range {low, high} or a list of choices", source=source, path=where
        )
    try:
        r = Range.model_validate(dict(raw))
    except ValidationError as err:
        raise _from_pydantic(err, source, prefix=where, model=Range) from None
    if r.values is not None:
        if not r.values or r.model_fields_set & {"low", "high", "log", "integer"}:
            raise ConfigError(
                "give a non-empty list of choices or a range, not both", source=source, path=where
            )
        vals = tuple(_value(path, v, source, f"{where}.values") for v in r.values)
        return Lever(path, choices=vals)
    if r.low is None or r.high is None or not r.low < r.high:
        raise ConfigError(
            "a range needs low < high",
            source=source,
            path=where,
            allowed="{low: L, high: H} with L < H, or a list of choices",
        )
    if r.log and r.low <= 0:
        raise ConfigError("a log range needs low > 0", source=source, path=f"{where}.low")
    integer = r.integer or PARAMS[path].kind == "int"
    for end in (r.low, r.high):
        _value(path, int(end) if integer else end, source, where)
    return Lever(path, r.low, r.high, r.log, integer)


def _stack(raw: Mapping, source: str, where: str) -> Lever:
    try:
        s = Stack.model_validate(dict(raw))
    except ValidationError as err:
        raise _from_pydantic(err, source, prefix=where, model=Stack) from None
    if not s.stack:
        raise ConfigError("the stack lists no layers", source=source, path=f"{where}.stack")
    if s.min > s.max:
        raise ConfigError(
            "min exceeds max", source=source, path=f"{where}.min", allowed=f"0..{s.max}"
        )
    for name, layer in s.stack.items():
        _value(STACK, [layer], source, f"{where}.stack.{name}")
    return Lever(STACK, options=tuple(s.stack.items()), min=s.min, max=s.max)


def _value(path: str, value: Any, source: str, where: str) -> Any:
    try:
        return PARAMS[path].validate(value)
    except ConfigError as err:
        raise ConfigError(
            err.detail, source=source, path=where, allowed=err.allowed, suggestion=err.suggestion
        ) from None


def _check_objectives(spec: DesignSpec, source: str) -> None:
    if not spec.objectives:
        raise ConfigError(
            "no objectives",
            source=source,
            path="objectives",
            allowed="a list of {metric, sense: min|max}",
        )
    for i, o in enumerate(spec.objectives):
        where = f"objectives[{i}]"
        _metric(o.metric, source, f"{where}.metric")
        _choice(o.sense, SENSES, source, f"{where}.sense")
        _choice(o.stat, STATS, source, f"{where}.stat")
    kind = spec.robustness.kind
    _choice(kind, ROBUSTNESS, source, "robustness.kind")
    q = spec.robustness.q
    if kind == "percentile" and (q is None or not 0 < q < 100):
        raise ConfigError("a percentile needs q in (0, 100)", source=source, path="robustness.q")
    if kind != "percentile" and q is not None:
        raise ConfigError(
            f"q is for kind percentile, not {kind}", source=source, path="robustness.q"
        )
    if kind == "satisficing":
        missing = [i for i, o in enumerate(spec.objectives) if o.threshold is None]
        if missing:
            raise ConfigError(
                "satisficing needs a threshold on every objective",
                source=source,
                path=f"objectives[{missing[0]}].threshold",
            )


def _constraint(text: str, i: int, source: str) -> Constraint:
    parts = text.split()
    where = f"constraints[{i}]"
    if len(parts) != 3 or parts[1] not in OPS or parts[1] == "==":
        raise ConfigError(
            f"cannot read {text!r}",
            source=source,
            path=where,
            allowed="METRIC OP NUMBER with OP one of >=, >, <=, <",
        )
    _metric(parts[0], source, where)
    try:
        value = float(parts[2])
    except ValueError:
        raise ConfigError(f"{parts[2]!r} is not a number", source=source, path=where) from None
    lo, hi = UNIT_RANGE.get(METRICS[parts[0]].unit, (-float("inf"), float("inf")))
    op = parts[1]
    if (op == ">=" and value > hi) or (op == ">" and value >= hi) or (
        op == "<=" and value < lo) or (op == "<" and value <= lo):  # fmt: skip
        raise ConfigError(
            f"no design can meet {text!r}: {parts[0]} is a {METRICS[parts[0]].unit} in "
            f"[{lo:g}, {hi:g}]", source=source, path=where,
            allowed=f"a bound inside [{lo:g}, {hi:g}]",
        )  # fmt: skip
    return Constraint(parts[0], op, value)


def _check_search(spec: DesignSpec, source: str) -> None:
    _choice(spec.search.algorithm, ALGORITHMS, source, "search.algorithm")
    if spec.search.evaluations < spec.search.population:
        raise ConfigError(
            f"{spec.search.evaluations} evaluations is less than one population of "
            f"{spec.search.population}",
            source=source,
            path="search.evaluations",
            allowed=f">= {spec.search.population}",
        )


def _metric(name: str, source: str, where: str) -> None:
    if name not in METRICS:
        raise unknown_name("metric", name, METRICS, source=source, path=where)


def _choice(value: str, allowed: tuple[str, ...], source: str, where: str) -> None:
    if value not in allowed:
        raise unknown_name("value", value, allowed, source=source, path=where)


def _from_pydantic(err: ValidationError, source: str, prefix: str = "", model=None):
    first = err.errors()[0]
    loc = tuple(first["loc"])
    where = ".".join(str(p) for p in (prefix, *loc) if p != "")
    if first["type"] == "extra_forbidden":
        owner = model or _FIELDS.get(loc[:-1])
        if owner is None and loc[:1] == ("objectives",):
            owner = Objective
        names = list(owner.model_fields) if owner else []
        return ConfigError(
            "unknown field", source=source, path=where, suggestion=closest(str(loc[-1]), names)
        )
    msg = "required field is missing" if first["type"] == "missing" else first["msg"]
    return ConfigError(msg, source=source, path=where or None)
