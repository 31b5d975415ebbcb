"""The component registry: every Component subclass in this package, in step order."""

from sim.components.base import (
    ActionBatch,
    Component,
    Metric,
    WiringError,
    WorldState,
    check_wiring,
)
from sim.meta import import_submodules, named_subclasses

import_submodules(__name__, __path__, skip=("base",))


COMPONENTS: tuple[type[Component], ...] = tuple(
    sorted(named_subclasses(Component), key=lambda c: c.order)
)
METRICS: dict[str, Metric] = {m.name: m for c in COMPONENTS for m in c.metrics}

__all__ = [
    "COMPONENTS",
    "METRICS",
    "ActionBatch",
    "Component",
    "Metric",
    "WiringError",
    "WorldState",
    "check_wiring",
]
