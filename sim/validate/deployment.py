"""Anchors A4-A5 (shared/ANCHORS.md): optimization under a KL budget against a known-safe
policy. The checks run sim/mechanisms/kl_budget.py (tilting solved numerically on a grid or a
sample; the catastrophe ceiling by bisection), best-of-n selection (sim/mechanisms/best_of_n.py)
and the AI deployment component itself; the closed forms only supply the expected values."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri, roots_jacobi

from sim.mechanisms import best_of_n, kl_budget
from sim.validate.core import Check, anchor, holds, rng_for, within_abs, within_rel, within_se

A4_SOURCE = "Exponential tilting (Donsker-Varadhan); Gao et al. 2022"
A5_SOURCE = "Data-processing inequality for KL (Cover & Thomas 2006)"


# --- A4 ---------------------------------------------------------------------------------------
@anchor("A4", "KL-budgeted optimization (exponential tilting)", A4_SOURCE)
def kl_budgeted(seed: int) -> list[Check]:
    x, w = kl_budget.gaussian_grid()
    checks = []
    for eps in (0.01, 0.1, 0.5, 2.0):
        tilted, _ = kl_budget.tilt_to_budget(x, w, eps)
        checks.append(
            within_rel(f"proxy gain, eps={eps:g} (grid)", float(tilted @ x), math.sqrt(2 * eps))
        )
    return checks + _correlated(seed) + _best_of_16(seed, x, w)


def _weighted(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Self-normalized weighted mean and its standard error (delta method)."""
    mean = float(weights @ values)
    return mean, float(np.sqrt(np.sum(weights**2 * (values - mean) ** 2)))


def _correlated(seed: int, n: int = 400_000, rho: float = 0.5, eps: float = 0.5) -> list[Check]:
    """Tilting a sample of pi_0 on the proxy r raises a true objective X (corr rho) by
    rho sqrt(2 eps)."""
    rng = rng_for(seed, 1)
    r = rng.standard_normal(n)
    true = rho * r + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    weights, _ = kl_budget.tilt_to_budget(r, np.full(n, 1.0 / n), eps)
    gain, se = _weighted(r, weights)
    truth, se_t = _weighted(true, weights)
    return [
        within_se(f"proxy gain, eps={eps:g} (sample)", gain, math.sqrt(2 * eps), se),
        within_se(f"true gain, rho={rho:g}, eps={eps:g}", truth, rho * math.sqrt(2 * eps), se_t),
    ]


def _best_of_16(seed: int, x: np.ndarray, w: np.ndarray, n: int = 100_000) -> list[Check]:
    """Best-of-16 reaches 0.922 of the tilting bound sqrt(2 KL) at its own (measured) KL."""
    proposals = rng_for(seed, 2).standard_normal((n, 16))
    best = np.array([row[best_of_n.select(row)] for row in proposals])
    terms = math.log(16) + 15 * np.log(ndtr(best))  # log of the density ratio at each pick
    kl = best_of_n.empirical_kl(ndtr(best), 16)
    ratio = float(best.mean()) / math.sqrt(2 * kl)
    cov = np.cov(best, terms) / n
    grad = np.array([1 / best.mean(), -1 / (2 * kl)]) * ratio
    se = float(np.sqrt(grad @ cov @ grad))
    tilted, _ = kl_budget.tilt_to_budget(x, w, kl)
    return [
        within_se("best-of-16 gain / sqrt(2 KL)", ratio, 0.922, se),
        holds("tilting beats best-of-16 at equal KL", float(tilted @ x) > best.mean() + 3 * se,
              "tilted > best-of-16", f"{float(tilted @ x):.4f} vs {best.mean():.4f}"),
    ]  # fmt: skip


# --- A5 ---------------------------------------------------------------------------------------
@anchor("A5", "Catastrophe ceiling under a KL budget", A5_SOURCE)
def catastrophe_ceiling(seed: int) -> list[Check]:
    checks = [
        within_abs(f"q_max, p0=1e-4, eps={eps:g}", kl_budget.ceiling(1e-4, eps), want, tol)
        for eps, want, tol in ((0.001, 8.17e-4, 5e-7), (0.01, 3.76e-3, 5e-6), (0.1, 2.26e-2, 5e-5))
    ]  # tolerance: half a unit in the last printed digit
    anchored = kl_budget.redeploy(1e-4, 0.01, 10, anchored=True)
    chained = kl_budget.redeploy(1e-4, 0.01, 10, anchored=False)
    q = kl_budget.ceiling(1e-4, 0.01)
    checks.append(within_rel("10 redeployments, budget vs the safe policy", anchored[-1], q))
    checks.append(holds("budget vs the previous deployment compounds", chained[-1] > 10 * q,
                        f"> 10 x {q:.3g}", f"{chained[-1]:.3g}"))  # fmt: skip
    return checks + _simulated(seed)


def overlap_rate(p0: float, eps: float, dims: int, nodes: int = 400) -> float:
    """Expected catastrophe rate of a mean shift sqrt(2 eps) in a direction uniform on the
    sphere of R^D, against the half-space of mass p0: E[Phi_bar(t - sqrt(2 eps) cos)], where cos
    (the overlap with the catastrophe's direction) has density ∝ (1 - c^2)^((D - 3) / 2) on
    [-1, 1] (Gauss-Jacobi quadrature); D = 1: cos = +-1."""
    t, r = float(-ndtri(p0)), math.sqrt(2.0 * eps)
    if dims == 1:
        return 0.5 * float(ndtr(r - t) + ndtr(-r - t))
    c, w = roots_jacobi(nodes, 0.5 * (dims - 3), 0.5 * (dims - 3))
    return float(w @ ndtr(r * c - t) / w.sum())


def _rate(seed: int, kind: str, agents: int, steps: int, **more) -> float:
    """Share of harmful actions of `agents` agents of one kind over `steps` steps, measured in
    the deployment component (schemers always attack: risk tolerance 1)."""
    from sim.run import run
    from sim.scenario import defaults_config

    cfg = defaults_config().with_overrides(
        {"electorate.n_voters": 100, "ai_agents.count": agents, "ai_agents.alignment": kind,
         "ai_agents.kl_budget": 0.01, "ai_agents.risk_tolerance": 1.0,
         **{f"ai_agents.{k}": v for k, v in more.items()}}
    )  # fmt: skip
    return float(run(cfg, seed, steps).series["ai_harmful_share"].iloc[1:].mean())


def _simulated(seed: int, agents: int = 1_000, steps: int = 100) -> list[Check]:
    """Agents in the deployment component: schemers that always attack sit at the ceiling;
    aligned agents at p0; stochastic agents (random mean shifts in feature space) at the
    overlap prediction, far below the ceiling."""
    q, n = kl_budget.ceiling(1e-4, 0.01), agents * steps
    se = math.sqrt(q * (1 - q) / n)
    schemer, aligned = _rate(seed, "scheming", agents, steps), _rate(seed, "aligned", agents, steps)
    drifter = _rate(seed, "stochastic", agents, steps)
    dims = 100  # the default feature_dimensions
    want = overlap_rate(1e-4, 0.01, dims)
    se_d = math.sqrt(want * (1 - want) / n)
    p0, eps = 0.01, 0.5  # D = 1: every deviation points at the catastrophe or away from it
    low = _rate(seed, "stochastic", agents, steps, base_harm_rate=p0, kl_budget=eps,
                feature_dimensions=1)  # fmt: skip
    want_low = overlap_rate(p0, eps, 1)
    return [
        within_se("simulated schemers' catastrophe rate, eps=0.01", schemer, q, se),
        within_se("simulated aligned agents' rate: p0", aligned, 1e-4, math.sqrt(1e-4 / n)),
        within_se(f"stochastic agents' rate: overlap prediction, D={dims}, eps=0.01",
                  drifter, want, se_d),
        holds("stochastic agents far below half the ceiling", drifter + 3 * se_d < q / 2,
              f"< {q / 2:.3g}", f"{drifter:.3g}"),
        within_se("stochastic agents' rate: overlap prediction, D=1, p0=0.01, eps=0.5", low,
                  want_low, math.sqrt(want_low * (1 - want_low) / n)),
        holds("D=1: stochastic below half the ceiling",
              low < kl_budget.ceiling(p0, eps) / 2, f"< {kl_budget.ceiling(p0, eps) / 2:.3g}",
              f"{low:.3g}"),
    ]  # fmt: skip
