"""Oversight layers, one module per kind, registered by name in `LAYERS` (see base.py for the
protocol). A scenario stacks them in order under `oversight.layers`; the oversight component
(sim/components/oversight.py) runs them and the final human audit."""

import importlib
import pkgutil

from sim.oversight.base import LAYERS, MAX_LAYERS, WATCHABLE, Docket, Layer
from sim.oversight.validate import check_roles, validate_layers

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod not in ("base", "validate"):
        importlib.import_module(f"{__name__}.{_mod}")

__all__ = [
    "LAYERS",
    "MAX_LAYERS",
    "WATCHABLE",
    "Docket",
    "Layer",
    "check_roles",
    "validate_layers",
]
