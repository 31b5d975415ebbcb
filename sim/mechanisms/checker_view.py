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


# --- checkers in the institution (oversight layers scoring AI actions' appearance) -------------
# There an action's features are z = (d' h, a): its harm h in {0, 1} scaled by the checker's
# discriminability d' against the actor (signal_detection.discriminability), and its appearance
# a in R^k (world.appearance_dimensions), N(0, I) for honest work. With v = e_0 a checker with
# blind spot (u, b) scores s = d' h (1 - b c^2) + a . w_a + eps, w_a = -b c sqrt(1 - c^2) q,
# eps ~ N(0, 1): at b = 0 exactly the featureless score d' h + eps of signal_detection.


@dataclass(frozen=True)
class View:
    """One checker layer as a white-box attacker knows it (oversight publishes these as
    world.checker_views): the weights of its score, its threshold, how its d' depends on the
    actor's capability, and how often it colludes on its own lineage's coordinated attacks."""

    harm_weight: float  # w . v = 1 - b c^2
    appearance: np.ndarray  # (k,) w_a
    threshold: float  # flags s > threshold
    d0: float
    capability: float
    gap_sensitivity: float
    collusion: float
    watches: tuple[str, ...]


def crack_directions(rng, k: int, count: int, cos_harm: float, rho: float) -> np.ndarray:
    """(count, 1 + k) unit blind spots u_j = c v + sqrt(1 - c^2) q_j in (harm, appearance)
    coordinates, q_j = sqrt(rho) q_0 + sqrt(1 - rho) e_j: appearance cosine rho exactly
    between any two while there is room (q_0, e_1, e_2, ... orthonormal off v by Gram-Schmidt
    on one Gaussian draw each, in order); beyond k - 1 directions a new e_j is only orthogonal
    to v and q_0 (cosine rho in expectation; with k = 1 every crack is q_0). Prefix-stable:
    the first j cracks do not depend on how many follow, so adding a checker at the end of a
    stack leaves the others' cracks (and common random numbers) as they were."""
    if not (0.0 <= rho <= 1.0 and 0.0 <= cos_harm <= 1.0):
        raise ValueError("rho and cos_harm must lie in [0, 1]")
    v = harm_direction(k + 1)
    basis = [v]
    for _ in range(count + 1):
        g = rng.standard_normal(k + 1)
        span = basis if len(basis) < k + 1 else basis[:2]
        for b in span:
            g -= (g @ b) * b
        norm = float(np.linalg.norm(g))
        basis.append(g / norm if norm > 1e-12 else basis[1])  # k = 1: one direction only
    q0, e = basis[1], np.array(basis[2:])
    q = np.sqrt(rho) * q0 + np.sqrt(1.0 - rho) * e
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-300)
    return cos_harm * v + np.sqrt(1.0 - cos_harm**2) * q


def weights(u: np.ndarray, blind_spot: float) -> tuple[float, np.ndarray]:
    """(w . v, w_a) of w = v - b (v . u) u, v = e_0."""
    w = -blind_spot * float(u[0]) * u
    w[0] += 1.0
    return float(w[0]), w[1:].copy()


def make_view(crack, blind_spot: float, base: float, d0: float, capability: float,
              gap_sensitivity: float, collusion: float, watches) -> View:  # fmt: skip
    """The View of a checker with crack direction `crack`, size `blind_spot` and featureless
    threshold `base` (it flags the same share of honest work with the crack)."""
    harm_weight, appearance = weights(crack, blind_spot)
    tau = crack_threshold(appearance, base)
    return View(harm_weight, appearance, tau, d0, capability, gap_sensitivity, collusion,
                tuple(watches))  # fmt: skip


def score_featured(view: View, score, tau, docket_rows, dprime, harmful, appearance) -> None:
    """Score the featured rows (`docket_rows`) through the crack, in place: add `shift` to
    their featureless scores and set their threshold to the view's."""
    rows = docket_rows
    score[rows] += shift(view, dprime[rows], harmful[rows], appearance[rows])
    tau[rows] = view.threshold


def crack_threshold(appearance: np.ndarray, base: float) -> float:
    """The threshold that flags the same share of honest work as `base` does for N(0, 1)
    scores: honest scores are N(0, |w_a|^2 + 1)."""
    return float(np.sqrt(appearance @ appearance + 1.0)) * base


def shift(view: View, dprime, harmful, appearance: np.ndarray) -> np.ndarray:
    """What the crack adds to the featureless score d' h + eps: d' h (w . v - 1) + a . w_a."""
    return np.asarray(dprime) * np.asarray(harmful) * (view.harm_weight - 1.0) + (
        appearance @ view.appearance
    )


def attack_pass_log_probability(views, dprimes, appearance: np.ndarray) -> np.ndarray:
    """log P(no checker flags a coordinated attack that looks like `appearance` (..., k)):
    sum_j log(c_j + (1 - c_j) Phi(tau_j - d'_j (w . v)_j - a . w_a_j)), c_j the probability
    that checker j colludes on it; d'_j against the attacker (`dprimes`, one per view)."""
    total = np.zeros(appearance.shape[:-1])
    for view, dp in zip(views, dprimes, strict=True):
        z = view.threshold - dp * view.harm_weight - appearance @ view.appearance
        miss = np.exp(log_ndtr(z))
        total += np.log(view.collusion + (1.0 - view.collusion) * miss)
    return total
