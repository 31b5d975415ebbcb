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
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp, xlogy


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
