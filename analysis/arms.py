"""A comparison of policy arms, declared once: a baseline (a scenario plus overrides) and up
to `MAX_ARMS` named interventions, each run on the same seeds (common random numbers).

The Compare page keeps this in its URL and saves it as YAML under the results folder;
`instalign compare FILE.yaml` reads the same file. An intervention on the baseline's scenario
is the baseline's overrides plus its own; one on another scenario is that scenario's
defaults plus its own overrides (it shares only the seeds). Every field is checked before
anything runs, and a mistake is a ConfigError naming the field and the closest valid name.
Cheap to import (no pandas): the dashboard's URL state imports the constants."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.components import METRICS
from sim.errors import ConfigError, unknown_name
from sim.params import PARAMS
from sim.scenario import Config, discover, load, plain, read_yaml, scenario_dir

BASELINE = "baseline"
MAX_ARMS = 3  # interventions besides the baseline
MIN_REPS, MAX_REPS = 2, 50
ARM_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # URL- and file-safe names
NAME_RULE = "1-40 letters, digits, _ or -"
KEYS = ("baseline", "arms", "reps", "metrics")
ARM_KEYS = ("name", "scenario", "set")
Sets = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Arm:
    """A named intervention: overrides, on the baseline's scenario unless `scenario` names
    another one."""

    name: str
    sets: Sets = ()
    scenario: str = ""


@dataclass(frozen=True)
class Comparison:
    scenario: str
    sets: Sets = ()
    arms: tuple[Arm, ...] = ()
    reps: int = 10
    metrics: tuple[str, ...] = ()

    def overrides(self, arm: Arm) -> dict[str, Any]:
        """What is applied to the arm's scenario: the baseline's overrides too when the arm
        runs the baseline's scenario."""
        own = {p: plain(v) for p, v in arm.sets}
        if arm.scenario in ("", self.scenario):
            return {**{p: plain(v) for p, v in self.sets}, **own}
        return own

    def configs(self) -> dict[str, Config]:
        """Baseline then each intervention, by name (ConfigError names a bad field)."""
        base = scenario_config(self.scenario, dict(self.sets), "baseline")
        out = {BASELINE: base}
        for i, arm in enumerate(self.arms):
            field = f"arms[{i}] ({arm.name})"
            out[arm.name] = scenario_config(
                arm.scenario or self.scenario, self.overrides(arm), field
            )
        return out

    def to_data(self) -> dict[str, Any]:
        base = {"scenario": self.scenario, "set": _set_map(self.sets)}
        arms = [_arm_data(a) for a in self.arms]
        return {"baseline": base, "arms": arms, "reps": self.reps, "metrics": list(self.metrics)}

    def to_yaml(self) -> str:
        head = "# instalign comparison: rerun with `instalign compare THIS.yaml`\n"
        return head + yaml.safe_dump(self.to_data(), sort_keys=False, width=88)


def _arm_data(arm: Arm) -> dict[str, Any]:
    out: dict[str, Any] = {"name": arm.name}
    if arm.scenario:
        out["scenario"] = arm.scenario
    return {**out, "set": _set_map(arm.sets)}


def _set_map(sets: Sets) -> dict[str, Any]:
    return {p: plain(v) for p, v in sets}


def scenario_config(scenario: str, sets: Mapping[str, Any], field: str) -> Config:
    """A built-in scenario (by id only: a saved file never makes anything read another
    file) with validated overrides."""
    sid = _scenario(scenario, f"{field}.scenario")
    try:
        return load(str(known()[sid]), dict(sets))
    except ConfigError as err:
        raise ConfigError(err.detail, path=f"{field}.set.{err.path or ''}".rstrip("."),
                          allowed=err.allowed, suggestion=err.suggestion) from None  # fmt: skip


def seeds(config: Config, reps: int) -> list[int]:
    """The replication seeds every arm shares: the baseline's seed and the next reps - 1
    integers (the dashboard's `runs.seeds_for`; a test checks they agree)."""
    first = int(config["seed"])
    return [first + i for i in range(reps)]


def same(a: Config, b: Config) -> bool:
    return a.id == b.id and dict(a.values) == dict(b.values)


def identical(configs: Mapping[str, Config]) -> dict[str, str]:
    """Arm -> a sentence, for every arm that runs exactly what an earlier arm runs (same
    scenario and every value equal after the overrides): its results only repeat that arm's."""
    names, out = list(configs), {}
    for i, name in enumerate(names[1:], start=1):
        twin = next((n for n in names[:i] if same(configs[n], configs[name])), None)
        if twin is not None:
            what = "the baseline" if twin == BASELINE else f"arm {twin}"
            out[name] = f"arm {name} is identical to {what} (same scenario and values)"
    return out


def check_name(name: Any, field: str) -> str:
    if not isinstance(name, str) or not ARM_RE.match(name) or name == BASELINE:
        raise ConfigError(f"bad name {str(name)[:60]!r}", path=field,
                          allowed=f"{NAME_RULE}, not '{BASELINE}'")  # fmt: skip
    return name


def read(path: Path) -> Comparison:
    """A saved comparison file, every field checked (ConfigError names it)."""
    try:
        return from_data(read_yaml(Path(path)))
    except ConfigError as err:
        raise err.with_source(str(path)) from None


def from_data(data: Any) -> Comparison:
    """A parsed comparison document, checked field by field; every config is built once, so
    a parameter that does nothing in its arm's scenario is refused here too."""
    doc = _mapping(data, "comparison", KEYS, ("baseline", "arms"))
    base = _mapping(doc["baseline"], "baseline", ("scenario", "set"), ("scenario",))
    out = Comparison(
        scenario=_scenario(base["scenario"], "baseline.scenario"),
        sets=_sets(base.get("set"), "baseline.set"),
        arms=_arms(doc["arms"]),
        reps=_reps(doc.get("reps", 10)),
        metrics=_metrics(doc.get("metrics") or []),
    )
    out.configs()
    return out


def _mapping(data: Any, field: str, keys: tuple, required: tuple) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping, got {type(data).__name__}", path=field,
                          allowed=", ".join(keys))  # fmt: skip
    for key in data:
        if key not in keys:
            raise unknown_name("key", str(key), keys, path=field)
    for key in required:
        if key not in data:
            raise ConfigError(f"missing key {key!r}", path=field, allowed=", ".join(keys))
    return data


def known() -> dict[str, Path]:
    """Built-in scenario id -> file (re-read only when a scenario file changes)."""
    folder = scenario_dir()
    return _known(tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml"))))


@functools.lru_cache(maxsize=2)
def _known(signature: tuple) -> dict[str, Path]:
    return discover()


def _scenario(value: Any, field: str) -> str:
    found = known()
    if not isinstance(value, str) or value not in found:
        raise unknown_name("scenario", str(value)[:80], found, path=field)
    return value


def _sets(data: Any, field: str) -> Sets:
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise ConfigError("expected a mapping of path: value", path=field)
    out = []
    for path, value in data.items():
        try:
            p = PARAMS.lookup(str(path))
            out.append((p.path, p.validate(value)))
        except ConfigError as err:
            raise ConfigError(err.detail, path=f"{field}.{path}", allowed=err.allowed,
                              suggestion=err.suggestion) from None  # fmt: skip
    return tuple(out)


def _arms(data: Any) -> tuple[Arm, ...]:
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_ARMS:
        allowed = f"1-{MAX_ARMS} items with name, scenario (optional), set"
        raise ConfigError("expected a list of interventions", path="arms", allowed=allowed)
    arms, seen = [], set()
    for i, item in enumerate(data):
        arm = _mapping(item, f"arms[{i}]", ARM_KEYS, ("name",))
        name = check_name(arm["name"], f"arms[{i}].name")
        if name in seen:
            raise ConfigError(f"two interventions are named {name!r}", path=f"arms[{i}].name")
        seen.add(name)
        sets = _sets(arm.get("set"), f"arms[{i}].set")
        if any(p == "seed" for p, _ in sets):
            why = "the seed is set by the replications (every arm runs the same seeds)"
            raise ConfigError(f"{why}; set it on the baseline", path=f"arms[{i}].set.seed")
        scenario = _scenario(arm["scenario"], f"arms[{i}].scenario") if "scenario" in arm else ""
        arms.append(Arm(name, sets, scenario))
    return tuple(arms)


def _reps(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_REPS <= value <= MAX_REPS:
        raise ConfigError(f"{value!r} is not a whole number in range", path="reps",
                          allowed=f"int in [{MIN_REPS}, {MAX_REPS}]")  # fmt: skip
    return value


def _metrics(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError("expected a list of metric names", path="metrics")
    for m in value:
        if m not in METRICS:
            raise unknown_name("metric", str(m)[:60], METRICS, path="metrics")
    return tuple(dict.fromkeys(value))
