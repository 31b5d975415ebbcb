"""The dashboard's whole view state, to and from the URL query string (pure functions).

Every page keeps what is on screen in its URL, so a link reopens the same view. Parameter
overrides travel exactly like the CLI's `--set path=value` (the value is YAML text, read
with `sim.yamlio.load` and validated against `sim.params.PARAMS`; nothing is evaluated as
code). A bad entry is dropped with a message naming the field; the rest of the view loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

import yaml

from analysis.arms import ARM_RE, MAX_ARMS
from sim.components import METRICS
from sim.errors import ConfigError
from sim.params import PARAMS
from sim.scenario import parse_set

DEFAULT_SCENARIO = "baseline_democracy-v1"
MAX_REPS = 50
MAX_QUERY = 20_000  # characters of a URL query; a longer one is ignored with a message
MAX_FIELDS = 300  # key=value pairs read from one URL query
Sets = tuple[tuple[str, Any], ...]


def format_value(value: Any) -> str:
    """A parameter value as the YAML text `--set` reads back to the same value."""
    plain = list(value) if isinstance(value, tuple) else value
    text = yaml.safe_dump(plain, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("...").strip()


def format_set(path: str, value: Any) -> str:
    return f"{path}={format_value(value)}"


def read_set(item: str) -> tuple[str, Any]:
    """`path=value` to a validated (path, value); ConfigError names the field."""
    ((path, raw),) = parse_set([item]).items()
    return path, PARAMS[path].validate(raw)


def _sets(items: Iterable[str], errors: list[str]) -> Sets:
    out: dict[str, Any] = {}
    for item in items:
        try:
            path, value = read_set(item)
        except ConfigError as err:
            errors.append(str(err))
            continue
        out[path] = value
    return tuple(out.items())


def _int(raw: str | None, name: str, default: int, lo: int, hi: int, errors: list[str]) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"{name}: expected an integer, got {raw!r}")
        return default
    if not lo <= value <= hi:
        errors.append(f"{name}: value {value} is out of range (allowed: int in [{lo}, {hi}])")
        return default
    return value


def _pairs(search: str | None, errors: list[str]) -> list[tuple[str, str]]:
    """The query's pairs; a query that is not text or too long is dropped with a message."""
    if search is not None and not isinstance(search, str):
        errors.append("URL query: expected text")
        return []
    if len(search or "") > MAX_QUERY:
        errors.append(f"URL query: longer than {MAX_QUERY} characters; ignored")
        return []
    try:
        return parse_qsl((search or "").lstrip("?"), keep_blank_values=True,
                         max_num_fields=MAX_FIELDS)  # fmt: skip
    except ValueError:
        errors.append(f"URL query: more than {MAX_FIELDS} fields; ignored")
        return []


def _first(pairs: list[tuple[str, str]], key: str) -> str | None:
    return next((v for k, v in pairs if k == key), None)


def _all(pairs: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in pairs if k == key]


def to_search(pairs: Iterable[tuple[str, Any]]) -> str:
    """Query pairs to `?a=1&b=2` (empty values left out; '' when nothing is left)."""
    kept = [(k, str(v)) for k, v in pairs if v not in (None, "")]
    return "?" + urlencode(kept) if kept else ""


@dataclass(frozen=True)
class ExploreState:
    """Explore: a scenario, its overrides (seed and steps are parameters too), replications."""

    scenario: str = DEFAULT_SCENARIO
    sets: Sets = ()
    reps: int = 1
    metrics: tuple[str, ...] = ()

    def pairs(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("scenario", self.scenario)]
        out += [("set", format_set(p, v)) for p, v in self.sets]
        out += [("reps", self.reps if self.reps != 1 else None)]
        return out + [("metric", m) for m in self.metrics]

    def to_search(self) -> str:
        return to_search(self.pairs())

    @classmethod
    def from_search(cls, search: str | None) -> tuple[ExploreState, list[str]]:
        errors: list[str] = []
        pairs = _pairs(search, errors)
        state = cls(
            scenario=_first(pairs, "scenario") or DEFAULT_SCENARIO,
            sets=_sets(_all(pairs, "set"), errors),
            reps=_int(_first(pairs, "reps"), "reps", 1, 1, MAX_REPS, errors),
            metrics=_metrics(_all(pairs, "metric"), errors),
        )
        return state, errors


@dataclass(frozen=True)
class CompareState:
    """Compare: a baseline (scenario plus overrides) and named interventions run on common
    random numbers (the same seeds). An intervention is overrides on the baseline, or on its
    own scenario when `scenarios` names one for it (then the baseline's overrides do not
    apply). URL: `arm=name:path=value` per override (`arm=name:` for none) and
    `arm-scenario=name:scenario-id` (see `analysis.arms`, the same comparison as a file)."""

    scenario: str = DEFAULT_SCENARIO
    sets: Sets = ()
    arms: tuple[tuple[str, Sets], ...] = ()
    reps: int = 10
    metrics: tuple[str, ...] = ()
    scenarios: tuple[tuple[str, str], ...] = ()  # arm name -> its own scenario

    def arm_scenario(self, name: str) -> str:
        """The scenario arm `name` runs ('' for the baseline's)."""
        return dict(self.scenarios).get(name, "")

    def pairs(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("scenario", self.scenario)]
        out += [("set", format_set(p, v)) for p, v in self.sets]
        for name, sets in self.arms:
            out += [("arm", f"{name}:{format_set(p, v)}") for p, v in sets] or [("arm", f"{name}:")]
        out += [("arm-scenario", f"{name}:{sid}") for name, sid in self.scenarios]
        return [*out, ("reps", self.reps), *[("metric", m) for m in self.metrics]]

    def to_search(self) -> str:
        return to_search(self.pairs())

    @classmethod
    def from_search(cls, search: str | None) -> tuple[CompareState, list[str]]:
        errors: list[str] = []
        pairs = _pairs(search, errors)
        arms = _arms(_all(pairs, "arm"), errors)
        state = cls(
            scenario=_first(pairs, "scenario") or DEFAULT_SCENARIO,
            sets=_sets(_all(pairs, "set"), errors),
            arms=arms,
            reps=_int(_first(pairs, "reps"), "reps", 10, 2, MAX_REPS, errors),
            metrics=_metrics(_all(pairs, "metric"), errors),
            scenarios=_arm_scenarios(_all(pairs, "arm-scenario"), arms, errors),
        )
        return state, errors


def _metrics(items: list[str], errors: list[str]) -> tuple[str, ...]:
    unknown = [m for m in items if m not in METRICS]
    if unknown:
        errors.append(f"metric: unknown metric {unknown[0][:60]!r} dropped")
    return tuple(m for m in dict.fromkeys(items) if m in METRICS)


def _arms(items: Iterable[str], errors: list[str]) -> tuple[tuple[str, Sets], ...]:
    """`name:path=value` items grouped by arm (`name:` alone: an arm with no overrides); an
    arm whose every override is bad is dropped (its messages say why)."""
    grouped: dict[str, list[str]] = {}
    for item in items:
        name, sep, rest = item.partition(":")
        if not sep or not ARM_RE.match(name):
            errors.append(f"arm: bad intervention {item!r} (allowed: name:path=value)")
            continue
        grouped.setdefault(name, []).extend([rest] if rest else [])
    if len(grouped) > MAX_ARMS:
        dropped = ", ".join(list(grouped)[MAX_ARMS:])
        errors.append(f"arm: at most {MAX_ARMS} interventions; dropped {dropped}")
    arms = [(name, lines, _sets(lines, errors)) for name, lines in list(grouped.items())[:MAX_ARMS]]
    return tuple((name, sets) for name, lines, sets in arms if sets or not lines)


def _arm_scenarios(items: Iterable[str], arms, errors: list[str]) -> tuple[tuple[str, str], ...]:
    names = [name for name, _ in arms]
    out: dict[str, str] = {}
    for item in items:
        name, _, sid = item.partition(":")
        if name not in names or not sid:
            known = ", ".join(names) or "none"
            errors.append(
                f"arm-scenario: {item[:80]!r} names no intervention (allowed: "
                f"name:scenario-id with a name of {known})"
            )
            continue
        out[name] = sid
    return tuple(out.items())


@dataclass(frozen=True)
class SweepsState:
    """Sweeps: a store (relative to the results folder) and what is plotted from it: a
    metric over two factors (the other factors held at a level, `fixed`, or drawn as
    panels), the mean or its CI half-width (`show`), the response curves (`along` a
    parameter, `metrics`), parallel coordinates (coloured by `color`, one line `per` point or
    run), a PRIM outcome (`catastrophes > 0`) and the selected box of its peeling trajectory
    (`box`, -1: the best F1 box), a page of the runs."""

    store: str = ""
    metric: str = ""
    x: str = ""
    y: str = ""
    outcome: str = ""
    page: int = 0
    fixed: tuple[tuple[str, str], ...] = ()
    show: str = "mean"
    box: int = -1
    along: str = ""
    metrics: tuple[str, ...] = ()
    color: str = ""
    per: str = "point"

    KEYS = ("store", "metric", "x", "y", "outcome")
    TEXTS = ("along", "color")
    CHOICES = (("show", ("mean", "ci")), ("per", ("point", "run")))
    MAX_BOX = 10**4

    def pairs(self) -> list[tuple[str, Any]]:
        out = [*((k, getattr(self, k)) for k in self.KEYS), ("page", self.page or None)]
        out += [("fix", f"{k}={v}") for k, v in self.fixed]
        out += [(k, getattr(self, k)) for k in self.TEXTS]
        out += [(k, getattr(self, k)) for k, c in self.CHOICES if getattr(self, k) != c[0]]
        out += [("box", self.box if self.box >= 0 else None)]
        return out + [("metrics", m) for m in self.metrics]

    def to_search(self) -> str:
        return to_search(self.pairs())

    @classmethod
    def from_search(cls, search: str | None) -> tuple[SweepsState, list[str]]:
        errors: list[str] = []
        pairs = _pairs(search, errors)
        kw: dict[str, Any] = {k: _first(pairs, k) or "" for k in (*cls.KEYS, *cls.TEXTS)}
        kw["page"] = _int(_first(pairs, "page"), "page", 0, 0, 10**6, errors)
        kw["box"] = _int(_first(pairs, "box"), "box", -1, -1, cls.MAX_BOX, errors)
        kw["fixed"] = _fixed(_all(pairs, "fix"), errors)
        kw["metrics"] = tuple(dict.fromkeys(_all(pairs, "metrics")))
        for key, allowed in cls.CHOICES:
            kw[key] = _choice(_first(pairs, key), key, allowed, errors)
        return cls(**kw), errors


def _fixed(items: list[str], errors: list[str]) -> tuple[tuple[str, str], ...]:
    """`factor=level` entries (a factor held at one level), the first one per factor."""
    out: dict[str, str] = {}
    for item in items:
        factor, sep, level = item.partition("=")
        if not sep or not factor or not level:
            errors.append(f"fix: expected factor=level, got {item[:60]!r}")
            continue
        out.setdefault(factor, level)
    return tuple(out.items())


def _choice(raw: str | None, key: str, allowed: tuple[str, ...], errors: list[str]) -> str:
    if raw is None or raw in allowed:
        return raw or allowed[0]
    errors.append(f"{key}: {raw[:40]!r} is not one of {', '.join(allowed)}")
    return allowed[0]


def replace_sets(state: Any, sets: Mapping[str, Any]) -> Any:
    """The same state with its overrides replaced (order follows the parameter registry)."""
    order = {p: i for i, p in enumerate(PARAMS)}
    return replace(state, sets=tuple(sorted(sets.items(), key=lambda kv: order[kv[0]])))
