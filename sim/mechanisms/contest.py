"""Rent-seeking as a lottery contest (Tullock 1980, "Efficient Rent Seeking", in Buchanan,
Tollison & Tullock (eds.), *Toward a Theory of the Rent-Seeking Society*, Texas A&M UP;
the reservation term follows Amegashie 2006, "A contest success function with a tractable
noise parameter", Public Choice 126).

Alignment failure: *the prize goes to the highest bidder*. Groups compete with money for
the same prize (an official's or an overseer's loyalty); whoever pays most is most likely to
win it, and the prize's own objective does not enter.

With bids x_i >= 0 and a reservation price k >= 0 (what the prize's holder would lose by
selling: the money at which a lone bidder wins with probability 1/2), group i wins with
probability

    p_i = x_i / (sum_j x_j + k),

and with probability k / (sum_j x_j + k) nobody wins (k = 0 and no bids: nobody wins).

Known answer (tested): in the symmetric n-player contest for a prize V with k = 0 and linear
costs, the Nash equilibrium bid is x* = (n - 1) V / n^2. `best_response` finds a bidder's
payoff-maximizing bid numerically (golden-section search on V p_i(x) - x, which is concave
in x), and `equilibrium` iterates best responses; the test compares the fixed point with the
closed form, which the mechanism never evaluates.
"""

from __future__ import annotations

import numpy as np

GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def win_probabilities(bids: np.ndarray, k: float) -> np.ndarray:
    """p_i = x_i / (sum x + k); all zeros when nobody bids and k = 0."""
    bids = np.asarray(bids, dtype=float)
    total = bids.sum() + k
    return bids / total if total > 0 else np.zeros_like(bids)


def payoff(x: float, others: np.ndarray, value: float, k: float) -> float:
    """A bidder's expected payoff V p(x) - x against the others' bids."""
    p = win_probabilities(np.append(others, x), k)[-1]
    return float(value * p - x)


def best_response(others: np.ndarray, value: float, k: float, tol: float = 1e-10) -> float:
    """The payoff-maximizing bid in [0, value] (golden-section search: the payoff is concave)."""
    lo, hi = 0.0, float(value)
    a, b = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
    fa, fb = payoff(a, others, value, k), payoff(b, others, value, k)
    while hi - lo > tol:
        if fa < fb:
            lo, a, fa = a, b, fb
            b = lo + GOLDEN * (hi - lo)
            fb = payoff(b, others, value, k)
        else:
            hi, b, fb = b, a, fa
            a = hi - GOLDEN * (hi - lo)
            fa = payoff(a, others, value, k)
    return (lo + hi) / 2.0


def equilibrium(n: int, value: float, k: float = 0.0, sweeps: int = 200) -> np.ndarray:
    """Bids after iterated (Gauss-Seidel) best responses from value / n each."""
    bids = np.full(n, value / n)
    for _ in range(sweeps):
        before = bids.copy()
        for i in range(n):
            bids[i] = best_response(np.delete(bids, i), value, k)
        if np.max(np.abs(bids - before)) < 1e-9:
            break
    return bids
