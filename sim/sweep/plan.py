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

from sim.params import PARAMS
from sim.scenario import Config, from_mapping, plain
from sim.sweep import seeds
from sim.sweep.design import Design, encode
from sim.sweep.spec import Sweep
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
        col = _column(sweep, design, path, s, p, i)
        if any(isinstance(v, tuple | list) for v in col):
            col = np.array([encode(v) for v in col], dtype=object)
            json_cols.append(path)
        table[path] = col
    frame = pd.DataFrame(table)
    for path in PARAMS:
        if path != "seed" and path not in json_cols:
            frame[path] = pd.Series(frame[path].tolist(), index=frame.index)
    return frame, json_cols


def _column(sweep: Sweep, design: Design, path: str, s, p, i) -> np.ndarray:
    if path in sweep.axes:
        return design.points[path].to_numpy(dtype=object)[p]
    per = np.empty((len(sweep.bases), len(sweep.interventions)), dtype=object)
    for a, base in enumerate(sweep.bases.values()):
        for b, over in enumerate(sweep.interventions.values()):
            per[a, b] = over.get(path, base[path])
    return per[s, i]


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
    varied_paths = dict.fromkeys(p for ps in paths.values() for p in ps)
    used = ["run_id", "scenario", "intervention", "seed", *varied_paths]
    rows = {int(r["run_id"]): r for r in design[used].to_dict("records")}
    for rid in run_ids:
        row = rows[int(rid)]
        over = {k: _decode(row[k], k in json_cols) for k in paths[row["intervention"]]}
        config = base[row["scenario"]].with_overrides(over, source=f"run {int(rid)}")
        yield Task(int(rid), int(row["seed"]), config, metrics, rec["every"], int(rid) in faults)


def _decode(value: Any, is_json: bool) -> Any:
    if is_json:
        return json.loads(value)
    if isinstance(value, np.generic):
        return value.item()
    return plain(value)
