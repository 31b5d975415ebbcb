"""Oversight layers, one module per kind, registered by name in `LAYERS` (see base.py for the
protocol). A scenario stacks them in order under `oversight.layers`; the oversight component
(sim/components/oversight.py) runs them and the final human audit."""

from sim.meta import import_submodules
from sim.oversight.base import LAYERS, MAX_LAYERS, WATCHABLE, Docket, Layer
from sim.oversight.validate import check_roles, roles_in, validate_layers

import_submodules(__name__, __path__, skip=("base", "validate"))

__all__ = [
    "LAYERS",
    "MAX_LAYERS",
    "WATCHABLE",
    "Docket",
    "Layer",
    "check_roles",
    "roles_in",
    "validate_layers",
]
