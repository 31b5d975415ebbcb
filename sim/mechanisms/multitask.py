"""Multitask incentives with incomplete measures.

1. Holmstrom & Milgrom (1991), "Multitask Principal-Agent Analyses", JLEO 7: the linear-
   exponential-normal (LEN) model. The agent picks efforts t >= 0 on n tasks; measures
   x = t + eps, eps ~ N(0, Sigma); wage alpha + beta'x; CARA risk aversion r; private cost
   t'Ht/2 and intrinsic benefit m't. Its certainty equivalent (alpha = 0) is

       CE(t; beta) = (beta + m)'t - t'Ht/2 - r beta'Sigma beta/2,

   and the principal (benefit b't) picks beta to maximize the total certainty equivalent
   b't + m't - t'Ht/2 - r beta'Sigma beta/2 given the agent's best response. Both choices
   are solved here numerically; at an interior optimum beta* = (I + r H Sigma)^-1 b. A task
   that cannot be measured gets beta = 0, and with substitute efforts (H_12 > 0) rewarding the
   measured task pulls effort away from it.

2. Zhuang & Hadfield-Menell (2020), "Consequences of Misaligned AI", NeurIPS: a shared
   resource (an effort budget summing to 1, each share >= a floor) and a proxy that counts only
   k of J attributes. Here attribute j's quality is the precision of its implementation,
   u_j(e) = -1/(J e_j) (error variance falls as 1/effort); optimizing the proxy drives every
   unmeasured attribute to its floor, and true utility falls without bound as the floor -> 0.

Alignment failure: *Goodhart on incomplete proxies* (what is measured is done, the rest is
starved). In the simulator, implementers split effort across the mandate's dimensions; only
`bureaucracy.measured_dimensions` are rewarded, with the LEN incentive beta*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class LENModel:
    """The LEN multitask agency of Holmstrom & Milgrom (1991)."""

    risk_aversion: float  # r
    cost: np.ndarray  # H (n, n), positive definite
    noise: np.ndarray  # Sigma (n, n)
    benefit: np.ndarray  # b (n,)
    intrinsic: np.ndarray = field(default_factory=lambda: np.zeros(0))  # m (n,) or empty

    @property
    def m(self) -> np.ndarray:
        return self.intrinsic if self.intrinsic.size else np.zeros(self.benefit.size)

    def certainty_equivalent(self, t: np.ndarray, beta: np.ndarray) -> float:
        risk = 0.5 * self.risk_aversion * beta @ self.noise @ beta
        return float((beta + self.m) @ t - 0.5 * t @ self.cost @ t - risk)

    def best_effort(self, beta: np.ndarray) -> np.ndarray:
        """The agent's effort choice: maximize CE over t >= 0 numerically (L-BFGS-B)."""
        from scipy.optimize import minimize  # ~0.5 s to import: only solvers need it

        beta = np.asarray(beta, dtype=float)
        pull = beta + self.m
        res = minimize(
            lambda t: 0.5 * t @ self.cost @ t - pull @ t,
            np.zeros(pull.size),
            jac=lambda t: self.cost @ t - pull,
            method="L-BFGS-B",
            bounds=[(0.0, None)] * pull.size,
            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 1000},
        )
        return res.x

    def surplus(self, beta: np.ndarray) -> float:
        """Total certainty equivalent (principal's b't minus the wage, plus the agent's CE) at
        the agent's numerically chosen effort."""
        beta = np.asarray(beta, dtype=float)
        t = self.best_effort(beta)
        return float(self.benefit @ t) + self.certainty_equivalent(t, beta) - float(beta @ t)

    def optimal_incentive(self, measured: np.ndarray | None = None) -> np.ndarray:
        """The principal's choice of beta (0 on unmeasured tasks): Brent's method for one
        free incentive, Nelder-Mead for several."""
        from scipy.optimize import minimize, minimize_scalar  # ~0.5 s to import

        n = self.benefit.size
        mask = np.ones(n, dtype=bool) if measured is None else np.asarray(measured, dtype=bool)
        beta = np.zeros(n)

        def loss(free: np.ndarray | float) -> float:
            beta[mask] = free
            return -self.surplus(beta)

        if not mask.any():
            return beta
        if mask.sum() == 1:
            top = 2.0 * max(abs(float(self.benefit[mask][0])), 1e-9)
            res = minimize_scalar(loss, bounds=(-top, top), method="bounded",
                                  options={"xatol": 1e-10})  # fmt: skip
        else:
            opts = {"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20_000}
            res = minimize(loss, 0.5 * self.benefit[mask], method="Nelder-Mead", options=opts)
        beta[mask] = res.x
        return beta


@lru_cache(maxsize=256)
def single_task_incentive(risk_aversion: float, cost: float, noise: float) -> float:
    """beta* of one measured task with unit benefit, solved through the LEN model (cached:
    every run with the same parameters asks the same question)."""
    model = LENModel(risk_aversion, np.array([[cost]]), np.array([[noise]]), np.ones(1))
    return float(model.optimal_incentive()[0])


# --- shared effort budget (Zhuang & Hadfield-Menell) ---------------------------------------


def project_budget(e: np.ndarray, floor: float) -> np.ndarray:
    """Euclidean projection of each row onto {sum = 1, every share >= floor}."""
    e = np.atleast_2d(e)
    j = e.shape[1]
    v = e - floor
    mass = 1.0 - j * floor
    u = -np.sort(-v, axis=1)
    css = np.cumsum(u, axis=1) - mass
    ok = u - css / np.arange(1, j + 1) > 0
    rho = j - 1 - np.argmax(ok[:, ::-1], axis=1)
    theta = css[np.arange(e.shape[0]), rho] / (rho + 1)
    return np.maximum(v - theta[:, None], 0.0) + floor


def precision_utility(e: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_j -w_j / (J e_j): weighted negative implementation-error variance, per row."""
    e = np.atleast_2d(e)
    return -(weights / (e.shape[1] * e)).sum(axis=1)


def proxy_ascent(
    e0: np.ndarray, weights: np.ndarray, floor: float, lr: float, steps: int
) -> np.ndarray:
    """Projected gradient ascent on the proxy sum_j w_j u_j(e_j); returns the (steps+1, J) path."""
    path = [project_budget(e0, floor)[0]]
    j = path[0].size
    for _ in range(steps):
        e = path[-1]
        path.append(project_budget(e + lr * weights / (j * e**2), floor)[0])
    return np.asarray(path)


def best_response(weights: np.ndarray, floor: float) -> np.ndarray:
    """argmax_e sum_j -w_j / e_j on the floored budget, per row (water-filling:
    e_j proportional to sqrt(w_j) above the floor). All-zero rows split equally."""
    root = np.sqrt(np.atleast_2d(np.asarray(weights, dtype=float)))
    j = root.shape[1]
    fixed = root == 0
    e = np.full_like(root, 1.0 / j)
    for _ in range(j):
        budget = 1.0 - floor * fixed.sum(axis=1, keepdims=True)
        free = np.where(fixed, 0.0, root).sum(axis=1, keepdims=True)
        share = np.where(free > 0, root * budget / np.where(free > 0, free, 1.0), 1.0 / j)
        e = np.where(fixed & (free > 0), floor, share)
        newly = ~fixed & (e < floor)
        if not newly.any():
            break
        fixed |= newly
    return e


def allocation_weights(measured: np.ndarray, incentive: float, motivation: float) -> np.ndarray:
    """Weight of each dimension in an implementer's objective: beta* + m if measured, else m."""
    return np.where(measured, incentive + motivation, motivation)
