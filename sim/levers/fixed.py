"""Fixed levers: the government keeps the scenario's settings (today's institutions)."""

from __future__ import annotations

import numpy as np

from sim.levers.base import LeverPolicy


class Fixed(LeverPolicy):
    name = "fixed"
    observes = "nothing"
    stochastic = False
    references = ("the status-quo baseline of every lever comparison",)

    def choose(self, rng: np.random.Generator) -> int:
        return self.default
