"""Monitoring as signal detection (Green & Swets 1966, the equal-variance Gaussian model), with
discriminability that falls as the watched agent outgrows its monitor (the scalable-oversight
problem; Bowman et al. 2022, "Measuring Progress on Scalable Oversight").

Alignment failure: *oversight that does not scale*. A monitor weaker than the actor it watches
cannot tell subtle misbehaviour from honest work.

A monitor scores each action s = d' * harmful + eps, eps ~ N(0, 1), with

    d' = 2 d0 / (1 + exp(k (c_actor - c_monitor)))

(d0 between equals, up to 2 d0 for a much stronger monitor, toward 0 as the actor's capability
exceeds the monitor's). It flags scores above the benign (1 - r) quantile, so it flags a share r
of honest work. A colluding monitor reports the lowest possible suspicion (-inf) for a harmful
action. Used by the ai_monitor oversight layer and the AI control protocols.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri


def discriminability(d0: float, actor_cap, monitor_cap: float, slope: float):
    """d' = 2 d0 / (1 + exp(k (c_actor - c_monitor))): d0 between equals."""
    return 2.0 * d0 / (1.0 + np.exp(slope * (np.asarray(actor_cap) - monitor_cap)))


def threshold(flag_rate: float) -> float:
    """Suspicion above which a monitor flags: the benign (1 - flag_rate) quantile."""
    if flag_rate <= 0.0:
        return float("inf")
    if flag_rate >= 1.0:
        return float("-inf")
    return float(-ndtri(flag_rate))


def suspicion(rng: np.random.Generator, harmful, dprime, colludes) -> np.ndarray:
    """Scores of a batch of actions; colluding verdicts on harmful actions are -inf."""
    harmful = np.asarray(harmful, dtype=bool)
    score = rng.standard_normal(harmful.shape[0]) + np.where(harmful, dprime, 0.0)
    return np.where(harmful & colludes, -np.inf, score)
