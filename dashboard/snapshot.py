"""Agent snapshots for the per-agent views: the end state of a run (`snapshot`) and the same
state at up to `MAX_FRAMES` evenly spaced steps while it runs (`Recorder`), so the watch
panel can step and play through a run.

Voters are sampled (at most `MAX_VOTERS`, with a generator seeded from the run's seed, so the
same run always shows the same sample and the model's own RNG is never touched): the browser
never receives a million points. Ideal points and information levels never change, so a
recording keeps them once and, per frame, only what moves: approvals, platforms, the
incumbent, mandate, implemented policy, optimum and each component's own `snapshot()`
(bureaucracy offices, oversight funnel counts, AI slots). Frames are compact (float32 and
int32 arrays; a field equal to the previous frame's is the same object, which the cache's
pickle stores once). Offices beyond the levels that fit `MAX_OFFICES` are left out of
frames (the tree figure could not show them anyway). The analysis side reads both forms
through `analysis.snapshots.frame`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_VOTERS = 2000
MAX_FRAMES = 40
MAX_OFFICES = 1500


def frame_steps(steps: int, k: int = MAX_FRAMES) -> list[int]:
    """At most `k` evenly spaced steps from 0 to `steps`, both ends included."""
    n = max(2, min(k, int(steps) + 1))
    return sorted(set(np.rint(np.linspace(0, int(steps), n)).astype(int).tolist()))


def voter_index(n: int, seed: int, k: int = MAX_VOTERS) -> np.ndarray:
    """The sampled voters of a run (sorted indices; the display's own generator)."""
    rng = np.random.default_rng([int(seed), 0x5A3B])  # display sample only, not the model's
    return np.sort(rng.choice(n, size=min(k, n), replace=False))


def _second(ideals: np.ndarray) -> np.ndarray:
    return ideals[:, 1] if ideals.shape[1] > 1 else np.zeros(ideals.shape[0])


def voter_sample(electorate, seed: int, k: int = MAX_VOTERS) -> dict[str, list]:
    """The end-state voter sample as plain lists (the single-frame form)."""
    idx = voter_index(electorate.n, seed, k)
    ideals = electorate.ideals[idx]
    return {
        "x": ideals[:, 0].tolist(),
        "y": _second(ideals).tolist(),
        "approval": electorate.approval[idx].tolist(),
        "information": electorate.information[idx].tolist(),
        "n_total": int(electorate.n),
    }


def politicians(model) -> list[dict[str, Any]]:
    comp = model.component("electoral")
    if comp is None:
        return []
    return [
        {
            "index": p.index,
            "strategy": p.strategy.name,
            "x": float(p.platform[0]),
            "y": float(p.platform[1]) if p.platform.shape[0] > 1 else 0.0,
            "visible_effort": float(p.visible_effort),
            "incumbent": p.index == comp.incumbent,
        }
        for p in comp.politicians
    ]


def _point(vec) -> list[float]:
    v = np.asarray(vec, dtype=float)
    return [float(v[0]), float(v[1]) if v.shape[0] > 1 else 0.0]


def layers(model) -> dict[str, Any]:
    """Per-layer snapshots: each component's own `snapshot()` where it offers a non-empty
    one (bureaucracy tree, oversight funnel, AI slots, the electoral state)."""
    out = {}
    for comp in model.components:
        snap = comp.snapshot() if callable(getattr(comp, "snapshot", None)) else None
        if snap:
            out[comp.name] = snap
    return out


def snapshot(model) -> dict[str, Any]:
    """The agents now, as plain lists (the single-frame form)."""
    return {
        "step": int(model.steps),
        "voters": voter_sample(model.electorate, model.seed),
        "politicians": politicians(model),
        "mandate": _point(model.world.mandate),
        "implemented": _point(model.world.implemented),
        "optimum": _point(model.welfare_optimum),
        "layers": layers(model),
    }


class Recorder:
    """Frames of one run at `steps` (see `frame_steps`): call `run_to(model, t)` instead of
    `model.run_for`; it stops at every frame step on the way and records it."""

    def __init__(self, model, steps: list[int]) -> None:
        e = model.electorate
        self.idx = voter_index(e.n, model.seed)
        ideals = e.ideals[self.idx]
        self.voters = {
            "x": ideals[:, 0].astype(np.float32),
            "y": _second(ideals).astype(np.float32),
            "information": e.information[self.idx].astype(np.float32),
            "n_total": int(e.n),
        }
        self.pending = [int(s) for s in steps if s >= model.steps]
        self.frames: list[dict[str, Any]] = []
        self.run_to(model, int(model.steps))

    def run_to(self, model, end: int) -> None:
        """Advance `model` to step `end`, recording each frame step passed or reached."""
        while self.pending and self.pending[0] <= end:
            target = self.pending.pop(0)
            if target > model.steps:
                model.run_for(target - model.steps)
            self.take(model)
        if end > model.steps:
            model.run_for(end - model.steps)

    def take(self, model) -> None:
        now = {
            "step": int(model.steps),
            "approval": model.electorate.approval[self.idx].astype(np.float32),
            "politicians": politicians(model),
            "mandate": _point(model.world.mandate),
            "implemented": _point(model.world.implemented),
            "optimum": _point(model.welfare_optimum),
            "layers": {k: _fit(compact(v)) for k, v in layers(model).items()},
        }
        self.frames.append(_share(self.frames[-1] if self.frames else None, now))

    def snapshot(self) -> dict[str, Any]:
        return {"voters": self.voters, "frames": self.frames}


def compact(layer: dict[str, Any]) -> dict[str, Any]:
    """A component snapshot with its numeric lists as float32/int32/bool arrays."""
    return {k: _array(v) if isinstance(v, list) else v for k, v in layer.items()}


def _array(values: list) -> Any:
    arr = np.asarray(values)
    kinds = {"f": np.float32, "i": np.int32, "u": np.int32, "b": bool}
    return arr.astype(kinds[arr.dtype.kind]) if arr.dtype.kind in kinds else values


def _fit(layer: dict[str, Any]) -> dict[str, Any]:
    """Offices of the levels that fit MAX_OFFICES (breadth-first order: a prefix)."""
    level = layer.get("level")
    if level is None or len(level) <= MAX_OFFICES:
        return layer
    counts = np.cumsum(np.bincount(np.asarray(level))[1:])
    keep = int(counts[counts <= MAX_OFFICES][-1]) if (counts <= MAX_OFFICES).any() else 0
    n = len(level)
    return {
        k: v[:keep] if isinstance(v, np.ndarray) and len(v) == n else v for k, v in layer.items()
    }


def _share(before: Any, now: Any) -> Any:
    """`now`, with every part equal to the same part of `before` replaced by that object."""
    if isinstance(now, dict) and isinstance(before, dict):
        return {k: _share(before.get(k), v) for k, v in now.items()}
    if isinstance(now, np.ndarray):
        same = isinstance(before, np.ndarray) and np.array_equal(before, now)
        return before if same else now
    return before if type(before) is type(now) and before == now else now
