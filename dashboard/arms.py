"""Compare's comparison as data: the URL state to and from `analysis.arms.Comparison` (the
file `instalign compare` reads), saved comparisons under the results folder, and what the
page says about its results (the headline table).

Saved comparisons live in `<results>/comparisons/<name>.yaml`: the name is checked (letters,
digits, _ or -: never a path), the file is written atomically and never overwritten unless
the user says so."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dash import html

from analysis import arms
from analysis.arms import Arm, Comparison
from dashboard.state import CompareState
from sim.errors import ConfigError, unknown_name
from sim.scenario import Config

FOLDER = "comparisons"


def comparison(state: CompareState) -> Comparison:
    """The URL state as the comparison a file holds (same fields, arms as `Arm`s)."""
    own = dict(state.scenarios)
    return Comparison(
        state.scenario,
        state.sets,
        tuple(Arm(name, sets, own.get(name, "")) for name, sets in state.arms),
        state.reps,
        state.metrics,
    )


def state_of(comp: Comparison) -> CompareState:
    arms_ = tuple((a.name, a.sets) for a in comp.arms)
    own = tuple((a.name, a.scenario) for a in comp.arms if a.scenario)
    return CompareState(comp.scenario, comp.sets, arms_, comp.reps, comp.metrics, own)


def configs(state: CompareState) -> dict[str, Config]:
    """Baseline then interventions, by arm name (ConfigError names a bad field)."""
    return comparison(state).configs()


# ---- saved comparisons ---------------------------------------------------------------------


class Exists(Exception):
    """A saved comparison of that name exists (the page asks before overwriting)."""


def folder(results: Path) -> Path:
    return Path(results) / FOLDER


def saved(results: Path) -> list[str]:
    """Names of the saved comparisons, sorted."""
    found = folder(results).glob("*.yaml") if folder(results).is_dir() else []
    return sorted(p.stem for p in found if arms.ARM_RE.match(p.stem))


def path_of(results: Path, name: Any) -> Path:
    """The file of a comparison name: a bad name is a ConfigError, never a path."""
    if not isinstance(name, str) or not arms.ARM_RE.match(name):
        shown = str(name)[:60] if name else ""
        raise ConfigError(f"bad name {shown!r}", path="comparison name", allowed=arms.NAME_RULE)
    return folder(results) / f"{name}.yaml"


def save(results: Path, name: Any, state: CompareState, overwrite: bool = False) -> Path:
    """Write the comparison as YAML, atomically; `Exists` unless `overwrite`."""
    path = path_of(results, name)
    if path.exists() and not overwrite:
        raise Exists(f"{FOLDER}/{path.name} exists: tick Overwrite or choose another name")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    tmp.write_text(comparison(state).to_yaml(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load(results: Path, name: Any) -> CompareState:
    """A saved comparison, every field checked (ConfigError names it)."""
    path = path_of(results, name)
    if not path.is_file():
        raise unknown_name("saved comparison", str(name), saved(results), path="saved")
    return state_of(arms.read(path))


# ---- what the page says about its results --------------------------------------------------


def headline_table(rows: list[dict[str, Any]]) -> Any:
    """The headline effects as a table: metric, arm, paired difference [95% CI], verdict."""
    if not rows:
        return None
    head = html.Tr([html.Th(t) for t in ("metric", "arm", "Δ vs baseline [95% CI]", "verdict")])
    body = [
        html.Tr(
            [
                html.Td(r["metric"]),
                html.Td(r["arm"]),
                html.Td(f"{r['diff']:+.3g} [{r['lo']:.3g}, {r['hi']:.3g}]"),
                html.Td(r["verdict"]),
            ],
            className="effect-" + _sign(r),
        )
        for r in rows
    ]
    return html.Table([html.Thead(head), html.Tbody(body)], className="headline")


def _sign(row: dict[str, Any]) -> str:
    return "up" if row["lo"] > 0 else "down" if row["hi"] < 0 else "none"
