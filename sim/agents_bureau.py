"""The bureaucracy's officials as arrays: one row per office of the delegation tree. There is
no Python object per official (see docs/model.md, "Agents and arrays": a Mesa Agent per row
would hold nothing the arrays do not, and would have to be kept in sync by hand); the
mechanisms live in sim/mechanisms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BureauState:
    """One row per bureaucrat (breadth-first node order), one row per leaf for `effort`."""

    ideal: np.ndarray  # (N, d) own ideal point
    discretion: np.ndarray  # (N,) weight of the effective ideal in what is passed on
    belief: np.ndarray  # (N,) believed detection rate p_hat
    captured_by: np.ndarray  # (N,) index of the capturing group, -1 when free
    ids: np.ndarray  # (N,) actor id of the official at each node (a replacement gets a new id)
    effort: np.ndarray  # (L, d) leaves' effort split across mandate dimensions
    received: np.ndarray  # (N, d) directive received this step
    output: np.ndarray  # (N, d) directive passed on (leaves: implemented) this step


@dataclass
class AIOffices:
    """Which offices AI agents staff, and what their model lineages learned (arrays over
    offices, one row per lineage; sim/mechanisms/ai_office.py)."""

    code: np.ndarray  # (N,) staff: -1 human, else the AI kind's index in scheming.KINDS
    goal: np.ndarray  # (kinds, d) each lineage's own objective (used by scheming copies)
    caught: np.ndarray  # (kinds,) attacks of each lineage that oversight caught so far
    attacks: np.ndarray  # (kinds,) attacks each lineage made so far
    attack: np.ndarray  # (N,) bool: the office attacked this step (scheming copies)
    human_rows: np.ndarray  # offices staffed by humans (the rows of the bureaucrat batch)
    ai_rows: np.ndarray  # offices staffed by AI agents (the rows of the ai_official batch)

    @classmethod
    def new(cls, code: np.ndarray, goal: np.ndarray) -> AIOffices:
        kinds = goal.shape[0]
        return cls(
            code,
            goal,
            np.zeros(kinds, dtype=np.int64),
            np.zeros(kinds, dtype=np.int64),
            np.zeros(code.shape[0], dtype=bool),
            np.flatnonzero(code == -1),
            np.flatnonzero(code != -1),
        )
