"""A welfare-maximizing government: it learns (an epsilon-greedy bandit,
sim/mechanisms/bandit.py) which lever setting raises the voters' true welfare, as measured
over each period the setting was in force: the benevolent planner of public-finance
models that can see what its policies deliver (Besley 2006, *Principled Agents?*, ch. 3)."""

from __future__ import annotations

import numpy as np

from sim.levers.base import LeverPolicy, Period
from sim.mechanisms.bandit import Bandit


class WelfareMaximizer(LeverPolicy):
    name = "welfare_maximizer"
    observes = "mean true voter welfare while each setting was in force"
    stochastic = True
    references = ("Besley 2006", "Sutton & Barto 2018, ch. 2")
    learns = True

    def __init__(self, arms: int, default: int, epsilon: float) -> None:
        super().__init__(arms, default, epsilon)
        self.bandit = Bandit(arms, epsilon)

    def choose(self, rng: np.random.Generator) -> int:
        return self.bandit.choose(rng)

    def learn(self, arm: int, period: Period) -> None:
        self.bandit.learn(arm, self.reward(period))

    def reward(self, period: Period) -> float:
        return period.welfare

    def favoured(self) -> int:
        return self.bandit.favoured()

    def estimates(self) -> tuple[list[float], list[int]]:
        return self.bandit.means.tolist(), self.bandit.counts.tolist()
