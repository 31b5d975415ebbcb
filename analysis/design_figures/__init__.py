"""Figures of a design store (issue 15: `instalign design SPEC --out DIR`, sim/design/search.py):
the Pareto front with its re-evaluation (pareto_front.py), parallel coordinates of levers and
objectives (parallel_levers.py), the regret heatmap of the front's designs x the search's worlds
(regret_heatmap.py) and the convergence of the search (convergence.py); the store is read by
store.py.

Each figure is a pure `data(store, ...)` (a tidy table, one plain sentence of its result in
`attrs["finding"]`, analysis/findings.py) and a `draw(df)`; `instalign design-figures DIR --out
FIGDIR` and the dashboard's Design page call the same functions. This module is the registry
and the export; the figure modules import from store.py, never from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import findings

from . import convergence, parallel_levers, pareto_front, regret_heatmap
from .convergence import LEVELLED, convergence_data, convergence_draw, convergence_finding
from .parallel_levers import lever_column, parallel_data, parallel_draw, parallel_finding
from .pareto_front import front_data, front_draw, front_finding
from .regret_heatmap import regret_data, regret_draw, regret_finding
from .store import (
    EVALUATIONS,
    FRONT,
    GREY,
    MANIFEST,
    REEVAL,
    WHAT,
    DesignStore,
    Objective,
    Unavailable,
    _world_label,
    is_design_store,
    open_design,
)

__all__ = [
    "EVALUATIONS", "FIGURES", "FRONT", "GREY", "LEVELLED", "MANIFEST", "NAMES", "OPTIONS",
    "REEVAL", "TITLES", "WHAT", "Built", "DesignStore", "Objective", "Unavailable",
    "_world_label", "build", "caption", "check_names", "check_objective", "convergence_data",
    "convergence_draw", "convergence_finding", "export", "figure", "front_data", "front_draw",
    "front_finding", "is_design_store", "lever_column", "open_design", "parallel_data",
    "parallel_draw", "parallel_finding", "provenance", "regret_data", "regret_draw",
    "regret_finding",
]  # fmt: skip

TITLES = {
    "pareto_front": pareto_front.TITLE,
    "parallel_levers": parallel_levers.TITLE,
    "regret_heatmap": regret_heatmap.TITLE,
    "convergence": convergence.TITLE,
}
NAMES = tuple(TITLES)

FIGURES: dict[str, tuple[Callable, Callable]] = {
    "pareto_front": (front_data, front_draw),
    "parallel_levers": (parallel_data, parallel_draw),
    "regret_heatmap": (regret_data, regret_draw),
    "convergence": (convergence_data, convergence_draw),
}
OPTIONS = {"regret_heatmap": "objective"}  # the figure that takes the --objective option


def check_names(names: Sequence[str]) -> list[str] | None:
    """`--only` names checked (a ConfigError names an unknown one); None for all."""
    from sim.errors import unknown_name

    for n in names:
        if n not in FIGURES:
            raise unknown_name("figure", n, NAMES, source="--only")
    return list(names) or None


def check_objective(store: DesignStore, objective: str | None) -> str | None:
    """`--objective` checked against the spec's objectives (a ConfigError names them)."""
    from sim.errors import unknown_name

    known = [o.metric for o in store.per_world()]
    if objective and objective not in known:
        raise unknown_name("objective", objective, known, source="--objective")
    return objective


def figure(store: DesignStore, name: str, **options) -> tuple[pd.DataFrame, go.Figure]:
    """(data, figure) of one named figure; Unavailable when the store cannot make it."""
    data, draw = FIGURES[name]
    df = data(store, **options)
    return df, draw(df)


@dataclass
class Built:
    """Figures made, their data, and why the others were not."""

    figures: dict[str, go.Figure]
    data: dict[str, pd.DataFrame]
    skipped: dict[str, str]


def build(store: DesignStore, only: Sequence[str] | None = None,
          objective: str | None = None) -> Built:  # fmt: skip
    """Every figure (or those in `only`) the store supports."""
    out = Built({}, {}, {})
    for name in only or NAMES:
        opts = {OPTIONS[name]: objective} if name in OPTIONS and objective else {}
        try:
            out.data[name], out.figures[name] = figure(store, name, **opts)
        except Unavailable as err:
            out.skipped[name] = str(err)
    return out


def provenance(store: DesignStore) -> dict[str, Any]:
    """What produced the figures (analysis/metadata.py's keys, plus the design's id, identity,
    seeds and worlds)."""
    from sim.provenance import code_version

    m, here = store.manifest, code_version()
    sid = str(store.spec.get("scenario", ""))
    name, _, version = sid.rpartition("-")
    return {
        "scenarios": [{"id": sid, "name": name or sid, "version": version if name else ""}],
        "design": m.get("id"), "design_identity": m.get("identity"),
        "master_seed": (store.spec.get("search") or {}).get("seed"), "runs": store.runs(),
        "seeds": m.get("seeds"), "worlds": m.get("worlds"),
        **{k: m.get(k) or here[k] for k in ("instalign_version", "git_commit")},
        "git_dirty": m.get("git_dirty", here["git_dirty"]),
        "figure_code": {k: here[k] for k in ("instalign_version", "git_commit", "git_dirty")},
    }  # fmt: skip


def caption(prov: dict[str, Any]) -> str:
    """The caption line: metadata.caption's, with the design named."""
    from analysis import metadata

    ident = (prov.get("design_identity") or "")[:8]
    return (
        metadata.caption(prov)
        + f" · design {prov.get('design')}"
        + (f" ({ident})" if ident else "")
    )


def export(built: Built, store: DesignStore, out: Path, formats: Sequence[str],
           with_caption: bool = True, finding: bool = True) -> list[Path]:  # fmt: skip
    """Write `out/<name>.<format>` for every figure (its finding as subtitle, the caption
    line and the provenance in the file's metadata) and `out/<name>.csv`."""
    from analysis import export as ex

    prov = provenance(store)
    text = caption(prov)
    figs = {}
    for name, fig in built.figures.items():
        fig = findings.as_subtitle(go.Figure(fig), built.data[name].attrs.get("finding", ""))
        figs[name] = ex.with_caption(fig, text) if with_caption else fig
    paths = ex.export(figs, out, formats, prov, caption=False)
    for name, df in built.data.items():
        path = Path(out) / f"{name}.csv"
        df.to_csv(path, index=False)
        paths.append(path)
    return paths
