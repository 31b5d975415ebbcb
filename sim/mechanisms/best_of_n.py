"""Best-of-n selection by a proxy score (Gao, Schulman & Hilton 2022, sec. 2; Stiennon et al.
2020, app. G.3).

Draw n proposals i.i.d. from a base distribution pi_0, score each by a proxy, keep the best.
For a continuous score the selected proposal's law has density n F(x)^(n-1) relative to pi_0,
so KL(pi_bon || pi_0) = log n - (n - 1)/n nats: optimization pressure measured in nats.

Alignment failure: the optimizer of proxy optimization (Goodhart). Selection by a proxy
moves the chosen option away from the base by a measurable amount of optimization.
"""

from __future__ import annotations

import math

import numpy as np


def kl_best_of_n(n: int) -> float:
    """Analytic KL of best-of-n selection from its base distribution (continuous scores)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    return math.log(n) - (n - 1) / n


def select_batch(scores: np.ndarray) -> np.ndarray:
    """Best-of-n along the last axis: scores (..., n) -> index of the best proposal (...).
    Ties, which have probability 0 for continuous scores, go to the first."""
    return np.argmax(scores, axis=-1)


def select(scores: np.ndarray) -> int:
    """Index of the best of one set of proposals by proxy score (what a politician calls)."""
    return int(select_batch(np.asarray(scores)))


def best_in_groups(scores: np.ndarray, n: int) -> np.ndarray:
    """Flat indices of the winners of best-of-n over consecutive disjoint groups of n proposals
    (an unbiased estimator of best-of-n from one large sample; len(scores) divisible by n)."""
    groups = np.asarray(scores).reshape(-1, n)
    return np.arange(groups.shape[0]) * n + select_batch(groups)


def kl_samples(cdf_selected: np.ndarray, n: int) -> np.ndarray:
    """Per-selection log density ratio log(n F^(n-1)) of the selected proposals, from the base
    distribution's CDF F at each selected score; their mean estimates the KL."""
    u = np.clip(np.asarray(cdf_selected, dtype=float), 1e-300, 1.0)
    return math.log(n) + (n - 1) * np.log(u)


def empirical_kl(cdf_selected: np.ndarray, n: int) -> float:
    """Monte Carlo KL estimate from the base-distribution CDF values F(x_sel) of selected
    proposals: mean of log(n F^(n-1)). Used by anchor A1 to measure the mechanism."""
    return float(np.mean(kl_samples(cdf_selected, n)))
