"""The component registry: every Component subclass in this package, in step order."""

from sim.components.base import (
    ActionBatch,
    Component,
    Metric,
    WiringError,
    WorldState,
    check_wiring,
)
from sim.meta import import_submodules

import_submodules(__name__, __path__, skip=("base",))


def _all(cls):
    for sub in cls.__subclasses__():
        if "name" in sub.__dict__:
            yield sub
        yield from _all(sub)


COMPONENTS: tuple[type[Component], ...] = tuple(sorted(_all(Component), key=lambda c: c.order))
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
