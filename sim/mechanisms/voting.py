"""Voting rules.

- Spatial plurality (Downs 1957; Hotelling 1929): each voter votes for the candidate that
  maximizes -||x_i - p_k||^2 / d + w * V_ik, where V_ik is the perceived valence: the voter's
  perceived performance pi_i (centred on the aspiration) for the incumbent, 0 for challengers.
- Retrospective cutoff rule (Barro 1973; Ferejohn 1986): the incumbent is re-elected if mean
  approval clears a cutoff; otherwise the challenger with the most spatial support wins.

All functions loop over candidates (few), never over voters (many).
"""

from __future__ import annotations

import numpy as np


def nearest(
    ideals: np.ndarray,
    platforms: np.ndarray,
    bonus: np.ndarray | None = None,
    bonus_for: int | None = None,
) -> np.ndarray:
    """Each voter's preferred candidate: argmax_k of -||x - p_k||^2 / d (+ bonus for one k)."""
    d = ideals.shape[1]
    best = np.zeros(ideals.shape[0], dtype=np.int64)
    best_u = np.full(ideals.shape[0], -np.inf)
    for k, platform in enumerate(platforms):
        diff = ideals - platform
        u = -np.einsum("ij,ij->i", diff, diff) / d
        if bonus is not None and k == bonus_for:
            u += bonus
        better = u > best_u
        best[better] = k
        best_u[better] = u[better]
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
) -> tuple[int, np.ndarray]:
    """Winner and vote shares of a spatial plurality election with incumbent valence."""
    bonus = None if valence is None or incumbent is None else valence_weight * valence
    choice = nearest(ideals, platforms, bonus, incumbent)
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
