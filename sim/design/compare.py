"""Compare chosen designs across one design spec's worlds (issue 15): the check behind "the
design that is best in the central world is not the most robust one" (docs/findings.md).

`best(store, column)` picks a store's best feasible design by one robust objective;
`cross_evaluate(spec, designs, out, worlds, replications)` runs the named designs on a fresh
Latin hypercube of the spec's uncertainties, with common random numbers, through the same
sweep machinery as the search (sim/design/search.py), and returns per design its robust
value of every objective (the spec's robustness) with a 95% bootstrap interval, plus its value
in the central world (every uncertainty at the base scenario's value).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.design import encoding
from sim.design.search import Search, seeds
from sim.design.spec import load_design
from sim.sweep.executors import warm_scope


def best(store: str | Path, column: str) -> tuple[str, dict]:
    """(key, lever values) of the feasible design with the highest `column` (e.g.
    `percentile:safety`, `mean:safety`) in a design store."""
    ev = pd.read_parquet(Path(store) / "evaluations.parquet")
    ok = ev[ev["feasible"]]
    if ok.empty:
        raise ValueError(f"{store} has no feasible design")
    row = ok.loc[ok[column].idxmax()]
    return str(row["design"]), json.loads(row["levers"])


def cross_evaluate(
    spec: str | Path, designs: dict[str, dict], out: str | Path, worlds: int, replications: int
) -> pd.DataFrame:
    """Per design: robust objectives over `worlds` fresh worlds (95% bootstrap CIs) and the
    objectives' means in the central world; runs stored under `out` (resumable)."""
    design = load_design(spec)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    s = seeds(design)
    manifest = {"seeds": s, "worlds": []}
    search = Search(design, out, manifest, "processes", None, None)
    fresh = encoding.worlds(design.uncertainties, worlds, s["reworlds"] + 1)
    central = [{u.path: design.base[u.path] for u in design.uncertainties}]
    with warm_scope():  # both sweeps on one pool
        table = search.sweep(designs, fresh, replications, s["reruns"] + 1, out / "ensemble")
        ensemble = search.outcomes(table, designs, len(fresh), replications)
        table = search.sweep(designs, central, replications * 4, s["reruns"] + 2, out / "central")
        middle = search.outcomes(table, designs, 1, replications * 4)
    rows = []
    for name in designs:
        row = {"design": name, **search.reevaluated(ensemble[name], len(fresh))}
        for j, o in enumerate(design.spec.objectives):
            row[f"central {o.metric}"] = float(np.nanmean(middle[name][:, j]))
        rows.append(row)
    return pd.DataFrame(rows)
