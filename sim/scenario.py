"""Scenarios: one YAML file each in `scenarios/`, validated against the parameter registry.

A scenario file holds metadata (`id` with a version, `description`, `references`,
`assumptions`, `limitations`, the `metrics` shown first, things to `try`: a sentence, with
the overrides that try it under `set`) and parameter values as nested sections. `--set path=value`
overrides are validated like the file. The result is a frozen `Config`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

import sim.oversight  # noqa: F401  (provides the validator of `oversight.layers` items)
from sim import yamlio
from sim.errors import ConfigError, closest
from sim.params import PARAMS
from sim.params.sections import unused_message, unused_parameters, view

META_KEYS = ("id", "title", "description", "references", "assumptions", "limitations", "tags",
             "metrics", "try")  # fmt: skip
ID_RE = re.compile(r"^[a-z0-9_]+-v[0-9]+$")


class Frozen(Mapping[str, Any]):
    """A read-only mapping that pickles (Frozen does not)."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Frozen({self._data!r})"


def scenario_dir() -> Path:
    """The folder of built-in scenarios: the `scenarios` package's data, in the source tree
    or an installed wheel (`INSTALIGN_SCENARIOS` overrides it)."""
    env = os.environ.get("INSTALIGN_SCENARIOS")
    return Path(env) if env else Path(resources.files("scenarios"))


@dataclass(frozen=True)
class Config:
    """A validated scenario: metadata plus every parameter's value (defaults filled in)."""

    id: str
    description: str
    values: Mapping[str, Any]
    references: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    source: str = "<defaults>"
    overrides: Mapping[str, Any] = field(default_factory=Frozen)
    title: str = ""  # one-line summary shown by `instalign scenarios`
    # parameters the scenario file or an override set explicitly (not left at the default)
    explicit: frozenset[str] = frozenset()
    metrics: tuple[str, ...] = ()  # what a viewer shows first (declared metric names)
    tries: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()  # (text, overrides)

    def __getitem__(self, path: str) -> Any:
        return self.values[path]

    def get(self, path: str, default: Any = None) -> Any:
        return self.values.get(path, default)

    def section(self, name: str) -> Any:
        """One parameter section as its typed, frozen object (`cfg.section("bureaucracy")
        .depth`); see sim/params/sections.py."""
        return view(name, self.values)

    def check_unused(self) -> None:
        """Refuse a parameter set for a component the scenario does not enable: it would have
        no effect (a flat sweep axis, a silently ignored `--set`). A scenario file's settings
        of a component that an override turns off are allowed (that is an ablation)."""
        for path, sec in unused_parameters(self.values, sorted(self.explicit)):
            if path not in self.overrides and sec.gate.path in self.overrides:
                continue  # an override turned the component off: an ablation, not a mistake
            src = "--set" if path in self.overrides else self.source
            raise ConfigError(unused_message(path, sec), source=src, path=path)

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "--set") -> Config:
        """A new Config with `overrides` (path -> value) validated and applied."""
        values = dict(self.values)
        for path, value in overrides.items():
            values[path] = _validate(path, value, source)
        merged = {**self.overrides, **overrides}
        PARAMS.check(values, f"{self.source} with {source}")
        return replace(
            self,
            values=Frozen(values),
            overrides=Frozen(merged),
            explicit=self.explicit | frozenset(overrides),
        )

    def changed(self) -> dict[str, Any]:
        """Parameters whose value differs from the declared default."""
        return {k: v for k, v in self.values.items() if v != PARAMS[k].validate(PARAMS[k].default)}

    def to_nested(self, only_changed: bool = False) -> dict[str, Any]:
        """The scenario as a nested mapping, ready to dump as YAML (reproduces this run).
        Parameters of components the scenario leaves off are left out (they are at their
        defaults and a scenario file may not set them)."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "description": self.description}
        for key in ("references", "assumptions", "limitations", "metrics"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.tries:
            out["try"] = [{"text": t, "set": {p: plain(v) for p, v in s}} for t, s in self.tries]
        items = self.changed() if only_changed else self.values
        unused = {p for p, _ in unused_parameters(self.values, items)}  # off components
        for path, value in items.items():
            if path in unused:
                continue
            node = out
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = plain(value)
        return out


def plain(value: Any) -> Any:
    """A validated value as plain YAML/JSON data (tuples to lists)."""
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def _validate(path: str, value: Any, source: str) -> Any:
    try:
        return PARAMS.lookup(path, source).validate(value)
    except ConfigError as err:
        raise err.with_source(source) from None


def flatten(data: Mapping[str, Any], source: str, prefix: str = "") -> dict[str, Any]:
    """Nested sections to `path -> value`; a declared path stops the descent."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if not isinstance(key, str):
            raise ConfigError(
                f"keys must be names, got {key!r}", source=source, path=prefix or None
            )
        if path in PARAMS:
            flat[path] = value
        elif isinstance(value, Mapping) and any(p.startswith(path + ".") for p in PARAMS):
            flat.update(flatten(value, source, path + "."))
        else:
            names = list(PARAMS) + PARAMS.sections() + ([] if prefix else list(META_KEYS))
            raise ConfigError(
                "unknown parameter", source=source, path=path, suggestion=closest(path, names)
            )
    return flat


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", source=str(path)) from None
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"not UTF-8 text (byte {err.start}: {err.reason})",
            source=str(path),
            allowed="a UTF-8 YAML file",
        ) from None
    except OSError as err:
        raise ConfigError(f"cannot read file: {err.strerror}", source=str(path)) from None
    try:
        return yamlio.load(text)
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or ""
        if problem.startswith("duplicate key"):  # well-formed, but one value would be lost
            raise ConfigError(problem, source=str(path)) from None
        mark = getattr(err, "problem_mark", None)
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"malformed YAML: {line}{problem}", source=str(path)) from None


def from_mapping(data: Any, source: str, check: bool = True) -> Config:
    """Validate a parsed scenario document (`check`: also the cross-parameter checks, which
    `load` defers until overrides are applied)."""
    if not isinstance(data, Mapping):
        raise ConfigError("a scenario must be a mapping of sections", source=source)
    meta = {k: data[k] for k in META_KEYS if k in data}
    body = {k: v for k, v in data.items() if k not in META_KEYS}
    sid = meta.get("id")
    if not isinstance(sid, str) or not ID_RE.match(sid):
        raise ConfigError(
            f"invalid or missing id {sid!r}",
            source=source,
            path="id",
            allowed="lower_snake name with a version, e.g. my_scenario-v1",
        )
    values = PARAMS.defaults()
    flat = flatten(body, source)
    for path, value in flat.items():
        values[path] = _validate(path, value, source)
    if check:
        PARAMS.check(values, source)
    lists = {
        k: tuple(_as_str_list(meta.get(k, []), source, k))
        for k in ("references", "assumptions", "limitations")
    }
    title = str(meta.get("title", "")).strip()
    if "\n" in title:
        raise ConfigError("a title is one line", source=source, path="title")
    return Config(
        sid,
        str(meta.get("description", "")).strip(),
        Frozen(values),
        source=source,
        title=title,
        explicit=frozenset(flat),
        metrics=_metric_names(meta.get("metrics", []), source),
        tries=tuple(_try(item, source, f"try[{i}]") for i, item in enumerate(meta.get("try", []))),
        **lists,
    )


def _metric_names(value: Any, source: str) -> tuple[str, ...]:
    """The `metrics:` list, each a declared metric (the error names the closest one). The
    registry is imported here, not at the top: it imports every component (Mesa included),
    which a scenario without `metrics:` never needs (CLI start-up)."""
    if not value:
        return ()
    from sim.components import METRICS

    names = _as_str_list(value, source, "metrics")
    for i, name in enumerate(names):
        if name not in METRICS:
            raise ConfigError("unknown metric", source=source, path=f"metrics[{i}]",
                              suggestion=closest(name, METRICS))  # fmt: skip
    return tuple(dict.fromkeys(names))


def _try(item: Any, source: str, where: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """One thing to try: a sentence, or {text, set: {path: value}} (validated overrides)."""
    if isinstance(item, str):
        return item.strip(), ()
    if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
        raise ConfigError("expected a sentence or {text, set}", source=source, path=where)
    extra = sorted(set(item) - {"text", "set"})
    if extra:
        raise ConfigError("unknown key", source=source, path=f"{where}.{extra[0]}",
                          suggestion=closest(extra[0], ["text", "set"]))  # fmt: skip
    sets = item.get("set") or {}
    if not isinstance(sets, Mapping):
        raise ConfigError("expected a mapping of path: value", source=source, path=f"{where}.set")
    checked = [(p, _validate(p, v, f"{source}: {where}.set")) for p, v in sets.items()]
    return item["text"].strip(), tuple(checked)


def _as_str_list(value: Any, source: str, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("expected a list of strings", source=source, path=key)
    return [v.strip() for v in value]


def discover(folder: Path | None = None) -> dict[str, Path]:
    """Scenario id -> file, for every `*.yaml` directly in the scenario folder."""
    folder = folder or scenario_dir()
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path)
        sid = data.get("id") if isinstance(data, Mapping) else None
        if sid in found:
            raise ConfigError(
                f"duplicate scenario id {sid!r} (also in {found[sid]})", source=str(path), path="id"
            )
        if sid is not None:
            found[sid] = path
    return found


def load(
    ref: str | os.PathLike,
    overrides: Mapping[str, Any] | None = None,
    relative_to: Path | None = None,
) -> Config:
    """Load a scenario by id or by path to a YAML file, then apply validated overrides
    (a relative path is read from `relative_to`, default the working directory)."""
    path = resolve(ref, relative_to)
    config = from_mapping(read_yaml(path), str(path), check=not overrides)
    config = config.with_overrides(overrides) if overrides else config
    config.check_unused()
    return config


def resolve(ref: str | os.PathLike, relative_to: Path | None = None) -> Path:
    """The file of a scenario reference: a path when it names a `.yaml`/`.yml` file or holds
    a `/` (relative paths from `relative_to`), else an id (`name-v1`) of `discover()`. An
    unknown id that names a file beside `relative_to` is refused with a pointer to it."""
    ref_s = str(ref)
    if isinstance(ref, os.PathLike) or ref_s.endswith((".yaml", ".yml")) or "/" in ref_s:
        path = Path(ref_s)
        return path if path.is_absolute() or relative_to is None else relative_to / path
    known = discover()
    if ref_s in known:
        return known[ref_s]
    folder = relative_to or Path()
    files = [n for n in (ref_s, f"{ref_s}.yaml", f"{ref_s}.yml") if (folder / n).is_file()]
    if files:
        hint = files[-1] if files[-1] != ref_s else f"./{ref_s}"
        raise ConfigError(
            f"unknown scenario id '{ref_s}'; did you mean the file {hint}? "
            "(a file reference ends in .yaml or holds a /)",
            source="scenario",
        )
    raise ConfigError(
        f"unknown scenario '{ref_s}'",
        source="scenario",
        allowed="see `instalign scenarios`, or a path to a .yaml file",
        suggestion=closest(ref_s, known),
    )


def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """`path=value` strings (the value read as YAML) to a mapping; bad syntax is a ConfigError."""
    out: dict[str, Any] = {}
    for item in items:
        path, sep, raw = item.partition("=")
        path = path.strip()
        if not sep or not path or " " in path:
            raise ConfigError(
                f"bad override {item!r}",
                source="--set",
                allowed="path=value, e.g. electorate.information=0.3",
            )
        try:
            out[path] = yamlio.load(raw) if raw.strip() else None
        except yaml.YAMLError:
            raise ConfigError(
                f"value {raw!r} is not valid YAML", source="--set", path=path
            ) from None
        PARAMS.lookup(path, "--set")
    return out


def defaults_config() -> Config:
    """The built-in defaults as a Config (used by the contract checker and docs)."""
    return Config("defaults-v0", "declared defaults", Frozen(PARAMS.defaults()))
