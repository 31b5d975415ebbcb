"""Politician strategies, one module each; discovered automatically."""

import importlib
import pkgutil

from sim.strategies.base import CampaignContext, Strategy

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod != "base":
        importlib.import_module(f"{__name__}.{_mod}")

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in Strategy.__subclasses__() if "name" in cls.__dict__
}

__all__ = ["STRATEGIES", "CampaignContext", "Strategy"]
