"""Sticker (Laver 2005; Laver & Sergenti 2011): an ideological party that never moves.

Alignment failure: unresponsiveness - the agent pursues its own fixed objective (its program)
whatever the principal wants; the benchmark against which responsiveness is measured."""

from sim.strategies.base import Strategy


class Sticker(Strategy):
    name = "sticker"
    observes = "nothing"
    stochastic = False
    references = ("Laver 2005, APSR 99(2)", "Laver & Sergenti 2011, Party Competition, ch. 3")

    def adapt(self, pol, ctx) -> None:
        return None
