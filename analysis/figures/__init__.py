"""The figure registry: one module per figure in this package, discovered automatically.

Each module declares `NAME`, `TITLE`, `NEEDS` (the inputs it needs from a sweep: design kinds,
metrics, time series, varied parameters) and two pure functions:
    data(frames, **options) -> pandas.DataFrame   (context for drawing in `df.attrs`)
    draw(data, **options) -> plotly.graph_objects.Figure
The CLI, the report and the dashboard all call these same functions; nothing is built at
import time. `data()` raises `Unavailable(reason)` when the sweep cannot support the figure
(a failed design block, no common random numbers...), which callers print and move on.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType

from analysis.data import Frames


class Unavailable(Exception):
    """This sweep cannot make this figure; the message says why."""


@dataclass(frozen=True)
class Needs:
    kinds: tuple[str, ...] = ()  # design kinds it supports; empty: any
    metrics: tuple[str, ...] = ()  # every one must be recorded
    any_metrics: tuple[str, ...] = ()  # at least one must be recorded
    pattern: str | None = None  # at least one recorded column must match (per-layer metrics)
    pattern_help: str = ""  # the pattern in words, for messages
    series: bool = False  # needs time series
    params: int = 0  # at least this many varied parameters
    factor: bool = False  # needs a factor with few levels (a grid axis or arms)
    standard: bool = True  # part of the set `instalign figures` builds

    def missing(self, f: Frames) -> str | None:
        """Why `f` cannot make this figure, or None when it can."""
        recorded = set(f.metrics) | set(f.series_metrics)
        checks = [
            (self.kinds and f.kind not in self.kinds, f"needs a {'/'.join(self.kinds)} design"),
            (self.series and f.series is None, "needs time series (none in this store)"),
            (bool(set(self.metrics) - recorded), _absent(set(self.metrics) - recorded)),
            (self.any_metrics and not recorded & set(self.any_metrics), _absent(self.any_metrics)),
            (
                self.pattern and not _matches(self.pattern, recorded),
                f"metric not recorded: {self.pattern_help or self.pattern}",
            ),
            (len(f.params) < self.params, f"needs {self.params}+ varied parameter(s)"),
            (self.factor and f.group_factor() is None, "needs a factor with 2-8 levels"),
        ]
        return next((why for bad, why in checks if bad), None)


def _absent(names) -> str:
    return "metric not recorded: " + ", ".join(sorted(names))


def _matches(pattern: str, names) -> bool:
    return any(re.fullmatch(pattern, n) for n in names)


def _discover() -> dict[str, ModuleType]:
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        found[mod.NAME] = mod
    return found


FIGURES: dict[str, ModuleType] = _discover()


# the standard figures that carry a writeup's headline come first (in the report's Findings
# too): the response to the varied parameter, then the paired effects; the rest follow in
# registry order
LEAD = ("response", "paired_effects")


def supported(f: Frames, only: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """(figures this sweep supports, {figure: why not} for the others): the LEAD figures
    first, then registry order. `only` restricts to the named figures (standard or not). A
    tail sweep's store (its runs' outcomes are tail probabilities, sim/sweep/tail.py) records
    no metric, so its set is the tail-probability figure."""
    standard = [n for n, m in FIGURES.items() if m.NEEDS.standard]
    if f.outcomes is not None and "tail_probability" in FIGURES:
        standard = ["tail_probability"]
    names = only or [*(n for n in LEAD if n in standard), *(n for n in standard if n not in LEAD)]
    ok, skipped = [], {}
    for name in names:
        why = FIGURES[name].NEEDS.missing(f)
        if why:
            skipped[name] = why
        else:
            ok.append(name)
    return ok, skipped
