"""Run snapshots for the per-agent figures: what the agents looked like at recorded steps.

A snapshot is a mapping. The dashboard records one per run (dashboard/snapshot.py) as

    {"voters": {"x", "y", "information", "n_total"},        # fixed: a sample of voters
     "frames": [{"step", "approval", "politicians", "mandate", "implemented", "optimum",
                 "layers"}, ...]}                              # what changes, per step

(arrays compact: float32, shared where a layer's field does not change). The older
single-frame form (one flat mapping with `voters.approval`) is still accepted.
`frame(snapshot, step)` returns one step in the flat form the figures read, so every
per-agent figure takes `data(snapshot, step=None)` and draws any recorded step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def steps(snapshot: Mapping[str, Any]) -> list[int]:
    """The recorded steps, in order ([step] or [] for a single-frame snapshot)."""
    frames = snapshot.get("frames")
    if frames is None:
        return [int(snapshot["step"])] if "step" in snapshot else []
    return [int(f["step"]) for f in frames]


def index(snapshot: Mapping[str, Any], step: int | None = None) -> int:
    """The frame shown for `step`: the last one recorded at or before it (the first frame
    when `step` precedes every frame; the last when `step` is None)."""
    recorded = np.asarray(steps(snapshot))
    if step is None or not recorded.size:
        return max(len(recorded) - 1, 0)
    return max(int(np.searchsorted(recorded, int(step), side="right")) - 1, 0)


def frame(snapshot: Mapping[str, Any], step: int | None = None) -> dict[str, Any]:
    """One step of a snapshot in the flat form: voters with their approval at that step,
    politicians, mandate, implemented, optimum, layers, step."""
    frames = snapshot.get("frames")
    if frames is None:
        return dict(snapshot)
    if not frames:
        return {}
    one = frames[index(snapshot, step)]
    voters = {**snapshot.get("voters", {}), "approval": one.get("approval", [])}
    return {**one, "voters": voters}


def every(snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every recorded step in the flat form (for scales that must not move between steps)."""
    if snapshot.get("frames") is None:
        return [dict(snapshot)]
    return [frame(snapshot, s) for s in steps(snapshot)]


def layer(one: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """A component's snapshot in one flat frame (None when the component is off)."""
    if not isinstance(one, Mapping):
        return None
    return (one.get("layers") or {}).get(name) or None
