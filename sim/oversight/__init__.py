"""Oversight layers, one module per kind, registered by name in `LAYERS` (see base.py for the
protocol). A scenario stacks them in order under `oversight.layers`; the oversight component
(sim/components/oversight.py) runs them and the final human audit."""

from sim.meta import import_submodules
from sim.oversight.base import LAYERS, MAX_LAYERS, WATCHABLE, Docket, Layer
from sim.oversight.validate import check_roles, roles_exist, validate_layers
from sim.params import PARAMS

import_submodules(__name__, __path__, skip=("base", "validate"))
PARAMS.provide("oversight.layers", validate_layers)
PARAMS.cross_check(roles_exist)

__all__ = [
    "LAYERS",
    "MAX_LAYERS",
    "WATCHABLE",
    "Docket",
    "Layer",
    "check_roles",
    "validate_layers",
]
