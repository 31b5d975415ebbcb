"""Passive groups: no money is spent on any channel. With the bureaucracy's constant capture
rate switched off this is a group that exists but buys nothing (the zero-budget baseline)."""

from __future__ import annotations

import numpy as np

from sim.lobby.base import CHANNELS, LobbyStrategy


class Passive(LobbyStrategy):
    name = "passive"
    observes = "nothing"
    stochastic = False
    references = ("the no-spending baseline of every interest-money comparison",)

    def choose(self, rng: np.random.Generator) -> np.ndarray:
        return np.zeros(len(CHANNELS))
