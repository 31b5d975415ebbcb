"""Hunter (Laver 2005): a vote-seeking Pavlovian forager. If its last move raised its vote
share it moves again the same way; otherwise it turns to a random heading in the half-space
facing away from its last heading.

Alignment failure: proxy optimization on vote share - it chases votes, not welfare; with two
Hunters in one dimension that proxy happens to lead to the median voter (anchor D1).
Politicians adapt one at a time (sim/components/electoral.py): updated simultaneously, two
Hunters in one dimension lock into a two-step cycle, since their symmetric moves leave the
midpoint between them, and so both vote shares, unchanged."""

import numpy as np

from sim.strategies.base import Strategy, random_unit


class Hunter(Strategy):
    name = "hunter"
    observes = "its own vote share"
    needs_support = True
    stochastic = True
    references = ("Laver 2005, APSR 99(2)", "Laver & Sergenti 2011, ch. 3")

    def adapt(self, pol, ctx) -> None:
        share = float(ctx.shares[pol.index])
        if pol.heading is None or share <= pol.last_share:
            heading = random_unit(pol.platform.shape[0], ctx.rng)
            if pol.heading is not None and float(np.dot(heading, pol.heading)) > 0:
                heading = -heading
            pol.heading = heading
        pol.last_share = share
        pol.platform = pol.platform + ctx.step_size * pol.heading
