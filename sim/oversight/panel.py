"""A panel of monitors voting by majority (Condorcet 1785, the jury theorem; Ladha 1992 and
Boland 1989 on correlated votes).

Alignment failure it answers: *unreliable single overseers*. Independent monitors that are each
better than chance are more reliable together (majority accuracy -> 1 as the panel grows); if
each is worse than chance, adding monitors makes things worse; and correlated monitors (same
training, same blind spots) add little: at full correlation a panel is one monitor.

Each of `size` monitors judges a case correctly with probability p (`accuracy`). With
`correlation` rho, each monitor copies the panel's common judgement (drawn once per case,
correct with probability p) with probability rho and judges independently otherwise. The case
is flagged when more than half the monitors judge it harmful; with independent monitors the
panel is right with probability P(Binomial(n, p) > n/2) (anchor C1). Cost: `cost` per monitor
per case.
"""

from __future__ import annotations

import numpy as np

from sim.oversight.base import Docket, Layer
from sim.params.core import Param


def votes_harmful(
    rng: np.random.Generator, harmful: np.ndarray, size: int, accuracy: float, correlation: float
) -> np.ndarray:
    """Number of monitors judging each case harmful."""
    n = harmful.shape[0]
    own = rng.random((n, size)) < accuracy
    common = rng.random(n) < accuracy
    copies = rng.random((n, size)) < correlation
    right = np.where(copies, common[:, None], own)
    return np.where(harmful[:, None], right, ~right).sum(axis=1)


def majority(votes: np.ndarray, size: int) -> np.ndarray:
    """Strict majority (a tie in an even panel does not flag)."""
    return 2 * votes > size


class Panel(Layer):
    name = "panel"
    role = "n monitors, independent or correlated, flag a case by majority vote"
    observes = "the cases it reviews, each monitor right with probability p"
    stochastic = True
    references = ("Condorcet 1785", "Ladha 1992", "Boland 1989")
    scope = "flagged"
    cost = 0.05
    fields = (
        Param("size", "int", 5, "n: monitors on the panel.", unit="monitors", low=1, high=1001),
        Param(
            "accuracy",
            "float",
            0.6,
            "p: probability each monitor judges a case correctly.",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
        Param(
            "correlation",
            "float",
            0.0,
            "rho: probability a monitor copies the panel's common judgement.",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
    )

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        s = self.f
        idx = np.flatnonzero(cand)
        votes = np.zeros(len(docket))
        votes[idx] = votes_harmful(rng, docket.harmful[idx], s.size, s.accuracy, s.correlation)
        flag = cand & majority(votes, s.size)
        return flag, votes / s.size, float(idx.size * s.size)
