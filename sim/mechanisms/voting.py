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

Everything is vectorized over voters (many); nothing loops over them. The vote-share pass
Laver's rules observe after every move has its own kernels (sim/mechanisms/support_kernel.py):
O(voters) a move, whatever the number of candidates, with the same choices as `nearest`.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from sim.mechanisms.support_kernel import BLOCK, SupportKernel


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
    bonus_weight: float | None = None,
    block: int = BLOCK,
) -> np.ndarray:
    """Each voter's preferred candidate: argmax_k of -||x - p_k||^2 / d (+ bonus for one k,
    times `bonus_weight` if given, + an optional (K, N) `extra` term for every candidate, e.g.
    valence bought with campaign money: sim/mechanisms/campaign_money.py). Ties go to the
    lower index. Loops over candidates (few), vectorized over voters.

    Runs over blocks of `block` voters: a block's (K, block) scores stay in cache and no
    (K, N) matrix is made (no fresh page faults in a large electorate). Every score is the
    whole-array one: on column-major ideals (an Electorate's) or in d <= 2 einsum sums each
    score in the same order whatever the block (no block is left with one voter, which it
    sums otherwise); other layouts run as one block."""
    n, k = ideals.shape[0], platforms.shape[0]
    if not (ideals.flags.f_contiguous or ideals.shape[1] <= 2):
        block = max(n, 1)
    edges = [*range(0, n, block), n]
    if len(edges) > 2 and edges[-1] - edges[-2] == 1:
        del edges[-2]  # the last voter joins the previous block
    per_voter = bonus is not None and np.ndim(bonus) > 0
    best = np.empty(n, dtype=np.intp)
    best_u = np.empty(min(n, block + 1))
    for start, stop in pairwise(edges):
        rows = slice(start, stop)
        u = scores(ideals[rows], platforms)
        if bonus is not None and bonus_for is not None:
            b = bonus[rows] if per_voter else bonus
            u[bonus_for] += b if bonus_weight is None else bonus_weight * b
        if extra is not None:
            u += extra[:, rows]
        choice, top = best[rows], best_u[: stop - start]
        choice.fill(0)
        np.copyto(top, u[0])
        for j in range(1, k):
            np.copyto(choice, j, where=u[j] > top)
            np.maximum(top, u[j], out=top)
    return best


def support(ideals: np.ndarray, platforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vote shares and supporters' centroids of each platform under proximity voting
    (what Laver's rules observe). A platform without supporters keeps itself as centroid.
    One-off: a model keeps a `SupportKernel` over its electorate, which recomputes only the
    platforms that moved (sim/mechanisms/support_kernel.py); both give the choices of
    `nearest` bit for bit."""
    result = SupportKernel(ideals).support(platforms)
    return result.shares, result.centroids


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
    bonus = None if valence is None or incumbent is None else valence
    choice = nearest(ideals, platforms, bonus, incumbent, extra, bonus_weight=valence_weight)
    shares = np.bincount(choice, minlength=platforms.shape[0]) / ideals.shape[0]
    return int(np.argmax(shares)), shares


def retrospective(
    ideals: np.ndarray, platforms: np.ndarray, incumbent: int, mean_approval: float, cutoff: float
) -> tuple[int, np.ndarray]:
    """Re-elect the incumbent if mean approval >= cutoff, else the strongest challenger."""
    kernel = SupportKernel(ideals)
    shares = kernel.support(platforms).shares
    if mean_approval >= cutoff or platforms.shape[0] == 1:
        return incumbent, shares
    challengers = np.delete(np.arange(platforms.shape[0]), incumbent)
    others = np.delete(platforms, incumbent, axis=0)
    return int(challengers[np.argmax(kernel.support(others).shares)]), shares
