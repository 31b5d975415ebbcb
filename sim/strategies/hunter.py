"""Hunter (Laver 2005): a vote-seeking Pavlovian forager. If its last move raised its vote
share it moves again the same way; otherwise it turns to a random heading in the half-space
facing away from its last heading."""

import numpy as np

from sim.strategies.base import Strategy, random_unit


class Hunter(Strategy):
    name = "hunter"
    observes = "its own vote share"
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
