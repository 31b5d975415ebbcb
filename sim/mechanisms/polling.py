"""Opinion polls: the proxy that approval-seeking politicians optimize.

A poll samples m voters and predicts each one's approval if a proposal (platform p, visible
effort v) were enacted, with the voter's own information q_i, record pi_i and aspiration c_i
and fresh perception noise, through the same perception model as public opinion
(`sim.electorate.Perception.update`, Downs 1957):

    u_i(p, v) = -||x_i - (p + D)||^2 / d + G(v) - H
    s_i = q_i u_i + (1 - q_i) S(v) + eps
    pi_i' = pi_i + m (s_i - pi_i),   a_i = logistic(kappa (pi_i' - c_i))

The poll knows only what voters experienced: H is last step's harm and D last step's drift
(the implemented policy minus the mandate it came from), so a proposal is scored as it would
be implemented by a bureaucracy that drifts as it did last step. The score of a proposal is
the mean predicted approval. Noise and low information make the score a noisy, biased
estimate of welfare (Goodhart's regressional and extremal channels; Gao, Schulman & Hilton
2022).
"""

from __future__ import annotations

import numpy as np

from sim.electorate import Electorate, Perception
from sim.mechanisms.effort import EffortModel


def poll_approval(
    electorate: Electorate,
    sample: np.ndarray,
    platforms: np.ndarray,
    visible: np.ndarray,
    effort: EffortModel,
    perception: Perception,
    harm: float,
    drift: np.ndarray | float,
    rng: np.random.Generator,
    information: np.ndarray | None = None,
) -> np.ndarray:
    """Mean predicted approval of each of n proposals, shape (n,), over the sampled voters.
    `harm` and `drift` are last step's harm and drift (what voters experienced);
    `information` each voter's current q_i (None: the electorate's fixed baseline)."""
    q = electorate.information if information is None else information
    x = electorate.ideals[sample]  # (m, d)
    d = x.shape[1]
    enacted = platforms + drift  # (n, d): as last step's bureaucracy would implement them
    cross = np.einsum("kj,mj->km", enacted, x)  # not `@`: see voting.scores
    sq = (x * x).sum(axis=1)[None, :] - 2.0 * cross + (enacted**2).sum(axis=1)[:, None]
    utility = -sq / d + (effort.welfare(visible) - harm)[:, None]  # (n, m)
    _, approval = perception.update(
        utility,
        q[sample][None, :],
        effort.signal(visible)[:, None],
        electorate.perceived[sample][None, :],
        electorate.aspiration[sample][None, :],
        perception.noise(utility.shape, rng),
    )
    return approval.mean(axis=1)
