"""Components are the layers a scenario stacks: elections, bureaucracy, AI deployment,
oversight, public opinion. Each owns its agents and metrics, runs in a declared order each
step, and talks to the others only through the shared `WorldState`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.meta import Described

if TYPE_CHECKING:
    from sim.model import InstitutionModel
    from sim.scenario import Config


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str


@dataclass
class WorldState:
    """What flows between components within a step."""

    mandate: np.ndarray                  # the elected policy (what the principal asked for)
    implemented: np.ndarray              # the policy actually carried out
    visible_effort: float = 0.0          # the incumbent's visible-effort share v
    harm: float = 0.0                    # welfare lost below the incumbent this step (H)
    extra: dict = field(default_factory=dict)  # component-to-component signals, by name


class Component(Described):
    """A layer of the institution. Subclasses set metadata, `order` and `metrics`."""

    order: ClassVar[int]
    metrics: ClassVar[tuple[Metric, ...]] = ()

    def __init__(self, model: InstitutionModel) -> None:
        self.model = model

    @classmethod
    def enabled(cls, config: Config) -> bool:
        return True

    def step(self) -> None:
        raise NotImplementedError

    def report(self) -> dict[str, float]:
        """This step's value of each declared metric (Python floats)."""
        raise NotImplementedError
