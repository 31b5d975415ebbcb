"""Means and confidence intervals across replications, and paired comparisons on common
random numbers.

Intervals: by default the Student t interval, mean +/- t_{n-1, (1+level)/2} * s / sqrt(n), which
is exact for normal outcomes and close to nominal for the means of a few dozen replications of
bounded metrics. `method="bootstrap"` gives the percentile bootstrap (Efron & Tibshirani 1993,
ch. 13) with a seeded generator, for skewed metrics (counts of rare catastrophes). Every table
says which method made it (`method` column). A group of one replication has no interval (NaN).

Paired comparisons (the variance-reduction argument of common random numbers: Law 2015,
"Simulation Modeling and Analysis", sec. 11.2): runs that differ only in the compared factor
share their seed, so the per-pair difference cancels the shared noise; the CI is the t (or
bootstrap) interval of the mean difference. The unpaired Welch interval is reported beside it
so a reader sees how much the pairing bought.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

METHODS = ("t", "bootstrap")
BOOTSTRAP_RESAMPLES = 2000


def mean_ci(values, level: float = 0.95, method: str = "t", seed: int = 0) -> tuple:
    """(mean, lo, hi, n) of the finite entries of `values`."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if method not in METHODS:
        raise ValueError(f"unknown CI method {method!r} (allowed: {', '.join(METHODS)})")
    if x.size == 0:
        return (np.nan, np.nan, np.nan, 0)
    if x.size == 1:
        return (float(x[0]), np.nan, np.nan, 1)
    if method == "t":
        half = st.t.ppf((1 + level) / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
        return (float(x.mean()), float(x.mean() - half), float(x.mean() + half), int(x.size))
    lo, hi = _bootstrap(x, level, np.random.default_rng(seed))
    return (float(x.mean()), lo, hi, int(x.size))


def _bootstrap(x: np.ndarray, level: float, rng: np.random.Generator) -> tuple[float, float]:
    idx = rng.integers(0, x.size, size=(BOOTSTRAP_RESAMPLES, x.size))
    means = x[idx].mean(axis=1)
    a = (1 - level) / 2
    return float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


def aggregate(
    frame: pd.DataFrame,
    metrics: Sequence[str],
    by: Sequence[str] = (),
    level: float = 0.95,
    method: str = "t",
    seed: int = 0,
) -> pd.DataFrame:
    """Tidy mean and CI of each metric per group of `by` columns (e.g. `step` and an
    intervention): columns *by, metric, n, mean, sd, lo, hi, method, level."""
    if method == "bootstrap":
        return _aggregate_bootstrap(frame, metrics, list(by), level, seed)
    long = frame.melt(id_vars=list(by), value_vars=list(metrics), var_name="metric")
    long = long[np.isfinite(long["value"].to_numpy(dtype=float))]
    keys = [*by, "metric"]
    g = long.groupby(keys, sort=True, observed=True)["value"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    tq = st.t.ppf((1 + level) / 2, np.maximum(out["n"] - 1, 1))
    half = np.where(out["n"] > 1, tq * out["sd"] / np.sqrt(out["n"]), np.nan)
    out["lo"], out["hi"] = out["mean"] - half, out["mean"] + half
    return out.assign(method="t", level=level)


def _aggregate_bootstrap(frame, metrics, by, level, seed) -> pd.DataFrame:
    rows = []
    groups = frame.groupby(by, sort=True, observed=True) if by else [((), frame)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        for m in metrics:
            x = part[m].to_numpy(dtype=float)
            mean, lo, hi, n = mean_ci(x, level, "bootstrap", seed)
            sd = float(np.nanstd(x, ddof=1)) if n > 1 else np.nan
            if n:
                rows.append((*key, m, n, mean, sd, lo, hi))
    out = pd.DataFrame(rows, columns=[*by, "metric", "n", "mean", "sd", "lo", "hi"])
    return out.assign(method="bootstrap", level=level)


def paired_differences(
    frame: pd.DataFrame,
    metric: str,
    factor: str,
    control,
    keys: Sequence[str],
    level: float = 0.95,
    method: str = "t",
) -> pd.DataFrame:
    """Each level of `factor` against `control` on `metric`, pairing runs equal in `keys`
    (the seed and every other design column: common random numbers). Columns: factor,
    level, control, metric, n_pairs, diff, lo, hi, unpaired_lo, unpaired_hi, method."""
    base = frame[frame[factor] == control].set_index(list(keys))[metric]
    if base.index.has_duplicates:
        raise ValueError(f"runs are not unique on {list(keys)}: cannot pair them")
    rows = []
    for lvl in pd.unique(frame[factor].dropna()):
        if lvl == control:
            continue
        treat = frame[frame[factor] == lvl].set_index(list(keys))[metric]
        both = pd.concat([treat.rename("t"), base.rename("c")], axis=1, join="inner").dropna()
        d, lo, hi, n = mean_ci(both["t"] - both["c"], level, method)
        ulo, uhi = welch_ci(treat.dropna(), base.dropna(), level)
        rows.append((factor, lvl, control, metric, n, d, lo, hi, ulo, uhi))
    cols = ["factor", "level", "control", "metric", "n_pairs", "diff", "lo", "hi"]
    return pd.DataFrame(rows, columns=[*cols, "unpaired_lo", "unpaired_hi"]).assign(
        method=method, level_ci=level
    )


def welch_ci(a, b, level: float = 0.95) -> tuple[float, float]:
    """Welch's t interval for mean(a) - mean(b) of two independent samples."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        return (np.nan, np.nan)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = np.sqrt(va + vb)
    if se == 0:
        d = a.mean() - b.mean()
        return (float(d), float(d))
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = st.t.ppf((1 + level) / 2, df) * se
    d = a.mean() - b.mean()
    return (float(d - half), float(d + half))
