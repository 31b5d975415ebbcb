"""Build the standard figure set a sweep supports (shared by `instalign figures`, `instalign
report` and the benchmark). A figure the sweep cannot support is skipped with its reason; a
figure that fails on data it should handle is reported as an error and the others go on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

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


def build(f: Frames, only: Sequence[str] | None = None, outcome: str | None = None) -> Built:
    """Data and figure for every supported figure (all standard ones unless `only`)."""
    out = Built()
    names, out.skipped = supported(f, check_names(only))
    for name in names:
        mod = FIGURES[name]
        opts = {"outcome_text": outcome} if name == "scenario_discovery" else {}
        try:
            df = mod.data(f, **opts)
            out.figures[name], out.data[name] = mod.draw(df), df
        except Unavailable as why:
            out.skipped[name] = str(why)
        except ConfigError:
            raise
        except (ValueError, KeyError, TypeError, IndexError, ArithmeticError) as err:
            out.errors[name] = f"{type(err).__name__}: {err}"
    return out


def describe(name: str) -> str:
    """The first paragraph of a figure module's docstring (for captions and --help)."""
    doc = (FIGURES[name].__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())
