"""Predator (Laver 2005; Laver & Sergenti 2011): moves towards the largest party unless it is
the largest.

Alignment failure: competitive imitation - the agent optimizes relative standing against a rival
rather than the principal's interest."""

import numpy as np

from sim.strategies.base import Strategy, move_towards


class Predator(Strategy):
    name = "predator"
    observes = "all parties' vote shares and platforms"
    needs_support = True
    stochastic = False
    references = ("Laver 2005, APSR 99(2)", "Laver & Sergenti 2011, ch. 3")

    def adapt(self, pol, ctx) -> None:
        leader = int(np.argmax(ctx.shares))
        if leader != pol.index:
            pol.platform = move_towards(pol.platform, ctx.platforms[leader], ctx.step_size)
