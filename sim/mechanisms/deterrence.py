"""Deterrence learned from experienced detection (Becker 1968, "Crime and Punishment: An
Economic Approach"; Nagin 2013 on perceived certainty of sanctions; Sah 1991 on learning
the detection probability from one's own experience).

Alignment failure: *drift while unmonitored*. An agent's latitude to pursue its own ends grows
whenever it believes it is not watched; only the perceived certainty of sanction holds it back.

Each bureaucrat holds a believed detection rate p_hat, updated only after actions it knows
were harmful (it took a chance): p_hat <- p_hat + lambda (caught - p_hat). Discretion moves
with the net pressure u = 1 - s p_hat (s = sanction severity, the loss from one detection in
units of the gain from full discretion):

    delta <- delta + rate * u * (1 - delta)    if u > 0   (undeterred: discretion grows)
    delta <- delta + rate * u * delta          if u <= 0  (deterred: discretion shrinks)

With no oversight nothing is ever caught, p_hat decays to 0 and delta -> 1.
"""

from __future__ import annotations

import numpy as np


def update_belief(
    belief: np.ndarray, exposed: np.ndarray, caught: np.ndarray, rate: float
) -> np.ndarray:
    """p_hat moves toward the outcome (caught or not) of each exposed (harmful) action."""
    return np.where(exposed, belief + rate * (caught.astype(float) - belief), belief)


def pressure(belief: np.ndarray, severity: float) -> np.ndarray:
    """u = 1 - s p_hat: > 0 the bureaucrat takes more latitude, < 0 it retreats."""
    return 1.0 - severity * belief


def discretion_step(
    discretion: np.ndarray, belief: np.ndarray, rate: float, severity: float
) -> np.ndarray:
    """One step of drift (u > 0) or retreat (u <= 0); stays in [0, 1]."""
    u = pressure(belief, severity)
    room = np.where(u > 0, 1.0 - discretion, discretion)
    return np.clip(discretion + rate * u * room, 0.0, 1.0)
