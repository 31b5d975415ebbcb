"""Build the standard figure set a sweep supports (shared by `instalign figures`, `instalign
report` and the benchmark). A figure the sweep cannot support is skipped with its reason; a
figure that fails on data it should handle is reported as an error and the others go on."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import findings
from analysis.data import Frames
from analysis.figures import FIGURES, Unavailable, supported
from sim.errors import ConfigError, unknown_name


@dataclass
class Built:
    figures: dict[str, go.Figure] = field(default_factory=dict)
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # figure -> why the sweep can't
    errors: dict[str, str] = field(default_factory=dict)  # figure -> what went wrong


def check_names(only: Sequence[str] | None) -> list[str] | None:
    """Validate `--only` names (a ConfigError names the closest figure)."""
    if not only:
        return None
    for name in only:
        if name not in FIGURES:
            raise unknown_name("figure", name, FIGURES, source="--only")
    return list(only)


FACTORS = ("intervention", "arm", "scenario")  # design columns that can be a factor too


def check_metrics(f: Frames, metrics: Sequence[str] | None) -> list[str] | None:
    """Validate `--metrics` against what the store recorded (closest name on a typo)."""
    if not metrics:
        return None
    recorded = list(dict.fromkeys([*f.metrics, *f.series_metrics]))
    for m in metrics:
        if m not in recorded:
            raise unknown_name("metric", m, recorded, source="--metrics")
    return list(metrics)


def check_factor(f: Frames, by: str | None) -> str | None:
    """Validate `--by` against the store's varied parameters and arms (closest on a typo)."""
    if by is None:
        return None
    factors = [*f.params, *(c for c in FACTORS if c in f.design and f.design[c].nunique() > 1)]
    if by not in factors:
        raise unknown_name("factor", by, factors or ["(none: nothing varies)"], source="--by")
    return by


def build(
    f: Frames,
    only: Sequence[str] | None = None,
    outcome: str | None = None,
    *,
    metrics: Sequence[str] | None = None,
    by: str | None = None,
    progress: Any = None,
    pool: bool = False,
    subtitle: bool = False,
) -> Built:
    """Data and figure for every supported figure (all standard ones unless `only`);
    `metrics` and `by` go to every figure that takes them (else each picks its own); `pool`
    lets figures average over the factors they would keep apart; `subtitle` puts each
    figure's finding under its title; `progress.advance(failed=...)` (a
    `sim.progress.Progress`) is called per figure."""
    out = Built()
    names, out.skipped = supported(f, check_names(only))
    if progress is not None:
        progress.total = len(names)
    for name in names:
        _one(out, f, name, _options(name, outcome, metrics, by, pool), subtitle)
        if progress is not None:
            progress.advance(failed=int(name in out.errors))
    return out


def _options(name: str, outcome: str | None, metrics, by, pool=False) -> dict[str, Any]:
    """The keyword arguments of figure `name`'s data(): the user's choices it accepts."""
    accepted = inspect.signature(FIGURES[name].data).parameters
    wanted = {"outcome_text": outcome, "metrics": list(metrics or []) or None, "by": by}
    wanted["pool"] = True if pool else None
    return {k: v for k, v in wanted.items() if v is not None and k in accepted}


def _one(out: Built, f: Frames, name: str, opts: dict[str, Any], subtitle: bool) -> None:
    mod = FIGURES[name]
    try:
        df = mod.data(f, **opts)
        fig = mod.draw(df)
        if subtitle:
            fig = findings.as_subtitle(fig, finding(df))
        out.figures[name], out.data[name] = fig, df
    except Unavailable as why:
        out.skipped[name] = str(why)
    except ConfigError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, ArithmeticError) as err:
        out.errors[name] = f"{type(err).__name__}: {err}"


def finding(df: pd.DataFrame) -> str:
    """The figure's one-line result (its data's `finding`; '' when it has none)."""
    return str(df.attrs.get("finding") or "")


def describe(name: str) -> str:
    """The first paragraph of a figure module's docstring (for captions and --help)."""
    doc = (FIGURES[name].__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())
