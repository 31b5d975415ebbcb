"""Politician strategies, one module each; discovered automatically."""

from sim.meta import import_submodules
from sim.strategies.base import CampaignContext, Strategy

import_submodules(__name__, __path__, skip=("base",))

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in Strategy.__subclasses__() if "name" in cls.__dict__
}

__all__ = ["STRATEGIES", "CampaignContext", "Strategy"]
