"""The sweep spec: one YAML file that says what varies, what is measured and how many runs.

What varies, what is measured and how runs execute are separate declarations (EMA
Workbench's split): this file holds the first two; the executor is chosen on the command
line. The schema (pydantic 2, every error turned into one `ConfigError` naming the file,
the field path and the closest valid name)::

    id: goodhart_pressure                # optional; defaults to the file's stem
    description: ...
    scenario: low_information_electorate-v1   # or `scenarios: [a-v1, b-v1]` (an ensemble);
                                         # a path (`mine.yaml`, `../x/y.yaml`) is read from
                                         # the spec's folder
    set: {electorate.n_voters: 2000}     # fixed overrides, like `--set` (nested or dotted)
    steps: 100                           # optional; the scenario's `steps` otherwise
    parameters:                          # what varies: dotted parameter path -> axis
      politicians.optimization_pressure: [1, 4, 16, 64]       # values (grid)
      electorate.information: {low: 0.1, high: 0.9, num: 5}  # a range (grid)
    design: grid                         # or points (the i-th values of every axis form
                                         # point i), or {method: lhs|monte_carlo|sobol|morris}
    interventions: {none: {}, audits: {oversight.audit_budget: 0.2}}  # crossed with all
    replications: 5
    seed: 20240601                       # the master seed (required)
    common_random_numbers: interventions # or all | none (see sim.sweep.seeds)
    record: {metrics: all, every: 10}    # summary always; series every k steps (null: none)
    tail: {event: "catastrophes >= 1", by_step: 100, method: ams, budget: 200}
                                         # optional: each run is one tail-probability
                                         # estimate instead of a run (sim.sweep.tail)

Axis fields: `values`; `low`, `high` with `num` or `step` (grid) and `log`; `dist`
(uniform, loguniform, normal, triangular, choice) with `mean`, `sd`, `mode`, `p` for
Monte Carlo and LHS. Which fields a design accepts is checked in `sim.sweep.design`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.components import METRICS
from sim.errors import ConfigError, closest
from sim.params import PARAMS
from sim.params.sections import SECTIONS, unused_message
from sim.scenario import Config, flatten, load, read_yaml
from sim.sweep.seeds import CRN_MODES

METHODS = ("grid", "points", "lhs", "monte_carlo", "sobol", "morris")
DISTS = ("uniform", "loguniform", "normal", "triangular", "choice")
RESERVED = ("seed",)  # set per run from the master seed
NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Axis(_Model):
    """How one parameter varies."""

    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = None
    step: float | None = None
    log: bool | None = None
    dist: str | None = None
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None
    p: list[float] | None = None


class Design(_Model):
    """The sampling design over the parameters' axes."""

    method: str = "grid"
    samples: int | None = None  # lhs, monte_carlo: points; sobol: N (power of 2); morris: r
    second_order: bool = False  # sobol: also second-order indices
    levels: int = 4  # morris: grid levels


class Record(_Model):
    """What each run stores: the summary always; the series every `every` steps."""

    metrics: list[str] | str = "all"
    every: int | None = Field(default=None, ge=1)


class Tail(_Model):
    """A rare-event tail probability as each run's outcome (`sim.sweep.tail`)."""

    event: str
    by_step: int | None = None
    method: str = "ams"
    budget: int


class SweepSpec(_Model):
    id: str | None = None
    description: str = ""
    scenario: str | None = None
    scenarios: list[str] | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    steps: int | None = Field(default=None, ge=1)
    parameters: dict[str, Axis] = Field(default_factory=dict)
    design: Design = Field(default_factory=Design)
    interventions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    replications: int = Field(default=1, ge=1)
    seed: int = Field(ge=0, lt=2**63)
    common_random_numbers: str = "interventions"
    record: Record = Field(default_factory=Record)
    tail: Tail | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _lists_are_values(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: {"values": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

    @field_validator("design", mode="before")
    @classmethod
    def _method_shorthand(cls, value: Any) -> Any:
        return {"method": value} if isinstance(value, str) else value


_FIELDS: dict[tuple[str, ...], type[BaseModel]] = {
    (): SweepSpec,
    ("design",): Design,
    ("record",): Record,
    ("tail",): Tail,
}


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _from_pydantic(err: ValidationError, source: str) -> ConfigError:
    first = err.errors()[0]
    loc = tuple(first["loc"])
    if first["type"] == "extra_forbidden":
        model = Axis if loc[:1] == ("parameters",) and len(loc) == 3 else _FIELDS.get(loc[:-1])
        names = list(model.model_fields) if model else []
        return ConfigError(
            "unknown field",
            source=source,
            path=_where(loc),
            suggestion=closest(str(loc[-1]), names),
        )
    msg = "required field is missing" if first["type"] == "missing" else first["msg"]
    return ConfigError(msg, source=source, path=_where(loc) or None)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the spec plus the resolved base scenarios and checked values."""

    spec: SweepSpec
    source: str
    name: str
    bases: dict[str, Config]  # scenario ref -> base config (`set` and `steps` applied)
    axes: dict[str, Axis]  # parameter path -> axis, in file order
    interventions: dict[str, dict[str, Any]]  # name -> {path: validated value}
    metrics: tuple[str, ...]

    def identity(self) -> str:
        """A hash of the spec (not its description): equal specs describe the same sweep.
        The resolved base scenarios are checked separately (`sim.sweep.store.check`)."""
        doc = self.spec.model_dump(mode="json", exclude={"description"})
        if doc.get("tail") is None:
            doc.pop("tail", None)  # specs without a tail keep the identity they had before
        blob = json.dumps(doc, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def parse(data: Any, source: str) -> SweepSpec:
    if not isinstance(data, Mapping):
        raise ConfigError("a sweep spec must be a mapping of fields", source=source)
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as err:
        raise _from_pydantic(err, source) from None


def load_spec(path: str | Path) -> Sweep:
    """Read, parse and validate a sweep spec file."""
    source = str(path)
    spec = parse(read_yaml(Path(path)), source)
    name = spec.id or Path(path).stem
    if not NAME_RE.match(name):
        raise ConfigError(f"invalid id {name!r}", source=source, path="id", allowed="lower_snake")
    _check_choice(spec.design.method, METHODS, source, "design.method")
    _check_choice(spec.common_random_numbers, CRN_MODES, source, "common_random_numbers")
    fixed = flat_overrides(spec.set, source, "set")
    for path, value in fixed.items():
        _check_value(path, value, source, f"set.{path}")
    bases = _bases(spec, fixed, source)
    axes = _axes(spec, fixed, bases, source)
    interventions = _interventions(spec, axes, bases, source)
    metrics = _tail(spec, source) if spec.tail is not None else _metrics(spec, source)
    return Sweep(spec, source, name, bases, axes, interventions, metrics)


def _check_choice(value: str, allowed: tuple[str, ...], source: str, path: str) -> None:
    if value not in allowed:
        raise ConfigError(
            f"unknown value {value!r}",
            source=source,
            path=path,
            allowed=", ".join(allowed),
            suggestion=closest(value, allowed),
        )


def flat_overrides(values: Mapping[str, Any], source: str, where: str) -> dict[str, Any]:
    """Nested or dotted overrides as {path: value}, errors naming `where`; the run seed is
    refused (it comes from the master seed)."""
    try:
        flat = flatten(values, source)
    except ConfigError as err:
        raise ConfigError(
            err.detail, source=source, path=f"{where}.{err.path}", suggestion=err.suggestion
        ) from None
    for path in flat:
        if path in RESERVED:
            raise ConfigError(
                "the run seed comes from the sweep's master seed",
                source=source,
                path=f"{where}.{path}",
                suggestion="seed",
            )
    return flat


def _bases(spec: SweepSpec, fixed: dict[str, Any], source: str) -> dict[str, Config]:
    if (spec.scenario is None) == (spec.scenarios is None):
        raise ConfigError("give exactly one of `scenario` or `scenarios`", source=source)
    refs = [spec.scenario] if spec.scenario is not None else list(spec.scenarios or [])
    if not refs or len(set(refs)) != len(refs):
        raise ConfigError("empty or repeated scenarios", source=source, path="scenarios")
    overrides = {**fixed, **({"steps": spec.steps} if spec.steps else {})}
    folder = Path(source).parent  # a relative scenario path is read from the spec's folder
    bases = {}
    for i, ref in enumerate(refs):
        where = "scenario" if spec.scenario is not None else f"scenarios[{i}]"
        bases[ref] = at_path(lambda r=ref: load(r, overrides, folder), source, where)
    return bases


def at_path(fn, source: str, where: str):
    """`fn()`, a ConfigError from it re-attributed to the spec file at `where`."""
    try:
        return fn()
    except ConfigError as err:
        path = f"{where}.{err.path}" if err.path else where
        detail = err.detail if err.source in (None, "scenario", "--set") else str(err)
        raise ConfigError(
            detail, source=source, path=path, allowed=err.allowed, suggestion=err.suggestion
        ) from None


def _axes(spec: SweepSpec, fixed: dict, bases: dict, source: str) -> dict[str, Axis]:
    for path, axis in spec.parameters.items():
        where = f"parameters.{path}"
        if path not in PARAMS:
            raise ConfigError(
                "unknown parameter (use a dotted path such as electorate.information)",
                source=source,
                path=where,
                suggestion=closest(path, PARAMS),
            )
        if path in RESERVED or path in fixed:
            why = "is set by the master seed" if path in RESERVED else "is also fixed in `set`"
            raise ConfigError(f"parameter {why}", source=source, path=where)
        for i, value in enumerate(axis.values or []):
            _check_value(path, value, source, f"{where}.values[{i}]")
        _check_used(path, spec, bases, source, where)
    return dict(spec.parameters)


def _check_used(path: str, spec: SweepSpec, bases: dict, source: str, where: str) -> None:
    """Refuse an axis over a parameter whose component is off in every base scenario (and
    that neither another axis nor an intervention turns on): the axis would be flat."""
    sec = SECTIONS.get(path.split(".", 1)[0]) if "." in path else None
    if sec is None or sec.gate is None or path == sec.gate.path:
        return
    gate = sec.gate.path
    changes = (spec.interventions or {}).values()
    turned = (gate in flat_overrides(v or {}, source, "interventions") for v in changes)
    if gate in spec.parameters or any(turned):
        return
    if not any(sec.enabled(b.values) for b in bases.values()):
        raise ConfigError(unused_message(path, sec), source=source, path=where)


def _check_value(path: str, value: Any, source: str, where: str) -> Any:
    try:
        return PARAMS[path].validate(value)
    except ConfigError as err:
        raise ConfigError(
            err.detail, source=source, path=where, allowed=err.allowed, suggestion=err.suggestion
        ) from None


def _interventions(spec: SweepSpec, axes: dict, bases: dict, source: str) -> dict:
    out = {}
    for name, values in (spec.interventions or {"none": {}}).items():
        if not NAME_RE.match(name):
            raise ConfigError(
                "intervention names are lower_snake", source=source, path=f"interventions.{name}"
            )
        flat = flat_overrides(values or {}, source, f"interventions.{name}")
        for path, value in flat.items():
            if path in axes:
                raise ConfigError(
                    "parameter varies in `parameters` too",
                    source=source,
                    path=f"interventions.{name}.{path}",
                )
            flat[path] = _check_value(path, value, source, f"interventions.{name}.{path}")
        out[name] = flat
    return out


def _tail(spec: SweepSpec, source: str) -> tuple[str, ...]:
    """Check the `tail` section as far as it can be without a design point (each point's
    config is checked in `sim.sweep.plan.check_points`); a tail sweep records no metrics."""
    from sim.sweep.tail import check_request, request

    if "record" in spec.model_fields_set:
        raise ConfigError(
            "a tail sweep stores each run's tail estimate (tail_p, its CI, ...), not metrics "
            "or series; remove `record`",
            source=source,
            path="record",
        )
    check_request(request(spec.tail.model_dump()), source)
    return ()


def _metrics(spec: SweepSpec, source: str) -> tuple[str, ...]:
    wanted = spec.record.metrics
    if wanted == "all":
        return tuple(METRICS)
    if isinstance(wanted, str):
        wanted = [wanted]
    if not wanted:
        raise ConfigError("no metrics to record", source=source, path="record.metrics")
    for i, name in enumerate(wanted):
        if name not in METRICS:
            raise ConfigError(
                f"unknown metric {name!r}",
                source=source,
                path=f"record.metrics[{i}]",
                suggestion=closest(name, METRICS),
            )
    return tuple(dict.fromkeys(wanted))
