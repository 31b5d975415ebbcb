"""Opinion polls: the proxy that approval-seeking politicians optimize.

A poll samples m voters and predicts each one's approval if a proposal (platform p, visible
effort v) were enacted, with the voter's own information q_i and fresh perception noise:

    s_i(p, v) = q_i (u_i(p) + G(v) - H) + (1 - q_i) S(v) + eps,   a_i = logistic(kappa (pi_i' - c))

The score of a proposal is the mean predicted approval. Noise and low information make the
score a noisy, biased estimate of welfare (Goodhart's regressional and extremal channels).
"""

from __future__ import annotations

import numpy as np

from sim.electorate import Electorate, approval
from sim.mechanisms.effort import EffortModel


def poll_approval(
    electorate: Electorate,
    sample: np.ndarray,
    platforms: np.ndarray,
    visible: np.ndarray,
    effort: EffortModel,
    harm: float,
    noise_sd: float,
    memory: float,
    sensitivity: float,
    aspiration: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Mean predicted approval of each of n proposals, shape (n,), over the sampled voters."""
    x = electorate.ideals[sample]  # (m, d)
    d = x.shape[1]
    cross = np.einsum("kj,mj->km", platforms, x)  # not `@`: see voting.scores
    sq = (x * x).sum(axis=1)[None, :] - 2.0 * cross + (platforms**2).sum(axis=1)[:, None]
    utility = -sq / d + (effort.welfare(visible) - harm)[:, None]  # (n, m)
    vis = effort.signal(visible)[:, None]
    q = electorate.information[sample][None, :]
    signal = q * (utility - vis) + vis
    if noise_sd > 0:
        signal = signal + noise_sd * rng.standard_normal(signal.shape)
    prior = electorate.perceived[sample][None, :]
    perceived = prior + memory * (signal - prior)
    return approval(perceived, sensitivity, aspiration).mean(axis=1)
