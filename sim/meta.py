"""Metadata every agent type, strategy, component and mechanism carries, checked when the
class is defined: its role, what it observes, whether it draws randomness, its sources.
The metadata feeds `instalign describe`, the docs, filters and the contract tests."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
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


def named_subclasses(cls):
    """Every subclass of `cls`, at any depth, that sets its own `name` (a registered unit)."""
    for sub in cls.__subclasses__():
        if "name" in sub.__dict__:
            yield sub
        yield from named_subclasses(sub)


def import_submodules(package: str, path, skip: tuple[str, ...] = ()) -> None:
    """Import every module of a package (sorted; private `_name` modules and `skip` excluded):
    the registries fill themselves, so adding a unit touches one file."""
    for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if info.name not in skip and not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")


@functools.cache
def _module_tree(filename: str) -> ast.Module | None:
    """The parsed source of one file, parsed once per process (many classes share a file)."""
    try:
        with open(filename, encoding="utf-8") as fh:
            return ast.parse(fh.read(), filename)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _class_node(cls: type) -> ast.ClassDef | None:
    """The class statement of `cls` in its module's source (top level), or None."""
    try:
        filename = inspect.getsourcefile(cls)
    except TypeError:
        return None
    tree = _module_tree(filename) if filename else None
    if tree is None:
        return None
    name = cls.__qualname__
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)


def attribute_chains(cls: type, root: str) -> list[tuple[str, ...]]:
    """Every attribute chain `self.<root>.a.b...` in the class body, as ("a", "b", ...), from
    its source; a local alias (`c = self.<root>.a`, then `c.b`) is followed within its
    function. Used to check typed-parameter accesses against their declarations when a class
    is defined. A class without source (a frozen app) gives [] (the run-time checks hold)."""
    tree = _class_node(cls)
    return [] if tree is None else _chains(tree, root)


def _chains(tree: ast.ClassDef, root: str) -> list[tuple[str, ...]]:
    """One pass over the class: attribute chains hanging off `self.<root>` or an alias."""
    # Outermost attribute chains only: for `self.p.a.b`, the Attribute node whose parent is
    # not an Attribute (visited first, as walks go top-down); its inner nodes are skipped.
    found: list[tuple[str, ...]] = []
    stack: list[tuple[ast.AST, dict]] = [(tree, {})]
    while stack:
        node, aliases = stack.pop()
        if isinstance(node, ast.FunctionDef):
            aliases = {}  # a new function scope
            for stmt in ast.walk(node):
                for target, value in _assignments(stmt):
                    names = _dotted(value)
                    if isinstance(target, ast.Name) and names[:2] == ("self", root):
                        aliases[target.id] = names[2:]
        if isinstance(node, ast.Attribute):
            names = _dotted(node)
            if names[:2] == ("self", root) and len(names) > 2:
                found.append(names[2:])
            elif names and names[0] in aliases and len(names) > 1:
                found.append(aliases[names[0]] + names[1:])
            if names:  # a pure dotted name: nothing inside it to visit
                continue
        stack.extend((child, aliases) for child in ast.iter_child_nodes(node))
    return found


def _assignments(stmt: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """(target, value) pairs of `x = v` and `x, y = v, w`."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return []
    target, value = stmt.targets[0], stmt.value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        return list(zip(target.elts, value.elts, strict=False))
    return [(target, value)]


def _dotted(node: ast.AST) -> tuple[str, ...]:
    """("a", "b", "c") for the expression `a.b.c`; () for anything else."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ()
    names.append(node.id)
    return tuple(reversed(names))
