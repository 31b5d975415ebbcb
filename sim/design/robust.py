"""Robustness of a design across worlds (issue 15): how a design's per-world outcomes become the
numbers the search minimizes. Definitions follow McPhail, Maier, Kwakkel, Giuliani,
Castelletti & Westra 2018, "Robustness metrics: how are they calculated, when should they be
used and why do they give different results?", Earth's Future 6:169:

- `mean`: the mean over worlds (Laplace's principle of insufficient reason);
- `percentile` q: the bad-side q-th percentile over worlds (q = 90: the value that 90% of worlds
  do at least as well as);
- `regret`: the maximum over worlds of the gap between the design's outcome and the best outcome
  any evaluated design reaches in that world (Savage 1951, minimax regret);
- `satisficing`: the share of worlds in which every objective meets its threshold (Simon 1956;
  Starr 1962's domain criterion), to be maximized.

Values are oriented so that smaller is better (`badness`: a maximized objective negated); the
search minimizes each robust value, and reports present them back in the metric's own sense.
"""

from __future__ import annotations

import warnings

import numpy as np


def badness(values: np.ndarray, senses: list[str]) -> np.ndarray:
    """values[..., j] oriented so that smaller is better (a maximized objective negated)."""
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    return values * sign


def robust(
    bad: np.ndarray,
    kind: str,
    q: float | None = None,
    best: np.ndarray | None = None,
    thresholds: np.ndarray | None = None,
) -> np.ndarray:
    """Robust values (smaller is better) of designs x worlds x objectives `bad`: one per design
    and objective (`satisficing`: one per design, minus the share of worlds that satisfy).
    `best` (worlds x objectives) is the best badness per world for `regret`; `thresholds`
    (objectives, oriented as `bad`) the satisficing thresholds. A design whose metric is NaN in
    every world (a metric its configuration does not produce) gets NaN, which the search treats
    as infeasible; numpy's all-NaN warning is not shown to the user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        return _robust(bad, kind, q, best, thresholds)


def _robust(bad, kind, q, best, thresholds) -> np.ndarray:
    if kind == "mean":
        return np.nanmean(bad, axis=1)
    if kind == "percentile":
        return np.nanpercentile(bad, q, axis=1)
    if kind == "regret":
        return np.nanmax(bad - best[None], axis=1)
    if kind == "satisficing":
        ok = np.all(bad <= thresholds[None, None], axis=2)
        return -ok.mean(axis=1, keepdims=True)
    raise ValueError(f"unknown robustness {kind!r}")


def best_per_world(bad: np.ndarray) -> np.ndarray:
    """The best (smallest) badness per world and objective over designs (NaN-aware)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        return np.nanmin(bad, axis=0)


def nondominated(f: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """Indices of the feasible rows of f (minimized) that no other feasible row dominates."""
    idx = np.flatnonzero(feasible & np.all(np.isfinite(f), axis=1))
    keep = []
    for i in idx:
        others = f[idx]
        dominated = np.any(np.all(others <= f[i], axis=1) & np.any(others < f[i], axis=1))
        if not dominated:
            keep.append(i)
    return np.array(keep, dtype=int)
