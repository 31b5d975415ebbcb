"""The lever-policy protocol: how a government sets its levers (issue 12). A policy picks
one of the declared lever settings for the next period and may learn from what the period
brought; the government component (sim/components/government.py) holds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.meta import Described


@dataclass(frozen=True)
class Period:
    """What the government observed while one setting was in force (means over its steps)."""

    approval: float  # mean voter approval of the incumbent (what its polls measure)
    welfare: float  # mean true voter utility (what a welfare-maximizer's own audit measures)


class LeverPolicy(Described):
    """How the incumbent sets its levers (one of `arms` settings) period by period."""

    role = "government lever policy"
    learns: ClassVar[bool] = False

    def __init__(self, arms: int, default: int, epsilon: float) -> None:
        self.arms, self.default, self.epsilon = arms, default, epsilon

    def choose(self, rng: np.random.Generator) -> int:
        raise NotImplementedError

    def learn(self, arm: int, period: Period) -> None:
        """Score the period the arm was held (a policy that does not learn ignores it)."""

    def favoured(self) -> int:
        """The setting the policy rates best so far (its greedy choice)."""
        return self.default

    def estimates(self) -> tuple[list[float], list[int]]:
        """Each setting's estimated reward and how often it was scored (none: not learning)."""
        return [], []
