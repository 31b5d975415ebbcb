"""The anchor registry behind `instalign validate`.

An anchor is a published result (a closed form or a number from the literature, listed in
`shared/ANCHORS.md`) that the simulator must reproduce by running its own mechanism, never by
re-evaluating the formula under test. An anchor function takes a seed and returns one or more
`Check` rows (expected, measured, tolerance, verdict). Monte Carlo checks use 3 standard
errors; closed forms 1e-3 relative unless stated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Check:
    label: str  # what is compared, e.g. "n=16"
    expected: float | str
    measured: float | str
    tolerance: str  # e.g. "3 SE (0.004)" or "rel 1e-3" or "sign"
    passed: bool

    def row(self, anchor: Anchor) -> dict:
        return {"anchor": anchor.id, "title": anchor.title, "source": anchor.source, **asdict(self)}


@dataclass(frozen=True)
class Anchor:
    id: str
    title: str
    source: str
    fn: Callable[[int], list[Check]]
    seed: int = 20221019

    def run(self, seed: int | None = None) -> list[Check]:
        return self.fn(self.seed if seed is None else seed)


ANCHORS: dict[str, Anchor] = {}


def anchor(id: str, title: str, source: str, seed: int = 20221019):
    """Register an anchor function `fn(seed) -> list[Check]`."""

    def wrap(fn: Callable[[int], list[Check]]) -> Callable[[int], list[Check]]:
        if id in ANCHORS:
            raise ValueError(f"anchor {id} registered twice")
        ANCHORS[id] = Anchor(id, title, source, fn, seed)
        return fn

    return wrap


def rng_for(seed: int, *key: int) -> np.random.Generator:
    """An independent stream for one part of an anchor (SeedSequence spawn keys)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(key)))


def within_se(label: str, measured: float, expected: float, se: float, k: float = 3.0) -> Check:
    """Monte Carlo check: |measured - expected| <= k standard errors."""
    ok = math.isfinite(measured) and abs(measured - expected) <= k * se
    return Check(label, expected, measured, f"{k:g} SE ({k * se:.3g})", bool(ok))


def within_rel(label: str, measured: float, expected: float, rel: float = 1e-3) -> Check:
    """Closed-form check: relative error <= rel."""
    ok = math.isfinite(measured) and abs(measured - expected) <= rel * max(abs(expected), 1e-12)
    return Check(label, expected, measured, f"rel {rel:g}", bool(ok))


def within_abs(label: str, measured: float, expected: float, tol: float) -> Check:
    ok = math.isfinite(measured) and abs(measured - expected) <= tol
    return Check(label, expected, measured, f"abs {tol:g}", bool(ok))


def holds(label: str, condition: bool, expected: str, measured: str) -> Check:
    """A sign, ordering or monotonicity check."""
    return Check(label, expected, measured, "sign/order", bool(condition))
