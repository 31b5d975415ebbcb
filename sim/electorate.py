"""The electorate as numpy arrays: one row per voter, never one Python object per voter.

Each voter has an ideal point x_i, an information level q_i in [0, 1], a perceived
performance pi_i of the incumbent and an approval a_i in [0, 1]. True delivered utility is

    u_i = -||x_i - p||^2 / d + G(v) - H

(quadratic spatial loss from the implemented policy p, the welfare from the incumbent's effort
split G(v), and harms H done by the institutions below the incumbent). Voters do not see u_i;
they see a mix of it and the incumbent's visible signals S(v):

    s_i = q_i u_i + (1 - q_i) S(v) + eps_i,   eps_i ~ N(0, sigma^2)
    pi_i <- (1 - m) pi_i + m s_i,             a_i = logistic(kappa (pi_i - c))

This is the proxy of the Goodhart story: approval tracks welfare only as far as voters are
informed (Downs 1957 on rational ignorance; Gao, Schulman & Hilton 2022 on proxy rewards).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Electorate:
    """Voters as arrays. `ideals` is stored column-major (Fortran order): the loops over
    candidates and dimensions then read contiguous memory (see sim/mechanisms/voting.py)."""

    ideals: np.ndarray  # (N, d) ideal points
    information: np.ndarray  # (N,) q_i in [0, 1]
    perceived: np.ndarray  # (N,) perceived performance of the incumbent
    approval: np.ndarray  # (N,) approval of the incumbent in [0, 1]
    sq_norms: np.ndarray = field(init=False, repr=False)  # (N,) ||x_i||^2, ideals are fixed

    def __post_init__(self) -> None:
        self.ideals = np.asfortranarray(self.ideals, dtype=float)
        self.sq_norms = np.einsum("ij,ij->i", self.ideals, self.ideals)

    @property
    def n(self) -> int:
        return self.ideals.shape[0]

    def centroid(self) -> np.ndarray:
        """Welfare-optimal policy under quadratic loss: the mean ideal point."""
        return self.ideals.mean(axis=0)

    def utility(self, policy: np.ndarray) -> np.ndarray:
        """`policy_utility(ideals, policy)` from cached norms: -(||x||^2 - 2 x.p + ||p||^2) / d."""
        lin = np.einsum("jn,j->n", self.ideals.T, 2.0 * np.asarray(policy, dtype=float))
        lin -= self.sq_norms
        lin -= float(np.dot(policy, policy))
        return lin / self.ideals.shape[1]

    def mean_utility(self, platforms: np.ndarray) -> np.ndarray:
        """Mean over voters of -||x_i - p||^2 / d for each of K platforms, (K, d) -> (K,):
        exactly the mean of `policy_utility`, in O(K d) from the ideal points' moments."""
        second = float(self.sq_norms.mean())
        p = np.atleast_2d(platforms)
        return (
            -(second - 2.0 * p @ self.centroid() + np.einsum("ij,ij->i", p, p))
            / self.ideals.shape[1]
        )


def sample_ideals(
    n: int, d: int, distribution: str, polarization: float, rng: np.random.Generator
) -> np.ndarray:
    """Ideal points with unit variance per dimension; polarization p splits axis 0 into two
    groups at +-p with within-group spread sqrt(1 - p^2) (bimodal above p = 1/sqrt 2)."""
    if distribution == "uniform":
        base = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), size=(n, d))
    else:
        base = rng.standard_normal((n, d))
    if polarization > 0:
        side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        base *= np.sqrt(1.0 - polarization**2)
        base[:, 0] += polarization * side
    return base


def sample_information(
    n: int, mean: float, concentration: float, rng: np.random.Generator
) -> np.ndarray:
    """q_i ~ Beta(mean k, (1 - mean) k); degenerate at the ends of [0, 1]."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, float(mean))
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n)


def sample(
    n: int,
    d: int,
    distribution: str,
    polarization: float,
    info_mean: float,
    info_concentration: float,
    aspiration: float,
    rng: np.random.Generator,
) -> Electorate:
    ideals = sample_ideals(n, d, distribution, polarization, rng)
    info = sample_information(n, info_mean, info_concentration, rng)
    perceived = np.full(n, float(aspiration))
    return Electorate(ideals, info, perceived, np.full(n, 0.5))


def policy_utility(ideals: np.ndarray, policy: np.ndarray) -> np.ndarray:
    """-||x_i - p||^2 / d for every voter: quadratic spatial loss, per dimension."""
    diff = ideals - policy
    return -np.einsum("ij,ij->i", diff, diff) / ideals.shape[1]


def perceived_signal(
    utility: np.ndarray,
    information: np.ndarray,
    visible_signal: float,
    noise_sd: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """s_i = q_i u_i + (1 - q_i) S + eps_i."""
    signal = information * (utility - visible_signal) + visible_signal
    if noise_sd > 0:
        signal += noise_sd * rng.standard_normal(utility.shape[0])
    return signal


def smooth(perceived: np.ndarray, signal: np.ndarray, memory: float) -> np.ndarray:
    """pi_i <- (1 - m) pi_i + m s_i."""
    return perceived + memory * (signal - perceived)


def approval(perceived: np.ndarray, sensitivity: float, aspiration: float) -> np.ndarray:
    """a_i = logistic(kappa (pi_i - c))."""
    return 0.5 * (1.0 + np.tanh(0.5 * sensitivity * (perceived - aspiration)))
