"""Regulatory capture by interest groups (Stigler 1971, "The Theory of Economic Regulation";
Laffont & Tirole 1991, "The Politics of Government Decision-Making: A Theory of Regulatory
Capture"; Dal Bó 2006 for a review).

Alignment failure: *capture*. The agent's objective is replaced by a third party's: it keeps
carrying out orders, but every choice it is free to make now serves the group that lobbied it.

Each step every free bureaucrat i is captured with probability

    h_i = min(1, rate * w_i * (1 - p_hat_i))

where w_i is its lobbying weight (1 for `uniform` targeting; proportional to the leaves below
it, mean 1, for `leverage`) and p_hat_i its believed detection rate (a bureaucrat that expects
to be caught is harder to buy). The capturing group is drawn in proportion to the groups'
influence. Capture is absorbing: a captured bureaucrat's effective ideal point is its group's
position until it is removed.
"""

from __future__ import annotations

import numpy as np

FREE = -1  # captured_by value of a bureaucrat no group controls


def lobby_weights(leaves_below: np.ndarray, target: str) -> np.ndarray:
    """Per-bureaucrat lobbying weight with mean 1: uniform, or by leverage (subtree size)."""
    if target == "uniform":
        return np.ones(leaves_below.shape[0])
    if target == "leverage":
        w = leaves_below.astype(float)
        return w / w.mean()
    raise ValueError(f"unknown lobby target {target!r}")


def hazard(rate: float, weights: np.ndarray, belief: np.ndarray) -> np.ndarray:
    """h_i = min(1, rate * w_i * (1 - p_hat_i))."""
    return np.clip(rate * weights * (1.0 - belief), 0.0, 1.0)


def capture_step(
    captured_by: np.ndarray,
    hazard: np.ndarray,
    influence: np.ndarray,
    rng: np.random.Generator,
    decide=np.less,
) -> np.ndarray:
    """New captures among free bureaucrats; the captured stay captured. Each free one is
    captured iff its uniform u is below its hazard, `decide(u, hazard)` (the owning component
    passes its tilted-draw point, Component.bernoulli; plain `u < hazard` by default)."""
    out = captured_by.copy()
    if influence.size == 0:
        return out
    free = captured_by == FREE
    u = rng.random(captured_by.shape[0])
    hit = np.zeros(captured_by.shape[0], dtype=bool)
    hit[free] = decide(u[free], np.broadcast_to(hazard, u.shape)[free])
    n = int(hit.sum())
    if n:
        out[hit] = rng.choice(influence.size, size=n, p=influence / influence.sum())
    return out


def effective_ideal(ideal: np.ndarray, captured_by: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Own ideal point, or the capturing group's position."""
    if groups.shape[0] == 0:
        return ideal
    return np.where((captured_by != FREE)[:, None], groups[np.maximum(captured_by, 0)], ideal)


def random_positions(n: int, d: int, distance: float, rng: np.random.Generator) -> np.ndarray:
    """n group positions at `distance` from the origin in uniformly random directions."""
    v = rng.standard_normal((n, d))
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return distance * v / np.where(norms > 0, norms, 1.0)
