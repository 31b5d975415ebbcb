"""Validation of `oversight.layers`: each item is a mapping with a `kind` (a registered layer)
and that kind's fields, each checked by its `Param` declaration. Errors name the field path,
e.g. `oversight.layers[1].audit_budget`, the allowed values and the closest valid name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.errors import ConfigError, closest
from sim.oversight.base import LAYERS, MAX_LAYERS
from sim.oversight.organization import KIND_ONLY
from sim.params.core import Param
from sim.params.sections import role_needs, roles_in


def validate_layers(value: Any, path: str = "oversight.layers") -> tuple[dict, ...]:
    """Normalize a list of layer specs (defaults filled in) or raise a ConfigError."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ConfigError(
            f"expected a list of layers, got {type(value).__name__}",
            path=path,
            allowed="a list of mappings, each with a `kind`",
        )
    if len(value) > MAX_LAYERS:
        raise ConfigError(f"{len(value)} layers", path=path, allowed=f"at most {MAX_LAYERS}")
    return tuple(validate_layer(item, f"{path}[{i}]") for i, item in enumerate(value))


def validate_layer(item: Any, path: str) -> dict:
    """One normalized layer spec: its kind, then every field of that kind."""
    if not isinstance(item, Mapping):
        raise ConfigError(
            f"expected a mapping, got {type(item).__name__} {item!r}",
            path=path,
            allowed="a mapping with a `kind`, e.g. {kind: police_patrol, audit_budget: 0.05}",
        )
    kind = item.get("kind")
    if kind not in LAYERS:
        raise ConfigError(
            "missing layer kind" if kind is None else f"unknown layer kind {kind!r}",
            path=f"{path}.kind",
            allowed=", ".join(LAYERS),
            suggestion=None if kind is None else closest(str(kind), LAYERS),
        )
    cls = LAYERS[kind]
    out: dict[str, Any] = {"kind": kind}
    for key, raw in item.items():
        if key != "kind":
            out[key] = _field(cls.all_fields, kind, key, raw, path)
    for name, p in cls.all_fields.items():
        out.setdefault(name, p.validate(p.default))
    _organization_fields(out, cls.all_fields, path)
    cls.check(out, path)
    return out


def _organization_fields(spec: dict, fields: dict[str, Param], path: str) -> None:
    """A field of one organization kind set away from its default on a layer of another (or
    of none) would be silently ignored: refuse it, naming the kind it belongs to. (A
    normalized spec carries every field at its default, so defaults pass.)"""
    organization = spec["organization"]
    for key, kind in KIND_ONLY.items():
        if kind != organization and spec[key] != fields[key].validate(fields[key].default):
            raise ConfigError(
                f"{key} belongs to organization {kind}, but this layer's organization is "
                f"{organization}",
                path=f"{path}.{key}",
                allowed=f"remove {key}, or set organization: {kind}",
            )


def _field(fields: dict[str, Param], kind: str, key: Any, raw: Any, path: str) -> Any:
    if key not in fields:
        raise ConfigError(
            f"unknown field for a {kind} layer",
            path=f"{path}.{key}",
            allowed=", ".join(fields),
            suggestion=closest(str(key), fields),
        )
    try:
        return fields[key].validate(raw)
    except ConfigError as err:
        raise ConfigError(
            err.detail, path=f"{path}.{key}", allowed=err.allowed, suggestion=err.suggestion
        ) from None


def check_roles(specs: tuple[dict, ...], available: set[str], path="oversight.layers") -> None:
    """Every role a layer references must exist in the scenario (exit code 2 otherwise)."""
    for i, spec in enumerate(specs):
        for field, roles in LAYERS[spec["kind"]].roles_used(spec).items():
            missing = [r for r in roles if r not in available]
            if missing:
                need = role_needs(missing[0])
                raise ConfigError(
                    f"references role {missing[0]!r}, which this scenario does not have"
                    + (f" (it needs {need})" if need else ""),
                    path=f"{path}[{i}].{field}",
                    allowed="roles present: " + ", ".join(sorted(available)),
                )


def roles_exist(values) -> None:
    """Cross-parameter check: a layer may only reference roles the scenario has (checked at
    load, not at build; the roles come from the sections' declarations)."""
    if values["oversight.layers"]:
        check_roles(values["oversight.layers"], roles_in(values))
