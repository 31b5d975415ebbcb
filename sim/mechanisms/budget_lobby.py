"""Lobbying against oversight: the interest groups' stakes in a low audit budget become
contributions to the incumbent through a menu auction over the budget (Grossman & Helpman
1994, "Protection for Sale", AER 84; Bernheim & Whinston 1986, QJE 101), solved by
`sim/mechanisms/menu_auction.py` (anchor E1).

Alignment failure: *the overseen buy the oversight budget down*. A group that holds captured
officials loses them when the final audit catches them, so it values every cut of the audit
budget in proportion to what it holds.

The government's policy here is the audit budget p. Its own preference is the setting its
lever policy intended, c, with W(p) = -(p - c)^2 weighted by a (how much the incumbent cares
about its own choice against money). A group with stake s_i > 0 (its value of oversight cuts:
`interest_groups.stake` x the share of the officials it holds) has gross welfare
-(p - z_i)^2 with ideal budget z_i = max(c - s_i, the lowest setting): the quadratic whose
slope at c is 2 s_i (the local approximation of a loss linear in the budget with slope
proportional to its holdings), its ideal kept within the budgets the government can set.
The groups offer truthful schedules, their constants set by iterated best response
(`menu_auction.equilibrium`); the government's numeric maximization of a W(p) + sum_i C_i(p)
over the budget range picks the policy, and each group pays C_i there. The lever is
discrete: the government then sets the declared setting nearest that policy (evaluating the
continuous equilibrium's schedules on the coarse menu instead would leave the government
nearly indifferent, by construction of truthful schedules, and make the choice an artefact
of the grid). Groups with no stake are not organized and offer nothing.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import menu_auction

# The optimizer's precision and first grid for this one-dimensional auction: the policy is
# snapped to the nearest declared setting (0.05 apart in the shipped scenarios), so 1e-5 of
# the budget range is ample, and 400 first-grid points resolve every schedule's kink (the
# anchor E1 keeps the generic defaults, 1e-6 and 40,000 points).
TOL, COARSE = 1e-5, 400


def lobbied_setting(
    settings: np.ndarray, intended: int, stakes: np.ndarray, weight: float
) -> tuple[int, np.ndarray]:
    """(the setting the government picks, each group's contribution paid)."""
    stakes = np.asarray(stakes, dtype=float)
    paid = np.zeros(stakes.size)
    organized = stakes > 0
    if not organized.any():
        return intended, paid
    c = float(settings[intended])
    ideals = np.maximum(c - stakes[organized], np.min(settings))[:, None]
    lobby = menu_auction.Lobby(ideals, np.array([[c]]), weight)
    outcome = menu_auction.equilibrium(lobby, tol=TOL, coarse=COARSE)
    choice = int(np.argmin(np.abs(np.asarray(settings) - outcome.policy[0])))
    paid[organized] = outcome.payments
    return choice, paid
