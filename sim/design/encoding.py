"""Levers and uncertainties as points of the unit cube (issue 15), so one real-coded search
(NSGA-II's simulated binary crossover and polynomial mutation; Deb et al. 2002) handles every
kind of lever, and a Latin hypercube (McKay, Beckman & Conover 1979; scipy.stats.qmc) samples
the worlds.

- a range: u in [0, 1] maps linearly (or log-linearly with `log`) onto [low, high], rounded
  for integer parameters;
- a set of k choices: choice floor(u k) (u = 1 is the last);
- the oversight stack (`min`..`max` layers from named options, order free, repeats allowed):
  1 + max genes; the first sets the length L = min + floor(u (max - min + 1)), the next L pick
  each position's layer as a choice. Genes past L are inert (random keys; Bean 1994), so the
  search can grow or shrink the stack without a special operator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.design.spec import Lever
from sim.scenario import plain


def width(levers: tuple[Lever, ...]) -> int:
    """The number of genes of `levers`."""
    return sum(lv.genes for lv in levers)


def decode(levers: tuple[Lever, ...], x: np.ndarray) -> dict[str, Any]:
    """The overrides {path: value} of the design at unit point x."""
    out, i = {}, 0
    for lv in levers:
        out[lv.path] = _one(lv, np.clip(x[i : i + lv.genes], 0.0, 1.0))
        i += lv.genes
    return out


def _one(lv: Lever, u: np.ndarray) -> Any:
    if lv.options is not None:
        length = lv.min + _pick(u[0], lv.max - lv.min + 1)
        return [dict(lv.options[_pick(g, len(lv.options))][1]) for g in u[1 : 1 + length]]
    if lv.choices is not None:
        return plain(lv.choices[_pick(u[0], len(lv.choices))])  # a list stays a list
    if lv.log:
        value = math.exp(math.log(lv.low) + float(u[0]) * (math.log(lv.high) - math.log(lv.low)))
    else:
        value = lv.low + float(u[0]) * (lv.high - lv.low)
    return round(value) if lv.integer else float(value)


def _pick(u: float, k: int) -> int:
    return min(int(u * k), k - 1)


def label(levers: tuple[Lever, ...], values: dict[str, Any]) -> str:
    """A short human-readable description of a design (the stack by its option names)."""
    parts = []
    for lv in levers:
        v = values[lv.path]
        if lv.options is not None:
            names = {repr(sorted(layer.items())): n for n, layer in lv.options}
            shown = "+".join(names.get(repr(sorted(layer.items())), "?") for layer in v) or "none"
        elif isinstance(v, list):  # a choice among lists (e.g. whole stacks): its index
            shown = f"choice {[plain(c) for c in lv.choices].index(v) + 1} of {len(lv.choices)}"
        elif isinstance(v, float):
            shown = f"{v:.3g}"
        else:
            shown = str(v)
        parts.append(f"{lv.path.split('.')[-1]}={shown}")
    return ", ".join(parts)


def worlds(uncertainties: tuple[Lever, ...], n: int, seed: int) -> list[dict[str, Any]]:
    """n worlds: a Latin hypercube over the uncertainties (one empty world when none)."""
    if not uncertainties:
        return [{}]
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(uncertainties), seed=np.random.default_rng(seed)).random(n)
    return [decode(uncertainties, row) for row in u]


def discrete(levers: tuple[Lever, ...]) -> np.ndarray:
    """Per gene, whether it is read as a category (a choice, the stack's length and layers)
    rather than a position on a numeric scale: what sim/design/operators.py varies by uniform
    crossover and redraws instead of stepping."""
    flags = [lv.choices is not None or lv.options is not None for lv in levers]
    return np.repeat(np.array(flags, dtype=bool), [lv.genes for lv in levers])
