"""Keeping a sweep's design points apart in every figure.

A figure compares one factor of interest (its x axis, or its groups); every other factor the
sweep varied (a parameter, the interventions, the scenarios, the dashboard's arms) is kept
apart, one line, colour or marker per combination of its levels, so every mean and CI is
over the replications of one design point. A figure averages over a factor only when the user
asks (`pool=True`, the CLI's `--pool`), and then says what it pooled. Parameters declared
`log` (or whose levels are evenly spaced on a log scale) get log axes and log colour scales.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from plotly.colors import sample_colorscale

from analysis import theme
from analysis.frame import Frames

GROUPS = ("intervention", "arm", "scenario")  # design columns that are factors too
MAX_LEVELS = 8  # more levels than this: a sampled (continuous) axis, not a factor
MAX_COMBOS = 12  # more lines than this in one panel cannot be read
DASHES = ("solid", "dash", "dot", "dashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star")


def varied(f: Frames) -> list[str]:
    """The design columns that vary: interventions, arms, scenarios, then the parameters."""
    cols = dict.fromkeys([*GROUPS, *f.params])
    return [c for c in cols if c in f.design and f.design[c].nunique() > 1]


@dataclass(frozen=True)
class Split:
    """What a figure shows: `focus` compared, `others` kept apart, `pooled` averaged over."""

    focus: str | None
    others: tuple[str, ...] = ()
    pooled: tuple[str, ...] = ()

    @property
    def keys(self) -> list[str]:
        """The columns one mean and CI is computed within (one design point, or a pool)."""
        return [c for c in (self.focus, *self.others) if c]

    def note(self) -> str:
        """'averaged over ...' when the user pooled factors, else ''."""
        if not self.pooled:
            return ""
        return "averaged over " + ", ".join(theme.label(c) for c in self.pooled) + " (--pool)"


def split(
    f: Frames, focus: str | None, pool: bool = False, exclude=(), lines: bool = False
) -> Split:
    """Keep every varied factor but `focus` apart (Unavailable when they make too many
    lines, counting the focus's levels too when it is drawn as lines: the message says to
    --pool)."""
    from analysis.figures import Unavailable

    rest = [c for c in varied(f) if c != focus and c not in exclude]
    if pool:
        return Split(focus, (), tuple(rest))
    wide = [c for c in rest if f.design[c].nunique() > MAX_LEVELS]
    if wide:
        n = f.design[wide[0]].nunique()
        raise Unavailable(
            f"{wide[0]} takes {n} values: too many to draw apart; --pool averages over it"
        )
    drawn = [focus, *rest] if lines and focus else rest
    n = math.prod(f.design[c].nunique() for c in drawn)
    if n > MAX_COMBOS:
        raise Unavailable(
            f"{n} combinations of {', '.join(drawn)}: too many lines; --pool averages over "
            "all but the compared factor"
        )
    return Split(focus, tuple(rest))


def combos(f: Frames, cols) -> list[tuple]:
    """Every combination of the levels of `cols` ([()] when there are none)."""
    return list(itertools.product(*(f.levels(c) for c in cols)))


def name(cols, values) -> str:
    """'optimization pressure = 16 · information = 0.15' ('' for no columns)."""
    parts = [group_name(c, v) for c, v in zip(cols, values, strict=True)]
    plain = [p if c in GROUPS else p.replace("_", " ") for c, p in zip(cols, parts, strict=True)]
    return " · ".join(plain)


def where(cols, values) -> str:
    """`name` for a sentence: interventions, arms and scenarios say what they are
    ('intervention audit · information = 0.2')."""
    return " · ".join(
        f"{c} {v}" if c in GROUPS else name([c], [v]) for c, v in zip(cols, values, strict=True)
    )


def select(frame: pd.DataFrame, cols, values) -> pd.DataFrame:
    """The rows of `frame` at one combination of levels."""
    mask = np.ones(len(frame), dtype=bool)
    for c, v in zip(cols, values, strict=True):
        mask &= (frame[c] == v).to_numpy()
    return frame[mask]


def tick(value, width: int = 12) -> str:
    """A category as an axis label: underscores as spaces, long names on two lines."""
    import textwrap

    text = f"{value:g}" if isinstance(value, float) else str(value).replace("_", " ")
    return "<br>".join(textwrap.wrap(text, width)) or text


def is_log(f: Frames, col: str | None) -> bool:
    """Whether `col` reads best on a log scale: declared `log`, or 3+ positive levels with
    a constant ratio of 2 or more (1, 4, 16, 64...)."""
    from sim.params import PARAMS

    if col is None or col not in f.design or col in GROUPS:
        return False
    if col in PARAMS and PARAMS[col].log:
        return True
    v = np.sort(pd.to_numeric(f.design[col], errors="coerce").dropna().unique())
    if v.size < 3 or (v <= 0).any():
        return False
    ratio = v[1:] / v[:-1]
    return bool(ratio.min() >= 2 and np.allclose(ratio, ratio[0], rtol=0.05))


def colours(f: Frames, col: str | None, levels) -> dict:
    """A colour per level: a sequential scale (log when `col` is) for numbers, else the
    house palette."""
    numeric = col is not None and pd.api.types.is_numeric_dtype(f.design[col])
    if not numeric or len(levels) < 3:
        return {v: theme.colour(i) for i, v in enumerate(levels)}
    x = np.asarray(levels, dtype=float)
    x = np.log10(x) if is_log(f, col) and (x > 0).all() else x
    t = (x - x.min()) / (np.ptp(x) or 1.0) * 0.85
    return dict(zip(levels, sample_colorscale("Viridis", list(t)), strict=True))


@dataclass(frozen=True)
class Style:
    name: str
    colour: str
    dash: str
    symbol: str


def styles(f: Frames, cols) -> dict[tuple, Style]:
    """A style per combination of `cols`: colour by the column with most levels, dash and
    marker symbol by the next, so a line is told apart from its neighbours in grey print."""
    cols = list(cols)
    order = sorted(range(len(cols)), key=lambda i: -len(f.levels(cols[i])))
    first = order[0] if order else None
    second = order[1] if len(order) > 1 else None
    pal = colours(f, cols[first], f.levels(cols[first])) if first is not None else {}
    out = {}
    for k, combo in enumerate(combos(f, cols)):
        c = pal.get(combo[first]) if first is not None else theme.colour(0)
        j = f.levels(cols[second]).index(combo[second]) if second is not None else 0
        out[combo] = Style(name(cols, combo), c or theme.colour(k), DASHES[j % 4], SYMBOLS[j % 6])
    return out


def hex_colour(colour: str) -> str:
    """'#RRGGBB' (for theme.rgba) from a palette hex or a plotly 'rgb(r, g, b)' string."""
    if colour.startswith("#"):
        return colour
    r, g, b = (int(float(v)) for v in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def short(name: str) -> str:
    """A parameter path's last part ('oversight.audit_budget' -> 'audit_budget')."""
    return name.rsplit(".", 1)[-1]


def group_name(by: str | None, value) -> str:
    if by is None:
        return "all runs"
    if by in ("arm", "intervention", "scenario"):
        return str(value)
    return f"{short(by)} = {value:g}" if isinstance(value, float) else f"{short(by)} = {value}"
