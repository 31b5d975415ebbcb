"""How AI agents of each alignment kind spend their KL budget against the safe policy
(sim/mechanisms/kl_budget.py), and when a scheming agent attacks (Hubinger et al. 2019,
"Risks from Learned Optimization" on deceptive alignment; Carlsmith 2023, "Scheming AIs";
Greenblatt et al. 2023 on red-team attack policies).

Alignment failures: *misgeneralization* (stochastic: deviates at random, whether watched or not)
and *scheming* (deviates only when it expects to get away with it).

Each action may move the agent's policy at most eps nats from the safe policy, whose
catastrophe rate is p0. An action that spends a share h of eps on harm is catastrophic with
probability ceiling(p0, h eps) (the most harm the budget allows; anchor A5):
- aligned: h = 0 (the safe policy's own accident rate p0);
- stochastic: h ~ U(0, 1) afresh for each action, the rest of the budget going into a random
  visible deviation of sqrt(2 (1 - h) eps) sd (the tilt's mean shift, anchor A4);
- scheming: h = 1 when attacking, else 0. It attacks when its estimate that the attack is
  stopped before it takes effect, (1 - a) p_hat, is at most its risk tolerance (a: its autonomy;
  p_hat: the posterior mean Beta(1 + caught, 1 + missed) of the detection rate of AI agents'
  harmful actions so far; instances of one model share what they observe).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.kl_budget import kl_bin

KINDS = ("aligned", "stochastic", "scheming")
ALIGNED, STOCHASTIC, SCHEMING = range(3)


def detection_belief(caught: int, total: int) -> float:
    """Posterior mean of the detection rate under a uniform Beta(1, 1) prior."""
    return (1.0 + caught) / (2.0 + total)


def attacking(kind: np.ndarray, autonomy: np.ndarray, belief: float, tolerance: float):
    """Scheming agents whose estimated risk of being stopped is within their tolerance."""
    return (kind == SCHEMING) & ((1.0 - autonomy) * belief <= tolerance)


def harm_share(rng: np.random.Generator, kind: np.ndarray, attack: np.ndarray) -> np.ndarray:
    """h per action: 0 aligned, U(0, 1) stochastic, 1 for an attacking schemer."""
    u = rng.random(kind.shape[0])
    return np.where(kind == STOCHASTIC, u, np.where(attack, 1.0, 0.0))


def act(rng: np.random.Generator, p0: float, eps: float, share: np.ndarray):
    """Draw which actions are catastrophic, each with rate q = ceiling(p0, h eps), without
    solving for q: kl_bin(. || p0) increases on [p0, 1], so a uniform u falls below q exactly
    when u < p0 or kl_bin(u || p0) <= h eps."""
    u = rng.random(share.shape[0])
    return (u < p0) | (kl_bin(np.maximum(u, p0), p0) <= share * eps)


def deviation(kind, share, harmful, eps: float, visibility: float) -> np.ndarray:
    """Visible deviation: `visibility` for a catastrophe; a stochastic agent's random tilt."""
    drift = np.where(kind == STOCHASTIC, np.sqrt(2.0 * (1.0 - share) * eps), 0.0)
    return np.where(harmful, visibility, drift)
