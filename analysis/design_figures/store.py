"""Reading a design store (issue 15: `instalign design SPEC --out DIR`, sim/design/search.py):
the manifest, the evaluations, the per-world outcomes, the search history and the front, read
once into a DesignStore, with the helpers the figures share (the objectives, the front, the
world labels). The store layout is the contract of sim/design/search.py; this module only
reads its files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import theme
from sim.errors import ConfigError

MANIFEST, EVALUATIONS = "manifest.json", "evaluations.parquet"
WHAT = "a design store made by `instalign design`"
GREY, FRONT, REEVAL = "#BBBBBB", theme.colour(0), theme.colour(5)


class Unavailable(Exception):
    """This store cannot make this figure; the message says why."""


@dataclass(frozen=True)
class Objective:
    """A robust objective column of evaluations.parquet, the metric it is of and its sense."""

    column: str  # 'mean:safety', 'regret:catastrophes' or 'satisficing_share'
    metric: str
    sense: str  # 'min' | 'max'
    stat: str = "final"  # the per-world statistic of worlds.parquet: '{metric}_{stat}'

    @property
    def kind(self) -> str:
        """The robustness measure ('mean', 'percentile', 'regret', 'satisficing')."""
        return self.column.split(":")[0] if ":" in self.column else "satisficing"

    @property
    def name(self) -> str:
        """The metric in words ('oversight cost')."""
        return self.metric.replace("_", " ")

    def loss(self, before: float, after: float) -> float:
        """How much worse `after` is than `before` in this objective's sense."""
        return before - after if self.sense == "max" else after - before


@dataclass
class DesignStore:
    """The files of a design store, read once."""

    path: Path
    manifest: dict
    evaluations: pd.DataFrame
    worlds: pd.DataFrame
    history: pd.DataFrame
    pareto: pd.DataFrame

    @property
    def spec(self) -> dict:
        """The design spec as the store recorded it."""
        return self.manifest.get("spec") or {}

    @property
    def levers(self) -> list[str]:
        """The lever paths, in the spec's order."""
        return [p for p in self.spec.get("levers", {}) if p in self.evaluations]

    def per_world(self) -> list[Objective]:
        """The spec's objectives as measured per world (the columns of worlds.parquet)."""
        kind = (self.spec.get("robustness") or {}).get("kind", "mean")
        kind = "mean" if kind == "satisficing" else kind
        return [
            Objective(f"{kind}:{o['metric']}", o["metric"], o.get("sense", "min"),
                      o.get("stat") or "final")
            for o in self.spec.get("objectives", [])
        ]  # fmt: skip

    def objectives(self) -> list[Objective]:
        """The robust objectives that evaluations.parquet holds (the search's objectives)."""
        if "satisficing_share" in self.evaluations:
            return [Objective("satisficing_share", "satisficing share", "max")]
        return [o for o in self.per_world() if o.column in self.evaluations]

    def front(self) -> list[str]:
        """The front's design keys: pareto.parquet's, else the non-dominated feasible ones."""
        if not self.pareto.empty and "design" in self.pareto:
            return list(self.pareto["design"])
        ev, objs = self.evaluations, self.objectives()
        bad = np.column_stack([_badness(ev[o.column], o) for o in objs])
        ok = ev["feasible"].astype(bool).to_numpy() & np.isfinite(bad).all(axis=1)
        return [ev["design"].iloc[i] for i in _nondominated(bad, ok)]

    def reevaluated(self) -> bool:
        """Whether the front was re-run on fresh worlds (pareto.parquet has `re` columns)."""
        return any(str(c).startswith("re ") for c in self.pareto.columns)

    def world_labels(self) -> list[str]:
        """'capability=0.711' per world of the search (the manifest's worlds), in order."""
        worlds = self.manifest.get("worlds") or []
        return [_world_label(w) or f"world {i}" for i, w in enumerate(worlds)]

    def runs(self) -> int:
        """Simulation runs behind the store: worlds x replications per design, plus the
        re-evaluation's."""
        n = len(self.worlds) * int(self.spec.get("replications") or 1)
        if self.reevaluated():
            first = self.pareto.iloc[0]
            n += len(self.pareto) * int(first["re worlds"]) * int(first["re replications"])
        return n


def _world_label(world: dict) -> str:
    """One world's uncertainty values, short: 'capability=0.711, information=0.3'."""
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={_short(v)}" for k, v in world.items())


def _short(v: Any) -> str:
    """A value as a world label shows it (three significant figures for a float)."""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _badness(col: pd.Series, o: Objective) -> np.ndarray:
    """An objective's column as a quantity to minimize."""
    x = col.to_numpy(dtype=float)
    return x if o.sense == "min" else -x


def _nondominated(bad: np.ndarray, ok: np.ndarray) -> list[int]:
    """Indices of the rows of `bad` (minimized) not dominated by another row with `ok`."""
    idx = np.flatnonzero(ok)
    keep = []
    for i in idx:
        others = bad[idx]
        dominated = np.all(others <= bad[i], axis=1) & np.any(others < bad[i], axis=1)
        if not dominated.any():
            keep.append(int(i))
    return keep


def _read(path: Path, name: str) -> pd.DataFrame:
    """A Parquet file of the store (an empty table when it is absent)."""
    file = path / name
    return pd.read_parquet(file) if file.is_file() else pd.DataFrame()


def is_design_store(path: Path) -> bool:
    """A folder with manifest.json and evaluations.parquet (cheap: no file is read)."""
    path = Path(path)
    return (path / MANIFEST).is_file() and (path / EVALUATIONS).is_file()


def open_design(path: Path | str) -> DesignStore:
    """The store at `path`; a ConfigError (one line, exit 2) when it is not a design store."""
    path = Path(path)
    if not path.is_dir():
        raise ConfigError("no such folder", source=str(path), allowed=WHAT)
    if not is_design_store(path):
        missing = MANIFEST if not (path / MANIFEST).is_file() else EVALUATIONS
        raise ConfigError(f"not a design store (no {missing})", source=str(path), allowed=WHAT)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        store = DesignStore(
            path, manifest, _read(path, EVALUATIONS), _read(path, "worlds.parquet"),
            _read(path, "history.parquet"), _read(path, "pareto.parquet"),
        )  # fmt: skip
    except (OSError, ValueError) as err:  # unreadable JSON or Parquet: data, not a crash
        raise ConfigError(f"unreadable design store ({err})", source=str(path)) from None
    if not isinstance(manifest, dict) or not store.objectives():
        raise ConfigError("no objective of the spec in evaluations.parquet", source=str(path))
    return store


def _pick(store: DesignStore, names: Sequence[str] | None) -> list[Objective]:
    """The objectives named (by metric or column), else all of the store's."""
    objs = store.objectives()
    if not names:
        return objs
    by = {o.metric: o for o in objs} | {o.column: o for o in objs}
    missing = [n for n in names if n not in by]
    if missing:
        allowed = ", ".join(o.metric for o in objs)
        raise Unavailable(f"objective {missing[0]!r} is not one of the search's ({allowed})")
    return [by[n] for n in names]
