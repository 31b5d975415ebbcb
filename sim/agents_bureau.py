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
