"""Parameter sections: what a component reads as one typed object, how a scenario turns the
component on, and which actor roles it then creates. Declared once, beside the section's
parameters (`sim/params/<section>.py`), and used everywhere else:

- `Config.section(name)` gives the section's values as a frozen, slotted dataclass whose
  fields are the declared parameters (`cfg.depth`, not `cfg["bureaucracy.depth"]`);
- the gate (`Gate`) says when the section's component is on; setting any other parameter of
  a section whose component is off is an error that says how to turn it on
  (`unused_parameters`);
- the roles (`Role`) are the actor kinds the component creates when it is on; oversight
  layers may only reference roles the scenario has (`roles_in`), and only watchable roles'
  actions come to oversight (`WATCHABLE`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, make_dataclass
from functools import cache
from typing import Any

from sim.params.core import PARAMS

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class Gate:
    """A condition on one parameter, e.g. `Gate("bureaucracy.depth", ">", 0)`; `op="nonempty"`
    tests a list parameter."""

    path: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.op not in (*_OPS, "nonempty"):
            raise ValueError(f"gate on {self.path}: unknown operator {self.op!r}")

    def holds(self, values: Mapping[str, Any]) -> bool:
        v = values[self.path]
        return bool(v) if self.op == "nonempty" else _OPS[self.op](v, self.value)

    def __str__(self) -> str:
        if self.op == "nonempty":
            return f"{self.path} is not empty"
        return f"{self.path} {self.op} {self.value!r}"


@dataclass(frozen=True)
class Role:
    """An actor role a component creates: `watchable` roles' actions come to oversight;
    `when` is an extra condition beyond the component being on."""

    name: str
    watchable: bool = False
    when: Gate | None = None


@dataclass(frozen=True)
class Section:
    name: str
    component: str  # the component that owns the section (for messages)
    gate: Gate | None = None  # None: always on
    roles: tuple[Role, ...] = ()
    enable_hint: str = ""  # how a user turns the component on

    def enabled(self, values: Mapping[str, Any]) -> bool:
        return self.gate is None or self.gate.holds(values)


SECTIONS: dict[str, Section] = {}


def section(name: str, component: str, gate: Gate | None = None, roles=(), hint: str = ""):
    """Declare a parameter section (call it in the section's own module)."""
    if name in SECTIONS:
        raise ValueError(f"section {name!r} declared twice")
    SECTIONS[name] = Section(name, component, gate, tuple(roles), hint)
    return SECTIONS[name]


@cache
def section_type(name: str) -> type:
    """A frozen, slotted dataclass with one field per parameter of the section."""
    prefix = name + "."
    fields = [p[len(prefix) :] for p in PARAMS if p.startswith(prefix)]
    if not fields:
        raise KeyError(f"no parameters in section {name!r}")
    cls = make_dataclass(_type_name(name), fields, frozen=True, slots=True, module=__name__)
    cls.__doc__ = f"The `{name}` parameters (sim/params/{name}.py), one field each."
    return cls


def _type_name(section_name: str) -> str:
    return "".join(w.capitalize() for w in section_name.split("_")) + "Params"


def __getattr__(attr: str) -> type:
    """`sim.params.sections.BureaucracyParams` etc., so section objects pickle by reference."""
    for name in SECTIONS:
        if _type_name(name) == attr:
            return section_type(name)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def section_fields(name: str) -> tuple[str, ...]:
    return tuple(f for f in section_type(name).__dataclass_fields__)


def view(name: str, values: Mapping[str, Any]) -> Any:
    """The section's values as its typed object."""
    prefix = name + "."
    return section_type(name)(**{f: values[prefix + f] for f in section_fields(name)})


def roles_in(values: Mapping[str, Any]) -> set[str]:
    """The actor roles a scenario creates: voters always, plus each enabled section's roles."""
    out = {"voter"}
    for sec in SECTIONS.values():
        if sec.enabled(values):
            out.update(r.name for r in sec.roles if r.when is None or r.when.holds(values))
    return out


def role_needs(role: str) -> str | None:
    """What a scenario must set to have `role`, in words."""
    for sec in SECTIONS.values():
        for r in sec.roles:
            if r.name == role:
                parts = [str(g) for g in (sec.gate, r.when) if g is not None]
                return " and ".join(parts) or None
    return None


def watchable() -> tuple[str, ...]:
    """Roles whose actions come to oversight, in section order."""
    return tuple(r.name for s in SECTIONS.values() for r in s.roles if r.watchable)


def unused_parameters(values: Mapping[str, Any], explicit: Iterable[str]) -> list[tuple]:
    """(path, section) for every explicitly set parameter whose section's component is off
    (the gate parameter itself may be set: that is how it is turned off)."""
    out = []
    for path in explicit:
        sec = SECTIONS.get(path.split(".", 1)[0]) if "." in path else None
        if sec is None or sec.enabled(values) or (sec.gate and path == sec.gate.path):
            continue
        out.append((path, sec))
    return out


def unused_message(path: str, sec: Section) -> str:
    return (
        f"the {sec.component} component is off in this scenario, so this parameter would "
        f"have no effect; turn it on with {sec.enable_hint or sec.gate}"
    )
