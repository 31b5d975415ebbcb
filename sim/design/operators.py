"""Variation operators for designs coded on the unit cube with categorical genes (issue 15).

A categorical lever (a set of choices; the oversight stack's length and each of its layers) is
a gene read as the category floor(u k) (sim/design/encoding.py). Real-coded operators move a
gene by small steps: simulated binary crossover (SBX, eta 15; Deb & Agrawal 1995) puts a child
near its parents and polynomial mutation (PM, eta 20; Deb & Goyal 1996) perturbs one gene in a
few percent of its range, so they carry a categorical gene across a category boundary rarely
and only into a neighbouring category (tests/test_design_operators.py). NSGA-II then mostly
recombines the categories its first population happened to hold, and the order of the
categories, which means nothing, decides which others it tries.

pymoo's mixed-variable mating (`pymoo.core.mixed.MixedVariableMating`; Blank & Deb 2020)
answers this with a type per variable: uniform crossover (UX; Syswerda 1989) and a uniform
redraw (`ChoiceRandomMutation`) for choices, SBX and PM for reals. These two operators do the
same on the unit cube, gene by gene, so the encoding, the archive and resume stay as they are:

- `MixedCrossover`: SBX on the numeric genes, UX on the categorical ones (each child takes
  each categorical gene from one parent or the other, with probability 1/2);
- `MixedMutation`: PM on the numeric genes; each categorical gene redrawn uniformly with
  probability 1/width, pymoo's default per-variable rate, so every category stays reachable.
"""

from __future__ import annotations

import numpy as np
from pymoo.core.crossover import Crossover
from pymoo.core.mutation import Mutation
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.crossover.ux import UX
from pymoo.operators.mutation.pm import PM


class MixedCrossover(Crossover):
    """SBX on numeric genes, uniform crossover on categorical genes (mask `discrete`)."""

    def __init__(self, discrete: np.ndarray, **kwargs) -> None:
        super().__init__(2, 2, **kwargs)
        self.discrete = np.asarray(discrete, dtype=bool)
        self.sbx, self.ux = SBX(), UX()

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        out = self.sbx._do(problem, X, random_state=random_state)
        if self.discrete.any():
            mixed = self.ux._do(problem, X, random_state=random_state)
            out[:, :, self.discrete] = mixed[:, :, self.discrete]
        return out


class MixedMutation(Mutation):
    """PM on numeric genes; a uniform redraw of each categorical gene with prob. 1/width."""

    def __init__(self, discrete: np.ndarray, **kwargs) -> None:
        super().__init__(**kwargs)
        self.discrete = np.asarray(discrete, dtype=bool)
        self.pm = PM()

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        out = self.pm._do(problem, X, random_state=random_state)
        cols = np.flatnonzero(self.discrete)
        if len(cols):
            hit = random_state.random((len(X), len(cols))) < 1.0 / problem.n_var
            redraw = random_state.random((len(X), len(cols)))
            out[:, cols] = np.where(hit, redraw, X[:, cols])
        return out
