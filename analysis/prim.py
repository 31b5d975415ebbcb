"""Scenario discovery with PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999,
"Bump hunting in high-dimensional data", Statistics and Computing 9; used for scenario
discovery by Bryant & Lempert 2010, Technological Forecasting & Social Change 77).

Given the varied inputs X of a sweep and a boolean outcome of interest y (catastrophes > 0,
welfare below baseline...), PRIM peels: at each step it removes the slice of at most `alpha`
of the points still in the box, on the one side of the one input whose removal leaves the
highest share of interesting cases (density) inside. The sequence of boxes is the peeling
trajectory; each box has a coverage (share of all interesting cases it holds), a density and
a mass (share of all runs). Peeling stops below `min_mass`. Pasting is not implemented.

The box reported by default maximises F1, the harmonic mean of coverage and density (the box
read as a classifier of the interesting runs): peeling further buys density by dropping noise
at the edges and loses coverage, so the F1 box stops near the true boundary; a caller can ask
instead for the largest box reaching a density threshold. Boxes print as plain rules:
"audit_budget <= 0.03 and drift_rate >= 0.1".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Box:
    """Inclusive bounds per input; an input is restricted when its bound is inside the data."""

    lower: dict[str, float]
    upper: dict[str, float]
    coverage: float
    density: float
    mass: float
    n: int

    def restricted(self, data_min: dict, data_max: dict) -> dict[str, tuple]:
        out = {}
        for k in self.lower:
            lo = self.lower[k] if self.lower[k] > data_min[k] else None
            hi = self.upper[k] if self.upper[k] < data_max[k] else None
            if lo is not None or hi is not None:
                out[k] = (lo, hi)
        return out


@dataclass(frozen=True)
class PrimResult:
    boxes: list[Box]  # the peeling trajectory, from the whole space inwards
    data_min: dict[str, float]
    data_max: dict[str, float]
    n_interesting: int

    def trajectory(self) -> pd.DataFrame:
        """One row per peeling step: step, coverage, density, mass, n, restricted, rule."""
        rows = [
            (i, b.coverage, b.density, b.mass, b.n, len(self.limits(b)), self.rule(b))
            for i, b in enumerate(self.boxes)
        ]
        cols = ["step", "coverage", "density", "mass", "n", "restricted", "rule"]
        return pd.DataFrame(rows, columns=cols)

    def limits(self, box: Box) -> dict[str, tuple]:
        return box.restricted(self.data_min, self.data_max)

    def rule(self, box: Box, names: dict[str, str] | None = None) -> str:
        """The box as a plain rule; `names` maps input columns to display names."""
        names = names or {}
        parts = [_clause(names.get(k, k), lo, hi) for k, (lo, hi) in self.limits(box).items()]
        return " and ".join(parts) if parts else "(whole space)"

    def select(self, min_density: float | None = None) -> int:
        """Index of the reported box: the largest box with density >= `min_density` when it
        is given, else the box with the best F1 score (harmonic mean of coverage and density:
        the box as a classifier of the interesting runs)."""
        dens = np.array([b.density for b in self.boxes])
        if min_density is not None:
            ok = np.flatnonzero(dens >= min_density)
            return int(ok.min()) if ok.size else int(np.argmax(dens))
        cov = np.array([b.coverage for b in self.boxes])
        return int(np.argmax(2 * cov * dens / np.maximum(cov + dens, 1e-12)))


def _clause(name: str, lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:.3g} <= {name} <= {hi:.3g}"
    return f"{name} >= {lo:.3g}" if lo is not None else f"{name} <= {hi:.3g}"


def peel(x: pd.DataFrame, y, alpha: float = 0.05, min_mass: float = 0.05) -> PrimResult:
    """The PRIM peeling trajectory of numeric inputs `x` (one column per input) for the
    boolean outcome `y`."""
    xv = x.to_numpy(dtype=float)
    yv = np.asarray(y, dtype=bool)
    if xv.shape[0] != yv.shape[0] or xv.shape[0] == 0:
        raise ValueError("PRIM needs one outcome per run and at least one run")
    if not yv.any():
        raise ValueError("no run has the outcome of interest: nothing to find")
    cols = list(x.columns)
    lower, upper = xv.min(axis=0), xv.max(axis=0)
    inside = np.ones(len(yv), dtype=bool)
    boxes = [_box(cols, lower, upper, inside, yv)]
    min_n = max(1, int(np.ceil(min_mass * len(yv))))
    while True:
        step = _best_peel(xv, yv, inside, alpha, min_n)
        if step is None:
            break
        j, side, cut, inside = step
        lower, upper = lower.copy(), upper.copy()
        (lower if side == "low" else upper)[j] = cut
        boxes.append(_box(cols, lower, upper, inside, yv))
    dmin = dict(zip(cols, xv.min(axis=0).tolist(), strict=True))
    dmax = dict(zip(cols, xv.max(axis=0).tolist(), strict=True))
    return PrimResult(boxes, dmin, dmax, int(yv.sum()))


def _box(cols, lower, upper, inside, y) -> Box:
    return Box(
        dict(zip(cols, lower.tolist(), strict=True)),
        dict(zip(cols, upper.tolist(), strict=True)),
        coverage=float(y[inside].sum() / y.sum()),
        density=float(y[inside].mean()),
        mass=float(inside.mean()),
        n=int(inside.sum()),
    )


def _best_peel(x, y, inside, alpha, min_n):
    """(input, side, new bound, new inside mask) of the peel leaving the highest density;
    ties go to the peel that removes fewer runs. None when no peel keeps `min_n` runs."""
    best, best_key = None, None
    for j in range(x.shape[1]):
        for side in ("low", "high"):
            cand = _candidate(x[:, j], inside, alpha, side)
            if cand is None:
                continue
            cut, keep = cand
            if keep.sum() < min_n:
                continue
            key = (y[keep].mean(), keep.sum())
            if best_key is None or key > best_key:
                best, best_key = (j, side, cut, keep), key
    return best


def _candidate(col, inside, alpha, side):
    """Peel at most an `alpha` share (at least one distinct value) off one side of `col`."""
    vals = col[inside]
    levels = np.unique(vals)
    if levels.size < 2:
        return None
    q = np.quantile(vals, alpha if side == "low" else 1 - alpha)
    if side == "low":
        i = np.searchsorted(levels, q, side="right") if q > levels[0] else 1
        cut = levels[min(i, levels.size - 1)]
        keep = inside & (col >= cut)
    else:
        i = np.searchsorted(levels, q, side="left") - 1 if q < levels[-1] else levels.size - 2
        cut = levels[max(i, 0)]
        keep = inside & (col <= cut)
    return (float(cut), keep) if keep.any() else None
