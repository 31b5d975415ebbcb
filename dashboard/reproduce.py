"""What reproduces a view outside the dashboard: the scenario (built-in ids only: a URL can
never make the server read a file), the CLI commands and the scenario YAML, and a pasted
scenario YAML read back (`parse_yaml`)."""

from __future__ import annotations

import functools
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from dashboard import guard
from dashboard.state import format_set
from sim import yamlio
from sim.errors import ConfigError, unknown_name
from sim.scenario import Config, discover, from_mapping, load, scenario_dir


def _signature() -> tuple:
    folder = scenario_dir()
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml")))


@functools.lru_cache(maxsize=2)
def _known(signature: tuple) -> dict[str, Path]:
    return discover()


def known() -> dict[str, Path]:
    """Built-in scenario id -> file (re-read only when a scenario file changes)."""
    return _known(_signature())


def scenario_ids() -> list[str]:
    return list(known())


def plain(value: Any) -> Any:
    """A validated value as the YAML/--set form the validators accept again (lists, dicts):
    `Param.validate` returns tuples for lists of choices but only accepts lists."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def with_sets(config: Config, sets: Iterable[tuple[str, Any]]) -> Config:
    """`config` with overrides (validated values or raw ones) applied and validated."""
    return config.with_overrides({k: plain(v) for k, v in sets})


def config_for(scenario: str, sets: Iterable[tuple[str, Any]] = ()) -> Config:
    """A built-in scenario with validated overrides; ConfigError names the field."""
    found = known()
    if not isinstance(scenario, str) or scenario not in found:
        raise unknown_name("scenario", str(scenario)[:80], found, path="scenario")
    return load(str(found[scenario]), {k: plain(v) for k, v in sets})


def _sets(sets: Mapping[str, Any], skip: Sequence[str] = ()) -> list[str]:
    out = []
    for path, value in sets.items():
        if path not in skip:
            out += ["--set", format_set(path, value)]
    return out


def run_command(config: Config, seed: int | str, extra_sets: Mapping[str, Any]) -> str:
    """`instalign run` of one seed of `config` with its overrides."""
    args = ["instalign", "run", config.id, "--seed", str(seed), "--steps", str(config["steps"])]
    args += _sets(extra_sets, skip=("seed", "steps"))
    return shlex.join(args).replace("'$s'", '"$s"')


def replications_command(
    config: Config, seeds: Sequence[int], sets: Mapping[str, Any], stem: str = "run"
) -> str:
    """One command per seed (a shell loop when there are several), each writing its series to
    results/<stem>-seed<S>.parquet."""
    if len(seeds) == 1:
        return run_command(config, seeds[0], sets) + f" --out results/{stem}-seed{seeds[0]}.parquet"
    cmd = run_command(config, "$s", sets)
    return (
        f"for s in $(seq {seeds[0]} {seeds[-1]}); do\n"
        f'  {cmd} --out "results/{stem}-seed$s.parquet"\ndone'
    )


def scenario_yaml(config: Config) -> str:
    """The scenario as YAML (`Config.to_nested()`): every value, so the file alone reruns it."""
    return yaml.safe_dump(config.to_nested(), sort_keys=False, allow_unicode=True, width=88)


def parse_yaml(text: str | None) -> tuple[Any, str]:
    """A pasted scenario YAML to a validated Config, or (None, message naming the field)."""
    try:
        text = guard.text(text, "scenario YAML")
    except guard.BadInput as err:
        return None, str(err)
    try:
        data = yamlio.load(text or "")
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, f"scenario YAML: malformed YAML{where}: {getattr(err, 'problem', err)}"
    try:
        return from_mapping(data, "scenario YAML"), ""
    except ConfigError as err:
        return None, str(err)
