"""Mesa agents of the electoral world. Agents stay thin: state plus a call to a mechanism."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.electorate import Perception
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
        self.last_kl_bound = 0.0  # log n - (n-1)/n of its last best-of-n choice (0: none)
        self.last_log_ratio: float | None = None  # measured log w of that choice, if asked

    def adapt(self, ctx: CampaignContext) -> None:
        self.strategy.adapt(self, ctx)


@dataclass
class Pollster:
    """Scores proposals by polled approval for approval-maximizing politicians. It knows what
    voters experienced at the end of the last step (`observe`), never this step's future."""

    model: InstitutionModel
    pressure: int
    poll_size: int
    effort_step: float
    rng: np.random.Generator  # the electoral component's stream
    perception: Perception  # the voters' perception model (the same one opinion uses)
    harm_seen: float = 0.0  # last step's harm H
    drift: np.ndarray | float = 0.0  # last step's implemented policy minus its mandate
    information: np.ndarray | None = None  # voters' information last step (None: baseline)

    def observe(
        self, harm_seen: float, drift: np.ndarray | float, information: np.ndarray | None = None
    ) -> None:
        """What voters experienced last step: the harm, the bureaucracy's drift and (with
        media) what voters knew."""
        self.harm_seen, self.drift = float(harm_seen), drift
        self.information = information

    def score(
        self, platforms: np.ndarray, visible: np.ndarray, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """Mean predicted approval of each proposal over one sample of voters; `rng` (default:
        the electoral stream) draws the sample and the perception noise."""
        m, rng = self.model, self.rng if rng is None else rng
        sample = rng.integers(0, m.electorate.n, size=min(self.poll_size, m.electorate.n))
        return poll_approval(
            m.electorate,
            sample,
            platforms,
            visible,
            m.effort,
            self.perception,
            self.harm_seen,
            self.drift,
            rng,
            self.information,
        )
