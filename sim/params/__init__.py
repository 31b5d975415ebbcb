"""The parameter registry. Importing this package registers every section module beside it
(one module per section: adding a section touches one file)."""

import importlib
import pkgutil

from sim.params.core import PARAMS, Param, declare

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod != "core":
        importlib.import_module(f"{__name__}.{_mod}")

__all__ = ["PARAMS", "Param", "declare"]
