"""A fixed split: the budget is divided equally among the enabled channels, every period
(a rule-of-thumb lobby; the benchmark a learning group must beat)."""

from __future__ import annotations

import numpy as np

from sim.lobby.base import LobbyStrategy


class FixedSplit(LobbyStrategy):
    name = "fixed_split"
    observes = "nothing"
    stochastic = False
    references = ("Tullock 1980", "Grossman & Helpman 1994")

    def choose(self, rng: np.random.Generator) -> np.ndarray:
        n = int(self.enabled.sum())
        return self.enabled / n if n else np.zeros(self.enabled.size)
