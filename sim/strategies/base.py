"""The strategy protocol: one small class per rule, declared metadata, state in the agent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.meta import Described

if TYPE_CHECKING:
    from sim.agents import Politician
    from sim.mechanisms.support_kernel import Support


@dataclass
class CampaignContext:
    """What a politician observes when it moves (vectorized over voters by the electoral
    component's vote-share kernel, sim/mechanisms/support_kernel.py)."""

    platforms: np.ndarray  # (K, d) every politician's platform now
    shares: np.ndarray  # (K,) current proximity vote shares (NaN: not observed)
    support: Support | None  # the kernel's answer these shares come from (None: not observed)
    step_size: float
    rng: np.random.Generator
    pollster: Any  # sim.agents.Pollster: scores proposals by polled approval
    # Measure the KL of this step's best-of-n choice (the incumbent, at the declared cadence),
    # drawing from `measure_rng` so that measuring never changes the run's trajectory.
    measure_kl: bool = False
    measure_rng: np.random.Generator | None = None

    @property
    def centroids(self) -> np.ndarray:
        """(K, d) centroid of each party's supporters (a party without supporters, or when
        support is not observed: its platform), computed on first use: only the Aggregator
        reads it."""
        return self.platforms if self.support is None else self.support.centroids


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
