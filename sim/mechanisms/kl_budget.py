"""KL-budgeted optimization against a known-safe reference policy: exponential tilting
(Donsker & Varadhan 1975; the KL-regularized optimum of RLHF, e.g. Korbak, Perez & Buckley
2022) and the catastrophe ceiling it implies (the data-processing inequality for KL; Cover &
Thomas 2006, sec. 2.8).

Alignment failure: *a budget on how far, not on where*. Capping KL(pi || pi_0) bounds how much
an agent can gain over the safe policy pi_0, but a scheming agent can spend the whole budget on
a rare catastrophe; a stochastic one spreads it over random deviations.

- Tilting: among policies with KL(pi || pi_0) <= eps, the one maximizing E_pi[r] is
  pi ∝ pi_0 exp(lambda r), lambda set so the KL is exactly eps. For r ~ N(0, 1) under pi_0 the
  gain is sqrt(2 eps) (anchor A4); `tilt_to_budget` solves for lambda on any discrete pi_0 (a
  grid or a sample), so the anchor measures the gain instead of assuming it.
- Ceiling: pushing any policy through the map "catastrophe or not" cannot raise KL, so a policy
  with KL <= eps has catastrophe rate q with kl_bin(q || p0) <= eps (anchor A5). `ceiling`
  solves for the largest such q by bisection. The budget is measured against the fixed safe
  policy: measured against each previous deployment instead, it compounds (`redeploy`).

Actions as points in a feature space (how the AI deployment draws catastrophes): the safe policy
draws an action's features z ~ N(0, I_D); the catastrophe is the half-space {z . e_c > t}, t set
so the safe policy's catastrophe rate is p0. Two KL-budgeted policies matter:
- a mean shift z ~ N(mu, I) with ||mu|| = sqrt(2 eps) (KL = ||mu||^2 / 2 = eps; the tilt of a
  linear objective, as above). Only the coordinate along e_c decides the catastrophe, and it is
  N(mu . e_c, 1) exactly, so that coordinate alone is drawn (sim/mechanisms/scheming.py draws
  each action as one Bernoulli with that probability: `harm_odds`). A direction
  uniform on the sphere overlaps e_c by cos(angle) = g_1 / ||g|| (g ~ N(0, I_D)), of size
  about 1/sqrt(D) (`random_overlap`); the rate is then Phi_bar(t - sqrt(2 eps) cos(angle)).
- the event tilt pi ∝ pi_0 exp(lambda 1[z in C]) with KL exactly eps: the best KL-budgeted policy
  for the event (Donsker-Varadhan). It reweights the region and its complement and leaves the
  features' law within each unchanged (so it shows no mean shift off the event); its rate is
  solved by tilting the two-point image {C, not C} of pi_0 (`event_rate`), and it attains the
  data-processing ceiling (anchor A5 checks the two against each other).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.special import logsumexp, ndtri, xlogy


def kl_bin(q, p):
    """KL(Bernoulli(q) || Bernoulli(p)) in nats (0 log 0 = 0)."""
    q, p = np.asarray(q, dtype=float), np.asarray(p, dtype=float)
    return xlogy(q, q / p) + xlogy(1.0 - q, (1.0 - q) / (1.0 - p))


def ceiling(p0, eps, iterations: int = 64):
    """Largest catastrophe rate q >= p0 with kl_bin(q || p0) <= eps (vectorized bisection)."""
    p0 = np.asarray(p0, dtype=float)
    eps = np.asarray(eps, dtype=float)
    lo = np.broadcast_to(p0, np.broadcast(p0, eps).shape).astype(float)
    hi = np.ones_like(lo)
    free = kl_bin(np.nextafter(1.0, 0.0), p0) <= eps  # even certain catastrophe fits
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        inside = kl_bin(mid, p0) <= eps
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    out = np.where(free, 1.0, lo)
    return float(out) if out.ndim == 0 else out


def tilt(values: np.ndarray, base: np.ndarray, lam: float) -> np.ndarray:
    """Weights of pi ∝ pi_0 exp(lam r) on a discrete support (base: pi_0's weights)."""
    logw = np.log(base) + lam * values
    return np.exp(logw - logsumexp(logw))


def kl(weights: np.ndarray, base: np.ndarray) -> float:
    """KL(pi || pi_0) of two discrete distributions on the same support."""
    return float(np.sum(xlogy(weights, weights / base)))


def tilt_to_budget(values: np.ndarray, base: np.ndarray, eps: float) -> tuple[np.ndarray, float]:
    """The tilted policy whose KL from pi_0 is exactly eps, and its lambda."""
    if eps <= 0:
        return base / base.sum(), 0.0
    hi = 1.0
    while kl(tilt(values, base, hi), base) < eps:
        hi *= 2.0
        if hi > 1e6:
            raise ValueError(f"KL budget {eps} exceeds what tilting this support can spend")
    from scipy.optimize import brentq  # ~0.5 s to import: only solvers need it

    lam = brentq(lambda x: kl(tilt(values, base, x), base) - eps, 0.0, hi, xtol=1e-13)
    return tilt(values, base, lam), float(lam)


def gaussian_grid(n: int = 40_001, width: float = 14.0) -> tuple[np.ndarray, np.ndarray]:
    """A discretized N(0, 1) reference policy: support and weights."""
    x = np.linspace(-width, width, n)
    w = np.exp(-0.5 * x**2)
    return x, w / w.sum()


def redeploy(p0: float, eps: float, rounds: int, anchored: bool) -> np.ndarray:
    """Catastrophe rate after each of `rounds` redeployments that each push it as far as the
    budget allows, measured from the safe policy (anchored) or from the previous round."""
    rates, q = [], p0
    for _ in range(rounds):
        q = ceiling(p0 if anchored else q, eps)
        rates.append(q)
    return np.array(rates)


# --- actions as points in a feature space ------------------------------------------------------
def region_threshold(p0: float) -> float:
    """t with P(z . e_c > t) = p0 under the safe policy z ~ N(0, I)."""
    return float(-ndtri(p0))


def mean_shift(eps: float) -> float:
    """||mu|| of a Gaussian mean shift that spends exactly eps nats: sqrt(2 eps)."""
    return float(np.sqrt(2.0 * eps))


def random_overlap(rng: np.random.Generator, n: int, dims: int) -> np.ndarray:
    """cos(angle) between e_c and n directions uniform on the unit sphere of R^D: g_1 / ||g||
    for g ~ N(0, I_D), with the D - 1 other coordinates' squared norm drawn as a chi-square."""
    g = rng.standard_normal(n)
    rest = rng.gamma(0.5 * (dims - 1), 2.0, n)  # chi-square with D - 1 degrees of freedom
    return g / np.sqrt(g * g + rest)


@cache
def event_rate(p0: float, eps: float) -> float:
    """Catastrophe rate of the event tilt with KL exactly eps: exponential tilting of the
    two-point image {catastrophe, not} of pi_0 (1 when even certain catastrophe fits)."""
    if eps >= -np.log(p0):
        return 1.0
    weights, _ = tilt_to_budget(np.array([1.0, 0.0]), np.array([p0, 1.0 - p0]), eps)
    return float(weights[0])
