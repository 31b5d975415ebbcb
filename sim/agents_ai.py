"""The AI deployment's agents as arrays: one row per deployment slot, no Python object per
agent (see docs/model.md, "Agents and arrays"); the mechanisms live in sim/mechanisms
(scheming, kl_budget, autonomy, control)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.components.base import ActionBatch


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


@dataclass
class Pending:
    """Last step's actions, awaiting oversight's verdict."""

    slot: np.ndarray
    harmful: np.ndarray  # as drawn, before the protocol
    attack: np.ndarray  # a scheming agent's deliberate attack (the event-tilted policy)
    autonomous: np.ndarray  # took effect before review
    lab_caught: np.ndarray  # audited by the lab and harmful
    replaced: np.ndarray  # deferred, or blocked by the lab: the trusted model's work instead
    lab_reviewed: np.ndarray  # the lab's protocol examined it (monitor scores or an audit)
    batch: ActionBatch
    edited: np.ndarray | None = None  # edited by the trusted model (trusted_editing)
    look: np.ndarray | None = None  # (n, k) appearance as submitted (searched attacks' choice)
    watched: np.ndarray | None = None  # whose flag outcome the searching lineage learns from

    def waited(self) -> np.ndarray:
        """Held actions that waited for a review that happened (the lab's or oversight's)."""
        seen = self.batch.reviewed
        reviewed = self.lab_reviewed | (np.zeros_like(self.harmful) if seen is None else seen)
        return ~self.autonomous & reviewed

    def verdict(self) -> tuple[np.ndarray, np.ndarray]:
        """(caught by anyone, took effect): a held action takes effect unless caught in time
        (oversight's `in_time`: its review ended within act_delay; a late catch still counts
        as caught, for the sanction, but its harm happened)."""
        oc, on_time = self.batch.caught, self.batch.in_time
        caught = self.lab_caught | (np.zeros_like(self.harmful) if oc is None else oc)
        late = np.zeros_like(self.harmful) if on_time is None else ~on_time
        return caught, ~self.replaced & (self.autonomous | ~caught | late)
