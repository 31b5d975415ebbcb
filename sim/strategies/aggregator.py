"""Aggregator (Laver 2005): moves to the centroid of its current supporters, a representative
party. Several aggregators together run Lloyd's algorithm on the electorate (anchor D2).

Alignment failure: faction capture - a party perfectly aligned with its own supporters, not with
the electorate as a whole; parties spread out to the centroids of their niches."""

from sim.strategies.base import Strategy


class Aggregator(Strategy):
    name = "aggregator"
    observes = "the ideal points of its supporters"
    needs_support = True
    stochastic = False
    references = ("Laver 2005, APSR 99(2)", "Laver & Sergenti 2011, ch. 3", "Lloyd 1982")

    def adapt(self, pol, ctx) -> None:
        pol.platform = ctx.centroids[pol.index].copy()
