"""The run table: every run of a sweep with its ids, seed and the value of every parameter.

Runs are the product scenarios x design points x replications x interventions, numbered in
that order (the intervention varies fastest, so the runs that common random numbers pair
sit next to each other). `run_id = ((s * P + p) * R + r) * I + i`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.params import PARAMS
from sim.scenario import Config, from_mapping, plain
from sim.sweep import seeds
from sim.sweep.design import Design, encode
from sim.sweep.spec import Sweep
from sim.sweep.tail import request
from sim.sweep.task import Task

ID_COLUMNS = ("run_id", "scenario", "intervention", "point", "replication", "seed")


def runs(sweep: Sweep, design: Design) -> tuple[pd.DataFrame, list[str]]:
    """The run table and the names of its JSON-encoded (list-valued) parameter columns."""
    refs, names = list(sweep.bases), list(sweep.interventions)
    n_p, n_r = len(design.points), sweep.spec.replications
    grid = np.indices((len(refs), n_p, n_r, len(names))).reshape(4, -1)
    s, p, r, i = grid
    run_id = np.arange(grid.shape[1], dtype=np.int64)
    seed = seeds.run_seeds(
        sweep.spec.seed, sweep.spec.common_random_numbers,
        scenario=s, point=p, replication=r, run_id=run_id, n_points=n_p, n_reps=n_r,
    )  # fmt: skip
    table = {
        "run_id": run_id,
        "scenario": np.array(refs, dtype=object)[s],
        "intervention": np.array(names, dtype=object)[i],
        "point": p.astype(np.int64),
        "replication": r.astype(np.int64),
        "seed": seed,
    }
    json_cols = []
    for path in PARAMS:
        if path == "seed":
            continue
        values, index = _column(sweep, design, path, s, p, i)
        if any(isinstance(v, tuple | list) for v in values):
            values = [encode(v) for v in values]
            json_cols.append(path)
        # the natural dtype of the few distinct cells, then one gather over the runs
        table[path] = pd.Series(list(values)).to_numpy()[index]
    return pd.DataFrame(table), json_cols


def _column(sweep: Sweep, design: Design, path: str, s, p, i) -> tuple[list, np.ndarray]:
    """The cells of one parameter (a design point's or a (scenario, intervention) pair's
    value) and each run's index into them: a few values, not one Python object per run."""
    if path in sweep.axes:
        return design.points[path].tolist(), p
    values = [
        over.get(path, base[path])
        for base in sweep.bases.values()
        for over in sweep.interventions.values()
    ]
    return values, s * len(sweep.interventions) + i


def check_points(sweep: Sweep, design: Design) -> None:
    """Build the config of every (scenario, design point, intervention) as dispatch will
    (`Config.with_overrides`: each value and every cross-parameter check), and check a tail
    sweep's request against each (`sim.sweep.tail.check_config`: a parameter may switch the
    event's component off or shorten the run), so a point that fails is refused before the
    store exists, naming the point and the field."""
    points = design.points[list(sweep.axes)].to_dict("records") if sweep.axes else [{}]
    tail = _tail_check(sweep)
    for ref, base in sweep.bases.items():
        for name, over in sweep.interventions.items():
            for p, values in enumerate(points):
                try:
                    tail(base.with_overrides({**values, **over}, source=sweep.source))
                except ConfigError as err:
                    raise _at_point(sweep, err, p, values, ref, name) from None


def _tail_check(sweep: Sweep):
    """The per-config check of the sweep's tail request (a no-op for a plain sweep)."""
    if sweep.spec.tail is None:
        return lambda config: None
    from sim.sweep.tail import check_config

    req = request(sweep.spec.tail.model_dump())
    return lambda config: check_config(req, config, sweep.source)


def _at_point(sweep: Sweep, err: ConfigError, point: int, values: dict, ref: str, name: str):
    shown = ", ".join(f"{k}={_short(v)}" for k, v in values.items())
    where = f"design point {point}" + (f" ({shown})" if shown else "")
    if len(sweep.bases) > 1:
        where += f", scenario {ref}"
    if len(sweep.interventions) > 1 or name != "none":
        where += f", intervention {name}"
    return ConfigError(
        err.detail,
        source=sweep.source,
        path=f"{where}: {err.path}" if err.path else where,
        allowed=err.allowed,
        suggestion=err.suggestion,
    )


def _short(value: Any) -> str:
    text = json.dumps(plain(value)) if isinstance(value, tuple | list) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def varied(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per intervention, the parameter paths a run overrides on its base scenario."""
    axes = list(manifest["axes"])
    return {name: axes + list(over) for name, over in manifest["interventions"].items()}


def bases(manifest: Mapping[str, Any], source: str) -> dict[str, Config]:
    """The base scenarios exactly as resolved when the sweep was created."""
    return {ref: from_mapping(doc, f"{source}#{ref}") for ref, doc in manifest["bases"].items()}


def tasks(
    manifest: Mapping[str, Any],
    design: pd.DataFrame,
    run_ids: Iterable[int],
    source: str,
    faults: frozenset[int] = frozenset(),
) -> Iterator[Task]:
    """One Task per run id, built lazily from the stored manifest and design table."""
    base = bases(manifest, source)
    paths = varied(manifest)
    json_cols = set(manifest.get("json_columns", []))
    rec = manifest["spec"]["record"]
    metrics = tuple(manifest["metrics"])
    tail = request(manifest["spec"].get("tail"))
    varied_paths = dict.fromkeys(p for ps in paths.values() for p in ps)
    used = ["run_id", "scenario", "intervention", "seed", *varied_paths]
    rows = {int(r["run_id"]): r for r in design[used].to_dict("records")}
    configs: dict[str, Config] = {}  # replications of a design point share one Config
    for rid in run_ids:
        row = rows[int(rid)]
        over = {k: _decode(row[k], k in json_cols) for k in paths[row["intervention"]]}
        key = json.dumps([row["scenario"], over], default=repr)
        config = configs.get(key)
        if config is None:
            config = base[row["scenario"]].with_overrides(over, source=f"run {int(rid)}")
            if len(configs) >= 4096:  # a design of distinct points: bounded memory
                configs.clear()
            configs[key] = config
        yield Task(
            int(rid), int(row["seed"]), config, metrics, rec["every"], int(rid) in faults, tail
        )


def _decode(value: Any, is_json: bool) -> Any:
    if is_json:
        return json.loads(value)
    if isinstance(value, np.generic):
        return value.item()
    return plain(value)
