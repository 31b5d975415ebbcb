"""Learning which lever setting pays: an epsilon-greedy multi-armed bandit with incremental
sample means (Sutton & Barto 2018, *Reinforcement Learning*, 2nd ed., section 2.2-2.4;
Robbins 1952 for the bandit problem).

An institution holds one arm (a lever setting) for a while, scores it by what it observed
while the arm was in force (its reward), and updates that arm's mean: Q_a <- Q_a +
(r - Q_a) / n_a. Every untried arm is tried once first, in a random order; afterwards it
explores a uniformly random arm with probability epsilon and otherwise exploits the best
estimate (ties broken at random). Which arm it ends up favouring is an outcome of what its
reward measures and of the world's noise, not a rule written into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Bandit:
    arms: int
    epsilon: float
    counts: np.ndarray = field(init=False)
    means: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.counts = np.zeros(self.arms, dtype=np.int64)
        self.means = np.zeros(self.arms)

    def choose(self, rng: np.random.Generator) -> int:
        """The arm to hold next: an untried one, a random one (epsilon) or the best."""
        untried = np.flatnonzero(self.counts == 0)
        if untried.size:
            return int(rng.choice(untried))
        if rng.random() < self.epsilon:
            return int(rng.integers(self.arms))
        best = np.flatnonzero(self.means == self.means.max())
        return int(rng.choice(best))

    def learn(self, arm: int, reward: float) -> None:
        """Incremental mean of the rewards the arm earned (NaN rewards are ignored)."""
        if not np.isfinite(reward):
            return
        self.counts[arm] += 1
        self.means[arm] += (reward - self.means[arm]) / self.counts[arm]

    def favoured(self) -> int:
        """The arm with the best estimate (the lowest index among ties); 0 before any try."""
        return int(np.argmax(self.means)) if self.counts.any() else 0
