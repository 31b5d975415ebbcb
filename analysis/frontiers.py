"""Trade-off frontiers across the designs of a sweep.

- The Goodhart frontier: approval (the proxy voters report) against welfare (what they
  actually get). Designs on its upper-right edge cannot raise one without losing the other;
  a frontier that bends down means optimisation pressure on approval costs welfare
  (Goodhart 1975; Manheim & Garrabrant 2018, "Categorizing variants of Goodhart's law").
- The Pareto front of oversight designs: safety against usefulness and against oversight
  cost (Greenblatt et al. 2024, "AI control", plot safety against usefulness per protocol).

`pareto_mask` is the plain non-dominance test: a point is on the front when no other point is
at least as good on every objective and strictly better on one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.stats import aggregate


def pareto_mask(values: np.ndarray, maximize: Sequence[bool]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of `values` (n x k); NaN rows are never on it."""
    v = np.asarray(values, dtype=float) * np.where(maximize, 1.0, -1.0)
    ok = np.isfinite(v).all(axis=1)
    mask = np.zeros(len(v), dtype=bool)
    idx = np.flatnonzero(ok)
    pts = v[idx]
    for i, p in zip(idx, pts, strict=True):
        dominated = (pts >= p).all(axis=1) & (pts > p).any(axis=1)
        mask[i] = not dominated.any()
    return mask


def design_means(
    summary: pd.DataFrame, design_cols: Sequence[str], metrics: Sequence[str]
) -> pd.DataFrame:
    """Mean and t CI of each metric per design point (replications pooled), wide: one row per
    point with `<metric>`, `<metric>_lo`, `<metric>_hi` and `n`."""
    cols = list(design_cols)
    tidy = aggregate(summary, metrics, by=cols)
    wide = tidy.pivot_table(index=cols, columns="metric", values=["mean", "lo", "hi"])
    out = pd.DataFrame(index=wide.index)
    for m in metrics:
        out[m] = wide[("mean", m)] if ("mean", m) in wide else np.nan
        out[f"{m}_lo"] = wide[("lo", m)] if ("lo", m) in wide else np.nan
        out[f"{m}_hi"] = wide[("hi", m)] if ("hi", m) in wide else np.nan
    n = tidy.groupby(cols, observed=True)["n"].min()
    return out.join(n.rename("n")).reset_index()


def frontier(
    points: pd.DataFrame, x: str, y: str, maximize_x: bool = True, maximize_y: bool = True
) -> pd.DataFrame:
    """`points` with an `on_front` column, sorted by `x` (the front drawn as a line)."""
    mask = pareto_mask(points[[x, y]].to_numpy(), [maximize_x, maximize_y])
    return points.assign(on_front=mask).sort_values(x, kind="stable").reset_index(drop=True)
