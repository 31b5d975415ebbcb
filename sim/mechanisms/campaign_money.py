"""Campaign contributions that buy valence with uninformed voters (Baron 1994, "Electoral
Competition with Informed and Uninformed Voters", APSR 88(1); Grossman & Helpman 1996,
"Electoral Competition and Special Interest Politics", RES 63(2)).

Alignment failure: *the principal's choice of agent is for sale*. A group gives its campaign
money to the candidate whose platform is closest to its own ideal; the money buys that
candidate valence with the voters who are impressionable, i.e. poorly informed, and so votes
that its platform would not have won.

Candidate j's vote score for voter i gets the term

    w (1 - q_i) f(m_j),   f(m) = m / (m + c)

with w = `elections.money_weight`, q_i the voter's current information, m_j the money the
candidate collected over the election cycle and c = `elections.money_scale` (diminishing
returns: the money at which half the attainable valence is bought). A fully informed voter
(q = 1) is not moved at all. Vectorized over voters; loops over nothing.
"""

from __future__ import annotations

import numpy as np


def backed_candidates(positions: np.ndarray, platforms: np.ndarray) -> np.ndarray:
    """(G,) index of the platform nearest each group's position (ties: the lower index)."""
    gaps = positions[:, None, :] - platforms[None, :, :]
    return np.argmin(np.einsum("gkd,gkd->gk", gaps, gaps), axis=1)


def contributions(money: np.ndarray, positions: np.ndarray, platforms: np.ndarray) -> np.ndarray:
    """(K,) money each candidate receives when each group gives its `money` to the candidate
    nearest its position."""
    backed = backed_candidates(positions, platforms)
    return np.bincount(backed, weights=money, minlength=platforms.shape[0])


def valence(information: np.ndarray, money: np.ndarray, weight: float, scale: float) -> np.ndarray:
    """(K, N) the money term of each candidate's score for each voter: w (1 - q_i) f(m_j)."""
    bought = np.asarray(money, dtype=float)
    bought = bought / (bought + scale)
    return weight * np.outer(bought, 1.0 - np.asarray(information, dtype=float))
