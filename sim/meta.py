"""Metadata every agent type, strategy, component and mechanism carries, checked when the
class is defined: its role, what it observes, whether it draws randomness, its sources.
The metadata feeds `instalign describe`, the docs, filters and the contract tests."""

from __future__ import annotations

import importlib
import pkgutil
from typing import ClassVar

REQUIRED = ("name", "role", "observes", "stochastic", "references")


class Described:
    """Mixin: subclasses that set `name` must declare the full metadata."""

    name: ClassVar[str]
    role: ClassVar[str]
    observes: ClassVar[str]
    stochastic: ClassVar[bool]
    references: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "name" not in cls.__dict__:  # an abstract intermediate class
            return
        missing = [f for f in REQUIRED if not hasattr(cls, f)]
        if missing:
            raise TypeError(f"{cls.__qualname__} lacks metadata: {', '.join(missing)}")
        if not isinstance(cls.stochastic, bool):
            raise TypeError(f"{cls.__qualname__}.stochastic must be a bool")
        if not cls.references or not all(isinstance(r, str) for r in cls.references):
            raise TypeError(f"{cls.__qualname__}.references must name at least one source")

    @classmethod
    def metadata(cls) -> dict:
        return {f: getattr(cls, f) for f in REQUIRED}


def import_submodules(package: str, path, skip: tuple[str, ...] = ()) -> None:
    """Import every module of a package (sorted; private `_name` modules and `skip` excluded):
    the registries fill themselves, so adding a unit touches one file."""
    for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if info.name not in skip and not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")
