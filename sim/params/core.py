"""One typed declaration per parameter.

A `Param` (default, range, unit, description) drives scenario validation, the CLI's `--set`,
sweep axes and the dashboard's controls. Nothing else declares a default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ConfigError, closest

KINDS = ("int", "float", "bool", "choice", "str", "list")


@dataclass(frozen=True)
class Param:
    """A declared parameter: its public path, type, default, range, unit and meaning.

    kind: int | float | bool | choice | str | list.
    choices: the allowed names for `choice`; with `many=True` a list of them is accepted too.
    item: for `list`, a validator `(value, path) -> normalized` for the whole list.
    """

    path: str
    kind: str
    default: Any
    description: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    many: bool = False
    item: Callable[[Any, str], Any] | None = field(default=None, compare=False)
    log: bool = False  # sweeps and sliders step this parameter on a log scale

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.path}: unknown kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"{self.path}: a choice parameter needs choices")
        self.validate(self.default)  # a declaration whose default is invalid is a bug

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0] if "." in self.path else ""

    def allowed(self) -> str:
        """The allowed values in words, for messages and help."""
        if self.kind == "choice":
            names = ", ".join(self.choices)
            return f"one of {names}" + (" or a list of them" if self.many else "")
        if self.kind in ("int", "float") and (self.low is not None or self.high is not None):
            lo = "-inf" if self.low is None else _num(self.low)
            hi = "inf" if self.high is None else _num(self.high)
            return f"{self.kind} in [{lo}, {hi}]"
        return self.kind

    def validate(self, value: Any) -> Any:
        """Return `value` normalized to this parameter's type, or raise ConfigError."""
        if self.kind == "list":
            if self.item is None:
                raise ConfigError("list parameter has no item validator", path=self.path)
            return self.item(value, self.path)
        check = {
            "int": _as_int,
            "float": _as_float,
            "bool": _as_bool,
            "str": _as_str,
            "choice": self._as_choice,
        }[self.kind]
        value = check(value, self)
        if self.kind in ("int", "float"):
            if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high
            ):
                raise ConfigError(
                    f"value {value!r} is out of range", path=self.path, allowed=self.allowed()
                )
        return value

    def _as_choice(self, value: Any, _: Param) -> Any:
        if self.many and isinstance(value, list | tuple):
            if not value:
                raise ConfigError("empty list", path=self.path, allowed=self.allowed())
            return tuple(self._one_choice(v) for v in value)
        return self._one_choice(value)

    def _one_choice(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise ConfigError(
                f"unknown value {value!r}",
                path=self.path,
                allowed=self.allowed(),
                suggestion=closest(str(value), self.choices),
            )
        return value


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _type_error(value: Any, p: Param) -> ConfigError:
    return ConfigError(
        f"expected {p.kind}, got {type(value).__name__} {value!r}", path=p.path, allowed=p.allowed()
    )


def _as_int(value: Any, p: Param) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _type_error(value, p)
    if isinstance(value, float) and not value.is_integer():
        raise _type_error(value, p)
    return int(value)


def _as_float(value: Any, p: Param) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _type_error(value, p)
    try:
        out = float(value)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        out = math.inf
    if not math.isfinite(out):
        shown = value if isinstance(value, float) else f"an integer of {len(str(value))} digits"
        raise ConfigError(f"value {shown} is not finite", path=p.path, allowed=p.allowed())
    return out


def _as_bool(value: Any, p: Param) -> bool:
    if not isinstance(value, bool):
        raise _type_error(value, p)
    return value


def _as_str(value: Any, p: Param) -> str:
    if not isinstance(value, str):
        raise _type_error(value, p)
    return value


class Registry(Mapping[str, Param]):
    """All declared parameters, by path. Sections register at import; duplicates are a bug."""

    def __init__(self) -> None:
        self._params: dict[str, Param] = {}
        self._checks: list[Callable[[Mapping[str, Any]], None]] = []
        self._hooks: dict[str, Callable[[Any, str], Any]] = {}

    def declare(self, path: str, kind: str, default: Any, description: str, **kw: Any) -> Param:
        if path in self._params:
            raise ValueError(f"parameter {path} declared twice")
        p = Param(path, kind, default, description, **kw)
        self._params[path] = p
        return p

    def __getitem__(self, path: str) -> Param:
        return self._params[path]

    def __iter__(self):
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def title(self, section: str) -> str:
        """A section's display title ("ai_agents" -> "AI agents")."""
        words = section.replace("_", " ")
        return TITLES.get(section, words[:1].upper() + words[1:])

    def sections(self) -> list[str]:
        return sorted({p.section for p in self._params.values() if p.section})

    def lookup(self, path: str, source: str | None = None) -> Param:
        """The parameter at `path`, or a ConfigError that names the closest valid path."""
        if path in self._params:
            return self._params[path]
        raise ConfigError(
            "unknown parameter", source=source, path=path, suggestion=closest(path, self._params)
        )

    def cross_check(self, fn: Callable[[Mapping[str, Any]], None]):
        """Register a check that spans parameters (e.g. a layer that references a role another
        section must enable); it gets every validated value and raises ConfigError."""
        self._checks.append(fn)
        return fn

    def provide(self, name: str, fn: Callable[[Any, str], Any]) -> None:
        """Register the validator a `list` parameter's item function delegates to. The package
        that knows the items (sim.oversight for `oversight.layers`) provides it when imported,
        so this package never imports that one (imports point one way)."""
        self._hooks[name] = fn

    def provided(self, name: str) -> Callable[[Any, str], Any]:
        if name not in self._hooks:
            raise RuntimeError(f"no validator provided for {name!r}: import sim.oversight first")
        return self._hooks[name]

    def check(self, values: Mapping[str, Any], source: str | None = None) -> None:
        """Run every cross-parameter check on a complete set of validated values."""
        for fn in self._checks:
            try:
                fn(values)
            except ConfigError as err:
                raise err.with_source(source) if source else err from None

    def defaults(self) -> dict[str, Any]:
        return {k: p.validate(p.default) for k, p in self._params.items()}


TITLES = {"ai_agents": "AI agents"}  # section titles that capitalization alone gets wrong

PARAMS = Registry()
declare = PARAMS.declare
