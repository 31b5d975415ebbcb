"""Anchors from the literature, one module per group (electoral, bureaucracy, oversight,
deployment), discovered automatically. See sim/validate/core.py."""

import importlib
import pkgutil

from sim.validate.core import ANCHORS, Anchor, Check, anchor

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod != "core":
        importlib.import_module(f"{__name__}.{_mod}")


def run_anchors(only: list[str] | None = None) -> list[dict]:
    """Run the selected anchors (all by default) and return one dict per check row."""
    from sim.errors import ConfigError, closest

    ids = list(ANCHORS) if not only else only
    for aid in ids:
        if aid not in ANCHORS:
            raise ConfigError(
                f"unknown anchor '{aid}'",
                source="--only",
                allowed=", ".join(ANCHORS),
                suggestion=closest(aid, ANCHORS),
            )
    return [c.row(ANCHORS[a]) for a in ids for c in ANCHORS[a].run()]


__all__ = ["ANCHORS", "Anchor", "Check", "anchor", "run_anchors"]
