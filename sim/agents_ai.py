"""Mesa agents of the AI deployment. Each `AIAgent` is a thin handle on one row (its slot) of
the arrays the deployment component holds, so per-step math stays vectorized; the mechanisms
live in sim/mechanisms (scheming, kl_budget, autonomy, control)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.mechanisms.scheming import KINDS
from sim.meta import Described

if TYPE_CHECKING:
    from sim.model import InstitutionModel


@dataclass
class AIState:
    """One row per deployment slot."""

    kind: np.ndarray  # (K,) int: index into sim.mechanisms.scheming.KINDS
    capability: np.ndarray  # (K,) float: what monitors must keep up with
    autonomy: np.ndarray  # (K,) share of actions that take effect before review
    clean: np.ndarray  # (K,) clean steps since the last autonomy change
    active: np.ndarray  # (K,) bool: False once shut down (the trusted model does its tasks)
    ids: np.ndarray  # (K,) Mesa unique_id of the agent in each slot
    catastrophe: np.ndarray  # (K,) bool: the slot caused a catastrophe at some point

    @classmethod
    def new(cls, kinds: np.ndarray, capability: float, autonomy: float) -> AIState:
        k = kinds.shape[0]
        return cls(
            kinds,
            np.full(k, float(capability)),
            np.full(k, float(autonomy)),
            np.zeros(k, dtype=np.int64),
            np.ones(k, dtype=bool),
            np.zeros(k, dtype=np.int64),
            np.zeros(k, dtype=bool),
        )


class AIAgent(mesa.Agent, Described):
    """An AI model instance doing tasks inside the institution."""

    name = "ai_agent"
    role = (
        "does tasks; aligned, stochastic (deviates at random) or scheming (attacks when it "
        "expects not to be stopped), within a KL budget from a safe policy"
    )
    observes = "its autonomy; schemers: the detection record of AI agents' harmful actions"
    stochastic = True
    references = ("Hubinger et al. 2019", "Carlsmith 2023", "Greenblatt et al. 2023")

    def __init__(self, model: InstitutionModel, state: AIState, slot: int) -> None:
        super().__init__(model)
        self.state = state
        self.slot = slot
        state.ids[slot] = self.unique_id

    @property
    def alignment(self) -> str:
        return KINDS[int(self.state.kind[self.slot])]

    @property
    def capability(self) -> float:
        return float(self.state.capability[self.slot])

    @property
    def autonomy(self) -> float:
        return float(self.state.autonomy[self.slot])

    @property
    def active(self) -> bool:
        return bool(self.state.active[self.slot])
