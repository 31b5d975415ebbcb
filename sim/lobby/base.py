"""The interest-group strategy protocol (issue 12, item 2): how a group splits its money
among the channels of influence for the next period, and what it learns from what the
period bought it. Channels, in order:
- `officials`: bids for the capture of officials (a Tullock contest per official);
- `overseers`: bids for the capture of oversight layers (the revolving door);
- `oversight`: lobbying the incumbent against the audit budget (a menu auction), money that
  organizes the group in the auction; what it pays is what the auction's equilibrium asks;
- `campaigns`: contributions to the candidate nearest the group's ideal, which buy valence
  with uninformed voters (sim/mechanisms/campaign_money.py). Off unless listed by name:
  `all` means the first three (`DEFAULT_CHANNELS`), and with it off the split grid, and so
  every draw, is the three-channel one.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np

from sim.meta import Described

CHANNELS = ("officials", "overseers", "oversight", "campaigns")
DEFAULT_CHANNELS = CHANNELS[:3]  # what `interest_groups.channels: all` enables


def splits(enabled: np.ndarray, step: float = 0.5) -> np.ndarray:
    """Every split of the budget on a simplex grid of the given step that puts money only on
    the enabled channels (rows sum to 1); with no channel enabled, one all-zero row. Rows
    come in lexicographic order, so a disabled last channel leaves the others' grid as it
    would be without it."""
    if not enabled.any():
        return np.zeros((1, len(CHANNELS)))
    levels = np.arange(0.0, 1.0 + 1e-9, step)
    rows = [r for r in itertools.product(levels, repeat=len(CHANNELS)) if abs(sum(r) - 1) < 1e-9]
    grid = np.array(rows)
    return grid[(grid[:, ~enabled] == 0).all(axis=1)]


class LobbyStrategy(Described):
    """One group's allocation rule: `choose` the shares of the budget per channel for the
    next period; `learn` from what the period brought (the share of officials it held)."""

    role = "interest-group strategy"
    learns: ClassVar[bool] = False

    def __init__(self, enabled: np.ndarray, epsilon: float) -> None:
        self.enabled = np.asarray(enabled, dtype=bool)
        self.epsilon = epsilon

    def choose(self, rng: np.random.Generator) -> np.ndarray:
        """(len(CHANNELS),) shares of the budget, summing to 1 (or all 0: no spending)."""
        raise NotImplementedError

    def learn(self, reward: float) -> None:
        """Score the split that was in force (a strategy that does not learn ignores it)."""
