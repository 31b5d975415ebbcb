"""Global sensitivity analysis of a sweep whose design was `sobol` or `morris`, via SALib.

Sobol: first-order (S1) and total-order (ST) variance-based indices with bootstrap CIs, using
the Saltelli (2002) / Jansen (1999) estimators of SALib's `sobol.analyze` (Saltelli et al.
2010, "Variance based sensitivity analysis of model output", CPC 181). Morris: elementary
effects screening, mu* with its bootstrap CI and sigma (Morris 1991; Campolongo et al. 2007).

Both estimators need the sample in SALib's order: Sobol in blocks of D+2 rows (A, AB_1..AB_D,
B; 2D+2 with second order), Morris in trajectories of D+1 rows. A design point whose runs all
failed (or did not record the metric) leaves a hole: the whole block or trajectory holding it
is dropped, and the result says how many were dropped, so one failed run costs one base
sample instead of the whole analysis. Replications of a point are averaged first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

RESAMPLES = 500


@dataclass(frozen=True)
class Indices:
    """A sensitivity table (one row per parameter) and what was dropped to make it."""

    table: pd.DataFrame
    method: str
    metric: str
    blocks_used: int
    blocks_dropped: int


def salib(problem: dict) -> dict:
    """Only the keys SALib reads (the store's problem carries options beside them)."""
    keys = ("num_vars", "names", "bounds", "groups", "dists", "outputs")
    return {k: problem[k] for k in keys if k in problem}


def complete_blocks(y: np.ndarray, size: int) -> np.ndarray:
    """Boolean mask over blocks of `size` consecutive rows with every value finite."""
    if y.size % size:
        raise ValueError(f"{y.size} design points are not a whole number of blocks of {size}")
    return np.isfinite(y.reshape(-1, size)).all(axis=1)


def sobol(
    problem: dict, y: np.ndarray, second_order: bool, metric: str = "", seed: int = 0
) -> Indices:
    """S1 and ST with CIs from outcomes `y` in the Saltelli sample order (NaN = missing).
    Table columns: parameter, S1, S1_lo, S1_hi, ST, ST_lo, ST_hi (CI = SALib's bootstrap
    confidence half-width around the estimate, level 95%)."""
    d = problem["num_vars"] if "groups" not in problem else len(set(problem["groups"]))
    size = 2 * d + 2 if second_order else d + 2
    y = np.asarray(y, dtype=float)
    keep = complete_blocks(y, size)
    if keep.sum() < 2:
        raise ValueError(f"only {int(keep.sum())} complete Sobol base samples (need at least 2)")
    yk = y.reshape(-1, size)[keep].ravel()
    si = sobol_analyze.analyze(
        salib(problem), yk, calc_second_order=second_order, num_resamples=RESAMPLES, seed=seed
    )
    groups = problem.get("groups")
    names = list(dict.fromkeys(groups)) if groups else problem["names"]
    table = pd.DataFrame({"parameter": names, "S1": si["S1"], "ST": si["ST"]})
    for k in ("S1", "ST"):
        table[f"{k}_lo"] = si[k] - si[f"{k}_conf"]
        table[f"{k}_hi"] = si[k] + si[f"{k}_conf"]
    cols = ["parameter", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]
    return Indices(table[cols], "sobol", metric, int(keep.sum()), int((~keep).sum()))


def morris(
    problem: dict, x: np.ndarray, y: np.ndarray, num_levels: int, metric: str = "", seed: int = 0
) -> Indices:
    """mu*, its CI and sigma from trajectories `x` (rows in sample order) and outcomes `y`.
    Table columns: parameter, mu, mu_star, mu_star_lo, mu_star_hi, sigma."""
    size = problem["num_vars"] + 1
    y = np.asarray(y, dtype=float)
    keep = complete_blocks(y, size)
    if keep.sum() < 2:
        raise ValueError(f"only {int(keep.sum())} complete Morris trajectories (need at least 2)")
    rows = np.repeat(keep, size)
    si = morris_analyze.analyze(
        salib(problem),
        np.asarray(x, dtype=float)[rows],
        y[rows],
        num_resamples=RESAMPLES,
        num_levels=num_levels,
        seed=seed,
    )
    table = pd.DataFrame(
        {
            "parameter": list(si["names"]),
            "mu": np.asarray(si["mu"], dtype=float),
            "mu_star": np.asarray(si["mu_star"], dtype=float),
            "sigma": np.asarray(si["sigma"], dtype=float),
        }
    )
    conf = np.asarray(si["mu_star_conf"], dtype=float)
    table.insert(3, "mu_star_lo", table["mu_star"] - conf)
    table.insert(4, "mu_star_hi", table["mu_star"] + conf)
    return Indices(table, "morris", metric, int(keep.sum()), int((~keep).sum()))


def point_means(runs: pd.DataFrame, outcome: pd.Series, point: str, n_points: int) -> np.ndarray:
    """Mean outcome per design point (replications averaged), indexed 0..n_points-1 in sample
    order; NaN where no run of the point has a finite value (failed or not recorded)."""
    y = pd.Series(outcome.to_numpy(dtype=float), index=runs[point].to_numpy())
    means = y[np.isfinite(y.to_numpy())].groupby(level=0).mean()
    return means.reindex(range(n_points)).to_numpy(dtype=float)
