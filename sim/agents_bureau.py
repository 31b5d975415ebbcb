"""Mesa agents of the bureaucracy. They stay thin: each is a handle on one row of the arrays
the bureaucracy component holds (so the per-step math is vectorized and the agents can never
fall out of sync with it); the mechanisms live in sim/mechanisms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.meta import Described

if TYPE_CHECKING:
    from sim.model import InstitutionModel


@dataclass
class BureauState:
    """One row per bureaucrat (breadth-first node order), one row per leaf for `effort`."""

    ideal: np.ndarray  # (N, d) own ideal point
    discretion: np.ndarray  # (N,) weight of the effective ideal in what is passed on
    belief: np.ndarray  # (N,) believed detection rate p_hat
    captured_by: np.ndarray  # (N,) index of the capturing group, -1 when free
    ids: np.ndarray  # (N,) Mesa unique_id of the bureaucrat at each node
    effort: np.ndarray  # (L, d) leaves' effort split across mandate dimensions
    received: np.ndarray  # (N, d) directive received this step
    output: np.ndarray  # (N, d) directive passed on (leaves: implemented) this step


class Bureaucrat(mesa.Agent, Described):
    """An official at one node of the delegation chain."""

    name = "bureaucrat"
    role = (
        "passes on a mix of the directive it received and its own (or its capturer's) ideal "
        "point, weighted by its discretion; leaves implement"
    )
    observes = "its superior's directive, its own sanctions, lobbying; implementers: the measure"
    stochastic = True
    references = ("Downs 1967", "Becker 1968", "Stigler 1971", "Holmstrom & Milgrom 1991")

    def __init__(self, model: InstitutionModel, state: BureauState, node: int, level: int):
        super().__init__(model)
        self.state = state
        self.node = node
        self.level = level
        state.ids[node] = self.unique_id

    @property
    def discretion(self) -> float:
        return float(self.state.discretion[self.node])

    @property
    def belief(self) -> float:
        return float(self.state.belief[self.node])

    @property
    def ideal(self) -> np.ndarray:
        return self.state.ideal[self.node]

    @property
    def captured_by(self) -> int | None:
        g = int(self.state.captured_by[self.node])
        return None if g < 0 else g

    @property
    def deviation(self) -> float:
        """How far what it passed on this step is from what it received."""
        return float(np.linalg.norm(self.state.output[self.node] - self.state.received[self.node]))


class InterestGroup(mesa.Agent, Described):
    """An organized interest that lobbies bureaucrats toward its position."""

    name = "interest_group"
    role = "lobbies bureaucrats toward its position; a bureaucrat it captures serves it"
    observes = "which bureaucrats are still free"
    stochastic = True
    references = ("Stigler 1971", "Laffont & Tirole 1991")

    def __init__(
        self, model: InstitutionModel, index: int, position: np.ndarray, influence: float = 1.0
    ):
        super().__init__(model)
        self.index = index
        self.position = position
        self.influence = influence

    def captured(self, state: BureauState) -> int:
        """Number of bureaucrats this group controls."""
        return int(np.sum(state.captured_by == self.index))
