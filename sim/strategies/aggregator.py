"""Aggregator (Laver 2005): moves to the centroid of its current supporters, a representative
party. Several aggregators together run Lloyd's algorithm on the electorate (anchor D2)."""

from sim.strategies.base import Strategy


class Aggregator(Strategy):
    name = "aggregator"
    observes = "the ideal points of its supporters"
    stochastic = False
    references = ("Laver 2005, APSR 99(2)", "Laver & Sergenti 2011, ch. 3", "Lloyd 1982")

    def adapt(self, pol, ctx) -> None:
        pol.platform = ctx.centroids[pol.index].copy()
