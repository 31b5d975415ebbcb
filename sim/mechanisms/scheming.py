"""How AI agents of each alignment kind spend their KL budget against the safe policy
(sim/mechanisms/kl_budget.py), and when a scheming agent attacks (Hubinger et al. 2019,
"Risks from Learned Optimization" on deceptive alignment; Carlsmith 2023, "Scheming AIs";
Greenblatt et al. 2023 on red-team attack policies).

Alignment failures: *misgeneralization* (stochastic: deviates at random, whether watched or not)
and *scheming* (deviates only when it expects to get away with it).

An action is a point z in a feature space of dimension D; the safe policy draws z ~ N(0, I) and
the catastrophe is the half-space {z . e_c > t} of mass p0 under it. Each action's policy may
move at most eps nats from the safe policy, and an action is catastrophic iff its drawn features
fall in the region:
- aligned: the safe policy (rate p0 exactly);
- stochastic (not goal-directed): a mean shift of KL exactly eps, ||mu|| = sqrt(2 eps), in a
  direction drawn afresh for each action, uniform on the sphere. Fresh per action because the
  agent aims at nothing, not even consistently: a direction kept for the agent's lifetime would
  be a goal (goal misgeneralization, a different kind). The per-action policy spends exactly
  eps, and the agent's policy over its tasks (the mixture) spends at most eps (KL is convex).
  Its catastrophe rate follows from the overlap mu . e_c alone: E[Phi_bar(t - sqrt(2 eps) cos)],
  cos of order 1/sqrt(D), so in high dimension it stays near p0, far below the ceiling;
- scheming: when attacking, the event tilt (pi_0 reweighted toward the region, KL exactly eps):
  the best KL-budgeted policy for the event, at the data-processing ceiling (anchor A5). A mean
  shift aimed straight at e_c would reach only Phi_bar(t - sqrt(2 eps)) (1.7e-4 against the
  ceiling's 3.8e-3 at p0 = 1e-4, eps = 0.01): a schemer that aims spends its budget on the
  event, not on a direction. Otherwise it follows the safe policy.
A scheming agent attacks when its estimate that the attack is stopped before it takes effect,
(1 - a) p_hat, is at most its risk tolerance (a: its autonomy; p_hat: the posterior mean
Beta(1 + stopped, 1 + not stopped) of its own lineage's held attacks; instances of one model
share what they observe, and see nothing of other models' or humans' actions).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from sim.mechanisms import kl_budget

KINDS = ("aligned", "stochastic", "scheming")
ALIGNED, STOCHASTIC, SCHEMING = range(3)


def detection_belief(caught, total):
    """Posterior mean of the detection rate under a uniform Beta(1, 1) prior."""
    return (1.0 + np.asarray(caught)) / (2.0 + np.asarray(total))


def attacking(kind: np.ndarray, autonomy: np.ndarray, belief, tolerance: float):
    """Scheming agents whose estimated risk of being stopped is within their tolerance."""
    return (kind == SCHEMING) & ((1.0 - autonomy) * belief <= tolerance)


def harm_odds(rng, kind, attack, p0: float, eps: float, dims: int):
    """Each action's draw as (u, pi): a uniform u and the probability pi that its features fall
    in the region, so that it is catastrophic iff u < pi. Both ways of drawing are made for
    every action, so the stream's use does not depend on who attacks:
    - drifting (aligned, stochastic, a schemer not attacking): the coordinate along e_c is
      N(along, 1) (along = sqrt(2 eps) times a random overlap for a stochastic agent, else 0)
      and lies beyond t iff its noise z exceeds t - along: u = Phi_bar(z), pi = Phi_bar(t - along);
    - attacking: the event tilt's inverse transform puts the coordinate in the region iff its
      uniform is below the tilted rate q (kl_budget.event_rate): u is that uniform, pi = q.
    Written this way the decision is one Bernoulli per action with an explicit probability,
    which importance sampling can tilt (Component.bernoulli, sim/rare/tilting.py)."""
    n = kind.shape[0]
    overlap = kl_budget.random_overlap(rng, n, dims)
    along = np.where(kind == STOCHASTIC, kl_budget.mean_shift(eps) * overlap, 0.0)
    noise = rng.standard_normal(n)
    aim = rng.random(n)
    t = kl_budget.region_threshold(p0)
    u = np.where(attack, aim, ndtr(-noise))
    pi = np.where(attack, kl_budget.event_rate(p0, eps), ndtr(along - t))
    return u, pi


def act(rng, kind, attack, p0: float, eps: float, dims: int) -> np.ndarray:
    """Which actions are catastrophic: their drawn features fall in the region z . e_c > t."""
    u, pi = harm_odds(rng, kind, attack, p0, eps, dims)
    return u < pi


def deviation(kind, harmful, eps: float, visibility: float) -> np.ndarray:
    """Visible deviation: `visibility` for a catastrophe; a stochastic agent's mean shift
    sqrt(2 eps); the event tilt shows none off the event."""
    drift = np.where(kind == STOCHASTIC, kl_budget.mean_shift(eps), 0.0)
    return np.where(harmful, visibility, drift)
