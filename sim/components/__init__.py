"""The component registry: every Component subclass in this package, in step order."""

import importlib
import pkgutil

from sim.components.base import ActionBatch, Component, Metric, WorldState

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod != "base":
        importlib.import_module(f"{__name__}.{_mod}")


def _all(cls):
    for sub in cls.__subclasses__():
        if "name" in sub.__dict__:
            yield sub
        yield from _all(sub)


COMPONENTS: tuple[type[Component], ...] = tuple(sorted(_all(Component), key=lambda c: c.order))
METRICS: dict[str, Metric] = {m.name: m for c in COMPONENTS for m in c.metrics}

__all__ = ["COMPONENTS", "METRICS", "ActionBatch", "Component", "Metric", "WorldState"]
