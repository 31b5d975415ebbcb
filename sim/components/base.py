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
    # True when the metric is undefined (NaN) in some configurations of an enabled component,
    # e.g. a drift-ledger level below the scenario's depth; its description says when.
    may_be_nan: bool = False


@dataclass
class ActionBatch:
    """Actions taken this step by one kind of actor (bureaucrats, AI agents), as arrays.

    Producers fill everything but `caught`; the oversight component fills `caught` (and
    `flagged_by`, the index of the first layer that flagged each action, -1 for none).
    Producers read `caught` at their next step to apply sanctions.
    """

    producer: str  # name of the component that owns the actors
    actor: np.ndarray  # (A,) int: the actor's Mesa unique_id
    deviation: np.ndarray  # (A,) float >= 0: distance from the mandate / safe policy
    harmful: np.ndarray  # (A,) bool: ground-truth misbehaviour
    capability: np.ndarray  # (A,) float: actor capability (monitors find it harder)
    caught: np.ndarray | None = None
    flagged_by: np.ndarray | None = None
    took_effect: np.ndarray | None = None  # (A,) bool: took effect before review (None: all)
    # (A,) int: the AI model lineage that produced each action (copies of one model share a
    # lineage and can recognize each other's actions); -1 for humans. None: all -1.
    lineage: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.actor.shape[0])


@dataclass
class WorldState:
    """What flows between components within a step."""

    mandate: np.ndarray  # the elected policy (what the principal asked for)
    implemented: np.ndarray  # the policy actually carried out
    visible_effort: float = 0.0  # the incumbent's visible-effort share v
    harm: float = 0.0  # welfare lost below the incumbent this step (H)
    # What voters experienced at the end of the last step (written by opinion, carried over):
    # polls taken this step see these, not this step's not-yet-happened harm.
    harm_seen: float = 0.0
    implemented_seen: np.ndarray | None = None
    actions: list[ActionBatch] = field(default_factory=list)  # cleared at each step's start
    extra: dict = field(default_factory=dict)  # component-to-component signals, by name


class Component(Described):
    """A layer of the institution. Subclasses set metadata, `order` and `metrics`."""

    order: ClassVar[int]
    metrics: ClassVar[tuple[Metric, ...]] = ()

    def __init__(self, model: InstitutionModel) -> None:
        self.model = model
        self.rng = model.stream(self.name)  # this component's own stream (common random numbers)

    @classmethod
    def enabled(cls, config: Config) -> bool:
        return True

    def step(self) -> None:
        raise NotImplementedError

    def tables(self) -> dict:
        """Event tables this component kept during the run (name -> DataFrame), for analysis;
        `sim.run.run` stores them in `RunResult.extra`."""
        return {}

    def report(self) -> dict[str, float]:
        """This step's value of each declared metric (Python floats)."""
        raise NotImplementedError
