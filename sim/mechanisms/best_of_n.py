"""Best-of-n selection by a proxy score, and how far it moves the choice from its base
(Gao, Schulman & Hilton 2022, sec. 2; Stiennon et al. 2020, app. G.3; Beirami et al. 2024).

Draw n proposals i.i.d. from a base distribution pi_0, score each by a proxy, keep the best.
The selected proposal's law has density ratio w(x) = n P(x wins) relative to pi_0, where x
wins against n - 1 fresh base proposals, each proposal with its own scorer noise, ties split
uniformly (Beirami, Agarwal, Berant, D'Amour, Eisenstein, Nagpal & Suresh 2024, "Theoretical
guarantees on the best-of-n alignment policy", arXiv:2401.01879, sec. 2). So
KL(pi_bon || pi_0) = E_{x ~ pi_bon}[log w(x)]: optimization pressure measured in nats.

For a noiseless continuous score w = n F^(n-1) and the KL is log n - (n - 1)/n. That value is
an upper bound in general (Beirami et al. 2024, sec. 3): ties and atoms (identical proposals,
clipped efforts) and a noisy scorer (by data processing: the choice depends on x only
through its noisy score) all lower the real KL. `kl_bound` returns the bound;
`log_density_ratio` measures w from what a run did (a realized choice, a fresh base pool).

Alignment failure: the optimizer of proxy optimization (Goodhart). Selection by a proxy
moves the chosen option away from the base by a measurable amount of optimization.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

RESCORES = 32  # R: fresh scores of the selected proposal per estimate
POOL_FACTOR, MIN_POOL = 4, 256  # M = max(MIN_POOL, POOL_FACTOR n) fresh base proposals
_NODES, _WEIGHTS = hermegauss(32)  # Gauss-Hermite rule for E[g(mu + sd Z)], Z ~ N(0, 1)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
_TINY = np.finfo(float).tiny


def kl_bound(n: int) -> float:
    """log n - (n-1)/n: the KL of best-of-n from its base for noiseless continuous scores,
    an upper bound on it otherwise (Beirami et al. 2024, sec. 3)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    return math.log(n) - (n - 1) / n


def select_batch(scores: np.ndarray) -> np.ndarray:
    """Best-of-n along the last axis: scores (..., n) -> index of the best proposal (...).
    Ties go to the first: the base is exchangeable, so this splits them uniformly in law."""
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
    distribution's CDF F at each selected score, when F is known and continuous and the score
    noiseless; their mean estimates the KL."""
    u = np.clip(np.asarray(cdf_selected, dtype=float), 1e-300, 1.0)
    return math.log(n) + (n - 1) * np.log(u)


def empirical_kl(cdf_selected: np.ndarray, n: int) -> float:
    """Monte Carlo KL from known-CDF values F(x_sel) of selected proposals: mean of
    log(n F^(n-1)) (see `kl_samples`)."""
    return float(np.mean(kl_samples(cdf_selected, n)))


def pool_size(n: int) -> int:
    """Fresh base proposals per estimate: enough that the pool's CDF resolves the top 1/n."""
    return max(MIN_POOL, POOL_FACTOR * n)


def win_probability(scores: np.ndarray, pool: np.ndarray, n: int) -> np.ndarray:
    """P(a proposal scoring t beats n - 1 fresh base proposals, ties split uniformly) =
    ((a + b)^n - a^n) / (n b), a = P(s < t), b = P(s = t), read off the empirical law of the
    pool's scores; a^(n-1) when b = 0. scores (..., K); pool (M,) shared or (..., M), one
    pool per row. An empty lower tail (a = 0, b = 0) counts as half a pool point."""
    pool = np.sort(pool, axis=-1)
    m = pool.shape[-1]
    if pool.ndim == 1:
        lo = np.searchsorted(pool, scores, side="left")
        hi = np.searchsorted(pool, scores, side="right")
    else:
        lo = (pool[..., None, :] < scores[..., None]).sum(axis=-1)
        hi = (pool[..., None, :] <= scores[..., None]).sum(axis=-1)
    b = (hi - lo) / m
    a = np.where(hi == 0, 0.5, lo) / m
    with np.errstate(divide="ignore", invalid="ignore"):
        tied = ((a + b) ** n - a**n) / (n * b)
    return np.where(b > 0, tied, a ** (n - 1))


def log_density_ratio(rescores: np.ndarray, pool: np.ndarray, n: int) -> np.ndarray:
    """Estimate of log w(x*) for selected proposals x* from R fresh scores of each
    (`rescores`, (..., R)) and one fresh score of each of M fresh base proposals (`pool`,
    (M,) or (..., M)), all from the same scorer. The mean over selections estimates
    KL(pi_bon || pi_0) (a plug-in Monte Carlo estimate of Beirami et al.'s density ratio).

    w(x*) = n E[P(win | x*'s score t)]: the pool's empirical CDF gives P(win | t) (ties and
    atoms included); x*'s own score noise is modelled as N(mean, sd^2) of its R rescores and
    integrated by a 32-node Gauss-Hermite rule (a poll's score is a mean over sampled voters,
    so nearly Gaussian by the central limit theorem). Identical rescores (R = 1, or a
    noiseless scorer) mean no noise: w = n P(win | t) exactly at t.

    Bias and variance (measured against closed forms and numerical integrals, tests and
    anchor A1; R = 32, M = max(256, 4n)): the pool's CDF is unbiased and its error averages
    out over estimates (noiseless: mean within 0.03 nats of log n - (n-1)/n, n = 2 to 1000);
    with Gaussian scorer noise of sd 1/8 to 1 times the base scores' spread the mean is
    within 0.03 nats of the exact KL (n = 16, 64); when noise is all there is (identical
    proposals, exact KL 0) the plug-in noise model is biased low, by 0.06, 0.11 and 0.16
    nats at n = 16, 64 and 256 (the log of a noisy estimate of w). Per-selection sd: about
    1 to 1.5 nats (the spread of log w under pi_bon, plus the pool's error), so the mean of
    k estimates has SE about 1.2 / sqrt(k).
    """
    rescores = np.asarray(rescores, dtype=float)
    sd = rescores.std(axis=-1, ddof=1) if rescores.shape[-1] > 1 else np.zeros(rescores.shape[:-1])
    mu = np.where(sd > 0, rescores.mean(axis=-1), rescores[..., 0])  # exact at ties
    if not np.any(sd > 0):
        w = n * win_probability(mu[..., None], pool, n)[..., 0]
    else:
        nodes = mu[..., None] + sd[..., None] * _NODES
        w = n * (win_probability(nodes, pool, n) * _WEIGHTS).sum(axis=-1)
    return np.log(np.maximum(w, _TINY))  # w underflows only far below the whole pool
