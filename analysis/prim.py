"""Scenario discovery with PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999,
"Bump hunting in high-dimensional data", Statistics and Computing 9; used for scenario
discovery by Bryant & Lempert 2010, Technological Forecasting & Social Change 77).

Given the varied inputs X of a sweep and a boolean outcome of interest y (catastrophes > 0,
welfare below baseline...), PRIM peels: at each step it removes the slice of at most `alpha`
of the points still in the box, on the one side of the one input whose removal leaves the
highest share of interesting cases (density) inside. A categorical input (the interventions,
an alignment kind) is peeled one level at a time, as EMA Workbench's `prim` does, so the
oversight stack or the scenario can bound a box like any parameter. The sequence of boxes is
the peeling trajectory; each box has a coverage (share of all interesting cases it holds), a
density and a mass (share of all runs). Peeling stops below `min_mass`. Pasting is not
implemented. Coverage never rises along the trajectory (each box lies inside the one before),
so the trajectory is the coverage-density trade-off a user picks a box from (Bryant & Lempert
2010, fig. 3); `box_limits(i)` gives a box's range on every input within the input's full
range, with the quasi-p-value of each restriction (Bryant & Lempert 2010, sec. 3.3; as EMA
Workbench's `prim` computes it): the one-sided binomial p of seeing the box's cases among its
runs if the restriction were dropped, so a restriction with a large quasi-p is probably noise.

The box reported by default maximises F1, the harmonic mean of coverage and density (the box
read as a classifier of the interesting runs): peeling further buys density by dropping noise
at the edges and loses coverage, so the F1 box stops near the true boundary; a caller can ask
instead for the largest box reaching a density threshold. Boxes print as plain rules:
"audit_budget <= 0.03 and drift_rate >= 0.1".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Box:
    """Inclusive bounds per numeric input and the levels kept per categorical input; an
    input is restricted when its bound is inside the data (or a level is dropped)."""

    lower: dict[str, float]
    upper: dict[str, float]
    coverage: float
    density: float
    mass: float
    n: int
    kept: dict[str, tuple] = field(default_factory=dict)  # categorical input -> levels

    def restricted(self, data_min: dict, data_max: dict) -> dict[str, tuple]:
        """Numeric inputs whose bounds are inside the data: (lower or None, upper or None)."""
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
    x: pd.DataFrame | None = field(default=None, repr=False)  # the inputs peeled
    y: np.ndarray | None = field(default=None, repr=False)  # the outcome of interest
    categories: dict[str, tuple] = field(default_factory=dict)  # categorical input -> levels

    def trajectory(self) -> pd.DataFrame:
        """One row per peeling step: step, coverage, density, mass, n, restricted, rule."""
        rows = [
            (i, b.coverage, b.density, b.mass, b.n, len(self.limits(b)), self.rule(b))
            for i, b in enumerate(self.boxes)
        ]
        cols = ["step", "coverage", "density", "mass", "n", "restricted", "rule"]
        return pd.DataFrame(rows, columns=cols)

    def limits(self, box: Box) -> dict[str, tuple | frozenset]:
        """The box's restrictions: (lower or None, upper or None) of a numeric input, the
        frozenset of levels kept of a categorical one."""
        out: dict[str, tuple | frozenset] = dict(box.restricted(self.data_min, self.data_max))
        dropped = {k: v for k, v in box.kept.items() if len(v) < len(self.categories[k])}
        return out | {k: frozenset(v) for k, v in dropped.items()}

    def box_limits(self, i: int) -> pd.DataFrame:
        """Box `i` input by input: input, lower, upper (the box), min, max (the data; NaN for
        a categorical input), kept and levels (a categorical input's levels in the box and in
        the data), restricted, quasi_p (of each restriction; NaN when unrestricted)."""
        box, cut = self.boxes[i], self.limits(self.boxes[i])
        rows = [
            (k, box.lower.get(k, np.nan), box.upper.get(k, np.nan), self.data_min.get(k, np.nan),
             self.data_max.get(k, np.nan), box.kept.get(k), self.categories.get(k), k in cut,
             self.quasi_p(i, k) if k in cut else np.nan)
            for k in (self.x.columns if self.x is not None else box.lower)
        ]  # fmt: skip
        cols = ["input", "lower", "upper", "min", "max", "kept", "levels", "restricted"]
        return pd.DataFrame(rows, columns=[*cols, "quasi_p"])

    def quasi_p(self, i: int, name: str) -> float:
        """One-sided binomial p-value of box `i`'s cases among its runs, at the density of
        the box with the restriction on `name` dropped (Bryant & Lempert 2010, sec. 3.3)."""
        if self.x is None or self.y is None:
            return np.nan
        box = self.boxes[i]
        lower, upper = dict(box.lower), dict(box.upper)
        kept = dict(box.kept)
        if name in kept:
            kept[name] = self.categories[name]
        else:
            lower[name], upper[name] = self.data_min[name], self.data_max[name]
        p = float(self.y[_inside(self.x, lower, upper, kept)].mean())
        hits = round(box.density * box.n)
        return float(stats.binomtest(hits, box.n, p, alternative="greater").pvalue)

    def rule(self, box: Box, names: dict[str, str] | None = None) -> str:
        """The box as a plain rule; `names` maps input columns to display names."""
        names = names or {}
        parts = [_clause(names.get(k, k), lim) for k, lim in self.limits(box).items()]
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


def _clause(name: str, lim: tuple | frozenset) -> str:
    if isinstance(lim, frozenset):
        kept = sorted(map(str, lim))
        return f"{name} = {kept[0]}" if len(kept) == 1 else f"{name} in {{{', '.join(kept)}}}"
    lo, hi = lim
    if lo is not None and hi is not None:
        return f"{lo:.3g} <= {name} <= {hi:.3g}"
    return f"{name} >= {lo:.3g}" if lo is not None else f"{name} <= {hi:.3g}"


def categorical(col: pd.Series) -> bool:
    """Whether PRIM peels `col` level by level (text, categories, booleans)."""
    return not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)


@dataclass
class _State:
    """The box being peeled: numeric bounds, the level codes kept per categorical input."""

    lower: np.ndarray
    upper: np.ndarray
    kept: list[set]
    inside: np.ndarray


def peel(x: pd.DataFrame, y, alpha: float = 0.05, min_mass: float = 0.05) -> PrimResult:
    """The PRIM peeling trajectory of inputs `x` (one column per input: numeric, or
    categorical, see `categorical`) for the boolean outcome `y`."""
    yv = np.asarray(y, dtype=bool)
    if x.shape[0] != yv.shape[0] or x.shape[0] == 0:
        raise ValueError("PRIM needs one outcome per run and at least one run")
    if not yv.any():
        raise ValueError("no run has the outcome of interest: nothing to find")
    nums = [c for c in x.columns if not categorical(x[c])]
    cats = {c: tuple(pd.unique(x[c])) for c in x.columns if categorical(x[c])}
    xv = x[nums].to_numpy(dtype=float)
    codes = np.column_stack([x[c].map({v: i for i, v in enumerate(cats[c])}) for c in cats]
                            or [np.zeros(len(yv), dtype=int)]).astype(int)  # fmt: skip
    st = _State(xv.min(axis=0), xv.max(axis=0), [set(range(len(v))) for v in cats.values()],
                np.ones(len(yv), dtype=bool))  # fmt: skip
    boxes = [_box(nums, cats, st, yv)]
    min_n = max(1, int(np.ceil(min_mass * len(yv))))
    while (move := _best_peel(xv, codes, yv, st, alpha, min_n)) is not None:
        st = _apply(st, move)
        boxes.append(_box(nums, cats, st, yv))
    dmin = dict(zip(nums, xv.min(axis=0).tolist(), strict=True))
    dmax = dict(zip(nums, xv.max(axis=0).tolist(), strict=True))
    return PrimResult(boxes, dmin, dmax, int(yv.sum()), x.copy(), yv, cats)


def _apply(st: _State, move: tuple) -> _State:
    """The box after one peel: a new numeric bound, or one level code fewer."""
    kind, j, what, keep = move
    lower, upper, kept = st.lower.copy(), st.upper.copy(), [set(k) for k in st.kept]
    if kind == "cat":
        kept[j].discard(what)
    else:
        (lower if kind == "low" else upper)[j] = what
    return _State(lower, upper, kept, keep)


def _inside(x: pd.DataFrame, lower: dict, upper: dict, kept: dict) -> np.ndarray:
    """Which rows of `x` lie in the box (inclusive bounds, kept levels)."""
    keep = np.ones(len(x), dtype=bool)
    for k in x.columns:
        if k in kept:
            keep &= x[k].isin(list(kept[k])).to_numpy()
        else:
            v = x[k].to_numpy(dtype=float)
            keep &= (v >= lower[k]) & (v <= upper[k])
    return keep


def _box(nums: list, cats: dict, st: _State, y) -> Box:
    kept = {c: tuple(v for i, v in enumerate(lv) if i in st.kept[j])
            for j, (c, lv) in enumerate(cats.items())}  # fmt: skip
    return Box(
        dict(zip(nums, st.lower.tolist(), strict=True)),
        dict(zip(nums, st.upper.tolist(), strict=True)),
        coverage=float(y[st.inside].sum() / y.sum()),
        density=float(y[st.inside].mean()),
        mass=float(st.inside.mean()),
        n=int(st.inside.sum()),
        kept=kept,
    )


def _moves(x, codes, st: _State, alpha):
    """Every candidate peel: (kind, input, new bound or dropped level, new inside mask)."""
    for j in range(x.shape[1]):
        for side in ("low", "high"):
            cand = _candidate(x[:, j], st.inside, alpha, side)
            if cand is not None:
                yield (side, j, *cand)
    for j in range(len(st.kept)):
        present = np.unique(codes[st.inside, j])
        for c in present if present.size > 1 else ():
            yield ("cat", j, int(c), st.inside & (codes[:, j] != c))


def _best_peel(x, codes, y, st: _State, alpha, min_n):
    """The peel leaving the highest density; ties go to the peel that removes fewer runs.
    None when no peel keeps `min_n` runs."""
    best, best_key = None, None
    for move in _moves(x, codes, st, alpha):
        keep = move[-1]
        if keep.sum() < min_n:
            continue
        key = (y[keep].mean(), keep.sum())
        if best_key is None or key > best_key:
            best, best_key = move, key
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
