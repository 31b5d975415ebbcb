"""A learning group: it reallocates its money among the channels by what each split bought
it, an epsilon-greedy bandit (sim/mechanisms/bandit.py; Sutton & Barto 2018, ch. 2) over the
splits of the budget in halves among the enabled channels (`splits`). Its reward for a
period is the mean share of the officials it held while the split was in force, so which
channel it comes to favour (buying officials directly, buying the overseers that would catch
them, or lobbying the audit budget down) is what the institution's dynamics reward; a
best response learnt from experience, not computed from a model of the others."""

from __future__ import annotations

import numpy as np

from sim.lobby.base import LobbyStrategy, splits
from sim.mechanisms.bandit import Bandit


class Learning(LobbyStrategy):
    name = "learning"
    observes = "the share of officials it held while each split was in force"
    stochastic = True
    references = ("Sutton & Barto 2018, ch. 2", "Tullock 1980", "Grossman & Helpman 1994")
    learns = True

    def __init__(self, enabled: np.ndarray, epsilon: float) -> None:
        super().__init__(enabled, epsilon)
        self.arms = splits(self.enabled)
        self.bandit = Bandit(len(self.arms), epsilon)
        self.arm = 0

    def choose(self, rng: np.random.Generator) -> np.ndarray:
        self.arm = self.bandit.choose(rng)
        return self.arms[self.arm].copy()

    def learn(self, reward: float) -> None:
        self.bandit.learn(self.arm, reward)
