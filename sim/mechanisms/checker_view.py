"""Checkers with cracks: a checker's view of an action's harm, with a compactly describable
blind spot (issue 13, item 1).

Model (a linear-Gaussian rater, the signal-detection monitor of `signal_detection.py` with
features). An action is a feature vector z in R^k (what it does and how it looks). Its true
harm is h = v . z for a unit harm direction v. A checker scores

    s = w . z + sigma eps,   eps ~ N(0, 1),   w = v - b (v . u) u,

with u a unit blind-spot direction and b in [0, 1] the blind spot's size: b = 0 is a
perfect-direction checker (its only error is noise), b = 1 makes harm along u invisible
(w . u = 0). It flags when s exceeds its threshold, set so that it flags a share r of benign
actions (zero harm, appearance features N(0, I) orthogonal to v). The two kinds of error are
the seed's: the noise sigma eps is unpredictable, the blind spot is "regular, compactly
describable, predictable" (Christiano, Shlegeris & Amodei 2018, "Supervising strong learners
by amplifying weak experts"; the systematic rater errors behind Gao, Schulman & Hilton 2022,
"Scaling Laws for Reward Model Overoptimization", and Goodhart's law, Manheim & Garrabrant
2018, "Categorizing Variants of Goodhart's Law": regressional vs. extremal error).

Blind spots of several checkers: u_j = c v + sqrt(1 - c^2) q_j, c = cos(u_j, v) the share of
harm the crack can hide, q_j the crack's direction in appearance space (orthogonal to v),
q_j = sqrt(rho) q_0 + sqrt(1 - rho) e_j with q_0, e_1, e_2, ... orthonormal and orthogonal
to v, so cos(q_i, q_j) = rho exactly: rho = 1 is one lineage (the same base model, the same
rater training: one shared crack), rho = 0 independent checkers.

Alignment failure: oversight with a crack. What checks out is trustworthy only against a
proposer that does not search for the crack (see `search_attack.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtri


@dataclass(frozen=True)
class Checker:
    """One checker: score weights w, noise sd sigma, flag threshold tau (and its crack)."""

    weights: np.ndarray  # w (k,)
    noise: float  # sigma
    threshold: float  # tau
    blind_spot: float  # b
    direction: np.ndarray  # u (k,)


def harm_direction(k: int) -> np.ndarray:
    """v = e_0: the first feature is what the action does to the world."""
    v = np.zeros(k)
    v[0] = 1.0
    return v


def orthonormal_off(rng: np.random.Generator, v: np.ndarray, count: int) -> np.ndarray:
    """`count` random orthonormal vectors orthogonal to v, rows of a (count, k) array."""
    k = v.shape[0]
    if count > k - 1:
        raise ValueError(f"need k >= {count + 1} features for {count} directions off v")
    basis, _ = np.linalg.qr(np.column_stack([v, rng.standard_normal((k, count))]))
    return basis[:, 1 : count + 1].T


def blind_spots(rng, v: np.ndarray, checkers: int, cos_harm: float, rho: float) -> np.ndarray:
    """Unit blind-spot directions u_j (checkers, k) with cos(u_j, v) = cos_harm and their
    appearance parts at pairwise cosine rho (see the module docstring)."""
    if not (0.0 <= rho <= 1.0 and 0.0 <= cos_harm <= 1.0):
        raise ValueError("rho and cos_harm must lie in [0, 1]")
    base = orthonormal_off(rng, v, checkers + 1)
    q = np.sqrt(rho) * base[0] + np.sqrt(1.0 - rho) * base[1:]
    return cos_harm * v + np.sqrt(1.0 - cos_harm**2) * q


def benign(rng: np.random.Generator, v: np.ndarray, n: int) -> np.ndarray:
    """n benign actions: zero harm, appearance N(0, I) in the complement of v."""
    g = rng.standard_normal((n, v.shape[0]))
    return g - np.outer(g @ v, v)


def make_checker(v, u, blind_spot: float, noise: float, flag_rate: float) -> Checker:
    """A checker with blind spot (u, b), flagging a share `flag_rate` of benign actions: its
    benign scores are N(0, |P w|^2 + sigma^2), P the projection off v."""
    if not (0.0 <= blind_spot <= 1.0):
        raise ValueError(f"blind_spot must lie in [0, 1], got {blind_spot}")
    if not (0.0 < flag_rate < 1.0) or noise <= 0.0:
        raise ValueError("flag_rate must lie in (0, 1) and noise be > 0")
    u = np.asarray(u, dtype=float)
    w = v - blind_spot * float(v @ u) * u
    off = w - float(w @ v) * v
    sd = float(np.sqrt(off @ off + noise**2))
    return Checker(w, float(noise), -sd * float(ndtri(flag_rate)), float(blind_spot), u)


def lineage(rng, v, count: int, blind_spot: float, rho: float, cos_harm: float = 2**-0.5,
            noise: float = 1.0, flag_rate: float = 0.05) -> list[Checker]:  # fmt: skip
    """`count` checkers whose blind spots have appearance cosine rho (1: one lineage)."""
    us = blind_spots(rng, v, count, cos_harm, rho)
    return [make_checker(v, u, blind_spot, noise, flag_rate) for u in us]


def predictable(checker: Checker, z: np.ndarray) -> np.ndarray:
    """w . z: the part of the checker's score a proposer who knows the checker can predict."""
    return np.asarray(z) @ checker.weights


def scores(rng: np.random.Generator, checker: Checker, z: np.ndarray) -> np.ndarray:
    """s = w . z + sigma eps for actions z (..., k)."""
    mean = predictable(checker, z)
    return mean + checker.noise * rng.standard_normal(mean.shape)


def flags(rng: np.random.Generator, checkers: list[Checker], z: np.ndarray) -> np.ndarray:
    """(len(checkers), ...) booleans: which checker flags which action."""
    return np.stack([scores(rng, c, z) > c.threshold for c in checkers])


def caught(rng: np.random.Generator, checkers: list[Checker], z: np.ndarray) -> np.ndarray:
    """Checkers in series: an action is caught when any of them flags it."""
    return flags(rng, checkers, z).any(axis=0)


def pass_log_probability(checkers: list[Checker], z: np.ndarray) -> np.ndarray:
    """log P(no checker flags z) = sum_j log Phi((tau_j - w_j . z) / sigma_j): what a proposer
    who knows the checkers (white box) expects; the checkers' noises are independent."""
    return sum(log_ndtr((c.threshold - predictable(c, z)) / c.noise) for c in checkers)
