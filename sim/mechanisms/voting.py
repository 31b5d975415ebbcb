"""Voting rules.

- Spatial plurality (Downs 1957; Hotelling 1929): each voter votes for the candidate that
  maximizes -||x_i - p_k||^2 / d + w * V_ik, where V_ik is the perceived valence: the voter's
  perceived performance pi_i (centred on the aspiration) for the incumbent, 0 for challengers.
- Retrospective cutoff rule (Barro 1973; Ferejohn 1986): the incumbent is re-elected if mean
  approval clears a cutoff; otherwise the challenger with the most spatial support wins.

Alignment failure: elections are the principal's two controls over its agent - selection
(plurality: pick the platform you prefer) and sanctioning (retrospective: fire an agent that
performed badly). Both act on what voters *perceive*, so both inherit the proxy's flaws; the
retrospective rule cannot discipline an incumbent that uninformed voters cannot see (D3).

Everything is vectorized over voters (many); nothing loops over them.
"""

from __future__ import annotations

import numpy as np


def scores(ideals: np.ndarray, platforms: np.ndarray) -> np.ndarray:
    """(K, N) spatial utilities -||x_i - p_k||^2 / d up to a per-voter constant
    (-||x_i||^2 / d, the same for every candidate, so choices are unchanged)."""
    d = ideals.shape[1]
    # einsum, not `@`: a threaded BLAS call on (d, N) stalls when other jobs share the cores
    u = np.einsum("kj,jn->kn", 2.0 / d * platforms, ideals.T)
    u -= (np.einsum("kj,kj->k", platforms, platforms) / d)[:, None]
    return u


def nearest(
    ideals: np.ndarray,
    platforms: np.ndarray,
    bonus: np.ndarray | None = None,
    bonus_for: int | None = None,
    extra: np.ndarray | None = None,
) -> np.ndarray:
    """Each voter's preferred candidate: argmax_k of -||x - p_k||^2 / d (+ bonus for one k,
    + an optional (K, N) `extra` term for every candidate, e.g. valence bought with campaign
    money: sim/mechanisms/campaign_money.py). Ties go to the lower index. Loops over
    candidates (few), vectorized over voters."""
    u = scores(ideals, platforms)
    if bonus is not None and bonus_for is not None:
        u[bonus_for] += bonus
    if extra is not None:
        u += extra
    best = np.zeros(ideals.shape[0], dtype=np.intp)
    best_u = u[0].copy()
    for k in range(1, u.shape[0]):
        np.copyto(best, k, where=u[k] > best_u)
        np.maximum(best_u, u[k], out=best_u)
    return best


def support(ideals: np.ndarray, platforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vote shares and supporters' centroids of each platform under proximity voting
    (what Laver's rules observe). A platform without supporters keeps itself as centroid."""
    choice = nearest(ideals, platforms)
    k, d = platforms.shape
    counts = np.bincount(choice, minlength=k).astype(float)
    sums = np.stack(
        [np.bincount(choice, weights=ideals[:, j], minlength=k) for j in range(d)], axis=1
    )
    centroids = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], platforms)
    return counts / ideals.shape[0], centroids


def plurality(
    ideals: np.ndarray,
    platforms: np.ndarray,
    incumbent: int | None,
    valence: np.ndarray | None,
    valence_weight: float,
    extra: np.ndarray | None = None,
) -> tuple[int, np.ndarray]:
    """Winner and vote shares of a spatial plurality election with incumbent valence (and an
    optional (K, N) extra term in every candidate's score: see `nearest`)."""
    bonus = None if valence is None or incumbent is None else valence_weight * valence
    choice = nearest(ideals, platforms, bonus, incumbent, extra)
    shares = np.bincount(choice, minlength=platforms.shape[0]) / ideals.shape[0]
    return int(np.argmax(shares)), shares


def retrospective(
    ideals: np.ndarray, platforms: np.ndarray, incumbent: int, mean_approval: float, cutoff: float
) -> tuple[int, np.ndarray]:
    """Re-elect the incumbent if mean approval >= cutoff, else the strongest challenger."""
    shares = support(ideals, platforms)[0]
    if mean_approval >= cutoff or platforms.shape[0] == 1:
        return incumbent, shares
    challengers = np.delete(np.arange(platforms.shape[0]), incumbent)
    others = np.delete(platforms, incumbent, axis=0)
    return int(challengers[np.argmax(support(ideals, others)[0])]), shares
