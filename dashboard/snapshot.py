"""An end-of-run snapshot of the agents, for the per-agent views (plain lists, small).

Voters are sampled (at most `MAX_VOTERS`, with a generator seeded from the run's seed, so the
same run always shows the same sample and the model's own RNG is never touched): the browser
never receives a million points. The snapshot reads the model's public attributes
(`model.electorate`, the electoral component's politicians) and, for layers that offer one,
a component's `snapshot()` mapping.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_VOTERS = 2000


def voter_sample(electorate, seed: int, k: int = MAX_VOTERS) -> dict[str, list]:
    n = electorate.n
    rng = np.random.default_rng([int(seed), 0x5A3B])  # display sample only, not the model's
    idx = np.sort(rng.choice(n, size=min(k, n), replace=False))
    ideals = electorate.ideals[idx]
    second = ideals[:, 1] if ideals.shape[1] > 1 else np.zeros(len(idx))
    return {
        "x": ideals[:, 0].tolist(),
        "y": second.tolist(),
        "approval": electorate.approval[idx].tolist(),
        "information": electorate.information[idx].tolist(),
        "n_total": int(n),
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
    """Per-layer snapshots: each component's own `snapshot()` (bureaucracy tree, oversight
    funnel) where it offers one."""
    return {
        comp.name: comp.snapshot()
        for comp in model.components
        if callable(getattr(comp, "snapshot", None))
    }


def snapshot(model) -> dict[str, Any]:
    return {
        "voters": voter_sample(model.electorate, model.seed),
        "politicians": politicians(model),
        "mandate": _point(model.world.mandate),
        "implemented": _point(model.world.implemented),
        "optimum": _point(model.welfare_optimum),
        "layers": layers(model),
    }
