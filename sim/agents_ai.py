"""The AI deployment's agents as arrays: one row per deployment slot, no Python object per
agent (see docs/model.md, "Agents and arrays"); the mechanisms live in sim/mechanisms
(scheming, kl_budget, autonomy, control)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class AIState:
    """One row per deployment slot."""

    kind: np.ndarray  # (K,) int: index into sim.mechanisms.scheming.KINDS (its lineage)
    capability: np.ndarray  # (K,) float: what monitors must keep up with
    autonomy: np.ndarray  # (K,) share of actions that take effect before review
    clean: np.ndarray  # (K,) clean steps since the last autonomy change
    active: np.ndarray  # (K,) bool: False once shut down (the trusted model does its tasks)
    ids: np.ndarray  # (K,) actor id of the agent in each slot (a replacement gets a new id)
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
            np.arange(k, dtype=np.int64),
            np.zeros(k, dtype=bool),
        )
