"""Mesa agents of the electoral world. Agents stay thin: state plus a call to a mechanism."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.mechanisms.polling import poll_approval
from sim.meta import Described
from sim.strategies import STRATEGIES, CampaignContext

if TYPE_CHECKING:
    from sim.model import InstitutionModel


class Politician(mesa.Agent, Described):
    """A party or candidate: a platform, an effort split and a pluggable strategy."""

    name = "politician"
    role = "competes in elections; the incumbent sets the mandate and the effort split"
    observes = "depends on its strategy (vote shares, supporters, polls)"
    stochastic = True
    references = ("Downs 1957", "Laver & Sergenti 2011")

    def __init__(
        self,
        model: InstitutionModel,
        index: int,
        strategy: str,
        platform: np.ndarray,
        visible_effort: float,
    ) -> None:
        super().__init__(model)
        self.index = index
        self.strategy = STRATEGIES[strategy]()
        self.platform = platform
        self.visible_effort = visible_effort
        self.home_platform = platform.copy()  # its own program: the base of its proposals
        self.home_effort = float(visible_effort)
        self.heading: np.ndarray | None = None
        self.last_share = 0.0
        self.last_kl = 0.0

    def adapt(self, ctx: CampaignContext) -> None:
        self.strategy.adapt(self, ctx)


@dataclass
class Pollster:
    """Scores proposals by polled approval for approval-maximizing politicians."""

    model: InstitutionModel
    pressure: int
    poll_size: int
    effort_step: float
    rng: np.random.Generator  # the electoral component's stream

    def score(self, platforms: np.ndarray, visible: np.ndarray) -> np.ndarray:
        m, cfg = self.model, self.model.config
        sample = self.rng.integers(0, m.electorate.n, size=min(self.poll_size, m.electorate.n))
        return poll_approval(
            m.electorate,
            sample,
            platforms,
            visible,
            m.effort,
            m.world.harm,
            cfg["electorate.perception_noise"],
            cfg["electorate.memory"],
            cfg["electorate.approval_sensitivity"],
            cfg["electorate.aspiration"],
            self.rng,
        )
