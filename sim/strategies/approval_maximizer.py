"""Approval maximizer: best-of-n search over platform and effort moves, scored by a poll
(Gao, Schulman & Hilton 2022; Stiennon et al. 2020). n = politicians.optimization_pressure.

Alignment failure: proxy optimization (Goodhart). The politician optimizes polled approval, a
proxy of voters' welfare that is only as good as voters' information.

The base distribution pi_0 is the politician's own program plus exploration: platform
home + N(0, step^2 I), visible effort home_v + N(0, effort_step^2) clipped to [0, 1]. Each step
the politician draws n proposals from pi_0, scores each by polled approval (the proxy) and
enacts the best. pi_0 is fixed (Gao et al.'s setting: best-of-n against a fixed initial
policy), so every step's choice, and the stationary policy, is exactly
KL = log n - (n-1)/n nats from pi_0 (anchor A1). With n = 1 the politician acts as pi_0 does.
"""

import numpy as np

from sim.mechanisms.best_of_n import kl_best_of_n, select
from sim.strategies.base import Strategy


class ApprovalMaximizer(Strategy):
    name = "approval_maximizer"
    observes = "a poll of sampled voters' approval"
    stochastic = True
    references = (
        "Gao, Schulman & Hilton 2022, arXiv:2210.10760",
        "Stiennon et al. 2020, NeurIPS, app. G.3",
        "Manheim & Garrabrant 2018",
    )

    @staticmethod
    def propose(pol, n: int, step_size: float, effort_step: float, rng: np.random.Generator):
        """n proposals (platforms (n, d), visible-effort shares (n,)) drawn from pi_0."""
        d = pol.home_platform.shape[0]
        platforms = pol.home_platform + step_size * rng.standard_normal((n, d))
        visible = np.clip(pol.home_effort + effort_step * rng.standard_normal(n), 0.0, 1.0)
        return platforms, visible

    def adapt(self, pol, ctx) -> None:
        n, pollster = ctx.pollster.pressure, ctx.pollster
        platforms, visible = self.propose(pol, n, ctx.step_size, pollster.effort_step, ctx.rng)
        best = select(pollster.score(platforms, visible))
        pol.platform = platforms[best]
        pol.visible_effort = float(visible[best])
        pol.last_kl = kl_best_of_n(n)
