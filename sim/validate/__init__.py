"""Anchors from the literature, one module per group (electoral, bureaucracy, oversight,
deployment, queues, lobbying, adaptive), discovered automatically. See sim/validate/core.py."""

from sim.errors import unknown_name
from sim.meta import import_submodules
from sim.validate.core import ANCHORS, Anchor, Check, anchor

import_submodules(__name__, __path__, skip=("core",))


def run_anchors(only: list[str] | None = None) -> list[dict]:
    """Run the selected anchors (all by default) and return one dict per check row."""
    ids = list(ANCHORS) if not only else only
    for aid in ids:
        if aid not in ANCHORS:
            raise unknown_name("anchor", aid, ANCHORS, source="--only")
    return [c.row(ANCHORS[a]) for a in ids for c in ANCHORS[a].run()]


__all__ = ["ANCHORS", "Anchor", "Check", "anchor", "run_anchors"]
