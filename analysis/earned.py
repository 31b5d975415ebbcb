"""Findings that are earned (issue 12; docs/findings.md): each finding is one YAML file,
`scenarios/findings/<id>.yaml`, naming the sweep that shows an effect (a normal sweep spec
under `scenarios/sweeps/findings/`), the paired contrast that measures it
(`analysis.findings.contrast`: treatment - control of one metric's end value or mean over
the run, on runs sharing a seed), the direction it should have, and an ablation: the same
sweep with `set:` overrides that cut the coupling that should cause it, in which the effect
must vanish (its CI contains 0) or reverse. `instalign findings --check` re-runs every
finding and its ablation at the finding's reduced size (`check:`) in a temporary folder
through `sim.sweep.runner.run_sweep`, prints one line per finding and exits 1 when one no
longer holds. `SCHEMA` is the file format. Every file and both derived sweep specs of each
are checked before any run starts; a bad one is one ConfigError naming the file, the field
and the closest valid name (exit 2). Running, verdicts and the command: `analysis.earned_run`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, closest, unknown_name

# The schema: field -> type (a nested dict is a section); "?" marks an optional field.
LEVEL = (str, int, float)
SCHEMA = {
    "id": str, "title": str, "question": str, "claim": str, "sweep": str,
    "contrast": {"metric": str, "summary": str, "factor": str, "control": LEVEL,
                 "treatment": LEVEL, "at?": dict},
    "expect": str,
    "ablation": {"cut": str, "set": dict},
    "check": {"replications": int, "steps": int, "n_voters": int},
}  # fmt: skip
SUMMARIES = ("end", "mean")
EXPECT = ("increase", "decrease")
CHECK_MIN = {"replications": 2, "steps": 1, "n_voters": 1}


@dataclass(frozen=True)
class Finding:
    """A validated finding file."""

    id: str
    source: str
    data: dict[str, Any]
    sweep: Path  # the sweep spec it runs

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


def discover() -> dict[str, Path]:
    """Finding id -> file, for every shipped finding (`scenarios/findings/`, located like
    the scenarios: `sim.scenario.scenario_dir`)."""
    from sim.scenario import scenario_dir

    return {p.stem: p for p in sorted((scenario_dir() / "findings").glob("*.yaml"))}


# --- the schema ------------------------------------------------------------------------
def _fields(data: Any, schema: dict, source: str, where: str = "") -> None:
    """Refuse a value that is not a mapping, an unknown key, a missing key or a wrong type
    (recursively over the sections of `schema`)."""
    if not isinstance(data, Mapping):
        raise ConfigError("must be a mapping of fields", source=source, path=where or None)
    known = {k.rstrip("?"): v for k, v in schema.items()}
    for key in data:
        if key not in known:
            hint = closest(str(key), known)
            raise ConfigError("unknown field", source=source, path=f"{where}{key}",
                              allowed=", ".join(known), suggestion=hint)  # fmt: skip
    for key, kind in schema.items():
        name = key.rstrip("?")
        if name not in data:
            if key == name:
                raise ConfigError("required field is missing", source=source, path=where + name)
        elif isinstance(kind, dict):
            _fields(data[name], kind, source, f"{where}{name}.")
        elif not isinstance(data[name], kind) or isinstance(data[name], bool):
            want = {str: "text", int: "an integer", dict: "a mapping"}.get(kind, "a level")
            raise ConfigError(f"must be {want}, got {data[name]!r}", source=source,
                              path=where + name)  # fmt: skip


def _choice(value: str, allowed, source: str, path: str, what: str = "value") -> None:
    if value not in allowed:
        raise unknown_name(what, value, allowed, source=source, path=path)


def load(path: Path) -> Finding:
    """Read and validate a finding file (its sweep spec is checked by `plan`)."""
    from sim.components import METRICS
    from sim.scenario import read_yaml
    from sim.sweep.spec import NAME_RE

    source = str(path)
    data = read_yaml(Path(path))
    _fields(data, SCHEMA, source)
    if data["id"] != Path(path).stem or not NAME_RE.match(data["id"]):
        raise ConfigError(f"id {data['id']!r} must be the file's stem, lower_snake",
                          source=source, path="id", suggestion=Path(path).stem)  # fmt: skip
    c = data["contrast"]
    _choice(c["metric"], METRICS, source, "contrast.metric", "metric")
    _choice(c["summary"], SUMMARIES, source, "contrast.summary")
    _choice(data["expect"], EXPECT, source, "expect")
    for key, low in CHECK_MIN.items():
        if data["check"][key] < low:
            raise ConfigError(f"must be >= {low}", source=source, path=f"check.{key}")
    return Finding(data["id"], source, dict(data), _sweep_path(data["sweep"], Path(path)))


def _sweep_path(ref: str, path: Path) -> Path:
    from sim.scenario import scenario_dir

    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        return Path(ref) if Path(ref).is_absolute() else path.parent / ref
    return scenario_dir() / "sweeps" / "findings" / f"{ref}.yaml"


# --- derived specs -----------------------------------------------------------------------
def derive(finding: Finding, reduced: bool, ablate: bool) -> dict[str, Any]:
    """The sweep spec to run: the finding's, with the ablation's overrides (`ablate`) and
    the check size (`reduced`); scenario paths made absolute so it runs from anywhere."""
    from sim.scenario import flatten, read_yaml

    spec_file = finding.sweep
    if not spec_file.is_file():
        raise ConfigError("sweep spec not found", source=finding.source, path="sweep",
                          allowed=f"a file {spec_file}")  # fmt: skip
    spec = read_yaml(spec_file)
    if not isinstance(spec, Mapping) or not isinstance(spec.get("set") or {}, Mapping):
        raise ConfigError("not a sweep spec (a mapping with a `set` mapping)", path="sweep",
                          source=finding.source, allowed=str(spec_file))  # fmt: skip
    spec, fixed = dict(spec), flatten(spec.get("set") or {}, str(spec_file))
    if ablate:
        fixed.update(_ablation(finding))
    if reduced:
        size = finding["check"]
        fixed["electorate.n_voters"] = size["n_voters"]
        spec.update(replications=size["replications"], steps=size["steps"])
    spec["set"] = fixed
    spec["id"] = f"{finding.id}_ablation" if ablate else finding.id
    for key in ("scenario", "scenarios"):
        refs = spec.get(key)
        if refs is not None:
            spec[key] = _absolute(refs, spec_file.parent)
    return spec


def _ablation(finding: Finding) -> dict[str, Any]:
    from sim.params import PARAMS
    from sim.scenario import flatten

    where = "ablation.set"
    try:
        flat = flatten(finding["ablation"]["set"], finding.source)
        for path, value in flat.items():
            where = f"ablation.set.{path}"
            flat[path] = PARAMS[path].validate(value)
    except ConfigError as err:
        path = f"ablation.set.{err.path}" if err.path and where == "ablation.set" else where
        raise ConfigError(err.detail, source=finding.source, path=path, allowed=err.allowed,
                          suggestion=err.suggestion) from None  # fmt: skip
    if not flat:
        raise ConfigError("an ablation must cut something", source=finding.source, path=where)
    return flat


def _absolute(refs, folder: Path):
    if isinstance(refs, list):
        return [_absolute(r, folder) for r in refs]
    ref = str(refs)
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        return str(Path(ref) if Path(ref).is_absolute() else (folder / ref).resolve())
    return ref


def plan(finding: Finding, folder: Path, reduced: bool) -> list[Path]:
    """Write and validate the finding's two sweep specs in `folder`; check the contrast
    against the sweep (factor varied, levels present, every other factor fixed by `at`)."""
    import yaml

    from sim.sweep.spec import load_spec

    paths = []
    for ablate in (False, True):
        spec = derive(finding, reduced, ablate)
        path = folder / f"{finding.id}-{len(paths)}" / f"{spec['id']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        try:
            sweep = load_spec(path)
        except ConfigError as err:
            what = "ablation" if ablate else "sweep"
            raise ConfigError(f"{err.detail} (in the {what} of {finding.sweep.name})",
                              source=finding.source, path=err.path,
                              suggestion=err.suggestion) from None  # fmt: skip
        _check_contrast(finding, sweep)
        paths.append(path)
    return paths


def _check_contrast(finding: Finding, sweep) -> None:
    c, src = finding["contrast"], finding.source
    varied = {p: [v for v in (a.values or [])] for p, a in sweep.axes.items()}
    if len(sweep.interventions) > 1:
        varied["intervention"] = list(sweep.interventions)
    if len(sweep.bases) > 1:
        varied["scenario"] = list(sweep.bases)
    _choice(c["metric"], sweep.metrics, src, "contrast.metric", "metric (not recorded)")
    _choice(c["factor"], varied, src, "contrast.factor", "factor (not varied)")
    at = c.get("at") or {}
    for key in ("control", "treatment"):
        _level(c["factor"], c[key], varied, src, f"contrast.{key}")
    for name, level in at.items():
        _choice(name, [v for v in varied if v != c["factor"]], src, f"contrast.at.{name}", "factor")
        _level(name, level, varied, src, f"contrast.at.{name}")
    loose = [v for v in varied if v not in at and v != c["factor"]]
    if loose:
        raise ConfigError(f"the sweep also varies {loose[0]}: give its level", source=src,
                          path=f"contrast.at.{loose[0]}")  # fmt: skip


def _level(factor: str, level, varied: dict, source: str, path: str) -> None:
    levels = varied[factor]
    if levels and not any(same_level(level, v) for v in levels):
        raise ConfigError(f"{level!r} is not a level of {factor}", source=source, path=path,
                          allowed=", ".join(map(str, levels)))  # fmt: skip


def same_level(a, b) -> bool:
    """Two factor levels are the same (strings exactly, numbers to 1e-9 relative)."""
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
