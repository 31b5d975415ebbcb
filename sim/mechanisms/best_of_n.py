"""Best-of-n selection by a proxy score (Gao, Schulman & Hilton 2022, sec. 2; Stiennon et al.
2020, app. G.3).

Draw n proposals i.i.d. from a base distribution pi_0, score each by a proxy, keep the best.
For a continuous score the selected proposal's law has density n F(x)^(n-1) relative to pi_0,
so KL(pi_bon || pi_0) = log n - (n - 1)/n nats: optimization pressure measured in nats.
"""

from __future__ import annotations

import math

import numpy as np


def kl_best_of_n(n: int) -> float:
    """Analytic KL of best-of-n selection from its base distribution (continuous scores)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    return math.log(n) - (n - 1) / n


def select(scores: np.ndarray) -> int:
    """Index of the best proposal by proxy score (ties, which have probability 0 for continuous
    scores, go to the first)."""
    return int(np.argmax(scores))


def empirical_kl(selected_ranks: np.ndarray, n: int) -> float:
    """Monte Carlo KL estimate from the base-distribution CDF values F(x_sel) of selected
    proposals: mean of log(n F^(n-1)). Used by anchor A1 to measure the mechanism."""
    u = np.clip(np.asarray(selected_ranks, dtype=float), 1e-300, 1.0)
    return float(np.mean(math.log(n) + (n - 1) * np.log(u)))
