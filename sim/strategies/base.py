"""The strategy protocol: one small class per rule, declared metadata, state in the agent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.meta import Described

if TYPE_CHECKING:
    from sim.agents import Politician


@dataclass
class CampaignContext:
    """What politicians observe this step (computed once, vectorized, by the model)."""

    platforms: np.ndarray  # (K, d) every politician's platform at the start of the step
    shares: np.ndarray  # (K,) current proximity vote shares
    centroids: np.ndarray  # (K, d) centroid of each party's supporters
    step_size: float
    rng: np.random.Generator
    pollster: Any  # sim.agents.Pollster: scores proposals by polled approval
    # Measure the KL of this step's best-of-n choice (the incumbent, at the declared cadence),
    # drawing from `measure_rng` so that measuring never changes the run's trajectory.
    measure_kl: bool = False
    measure_rng: np.random.Generator | None = None


class Strategy(Described):
    """How a politician moves its platform (and effort) each step."""

    role = "politician strategy"
    needs_support: ClassVar[bool] = False  # reads vote shares / supporters' centroids

    def adapt(self, pol: Politician, ctx: CampaignContext) -> None:
        raise NotImplementedError


def move_towards(platform: np.ndarray, target: np.ndarray, step: float) -> np.ndarray:
    """A step of length `step` towards `target`, not overshooting it."""
    gap = target - platform
    dist = float(np.linalg.norm(gap))
    if dist <= step or dist == 0.0:
        return target.copy()
    return platform + gap * (step / dist)


def random_unit(d: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(d)
    return v / np.linalg.norm(v)
