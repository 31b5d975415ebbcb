"""The parameter registry. Importing this package registers every section module beside it
(one module per section: adding a section touches one file)."""

from sim.meta import import_submodules
from sim.params.core import PARAMS, Param, declare

import_submodules(__name__, __path__, skip=("core", "sections"))

__all__ = ["PARAMS", "Param", "declare"]
