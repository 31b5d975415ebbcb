"""Government lever policies, one module each; discovered automatically (issue 12)."""

from sim.levers.base import LeverPolicy, Period
from sim.meta import import_submodules, named_subclasses

import_submodules(__name__, __path__, skip=("base",))


LEVER_POLICIES: dict[str, type[LeverPolicy]] = {c.name: c for c in named_subclasses(LeverPolicy)}

__all__ = ["LEVER_POLICIES", "LeverPolicy", "Period"]
