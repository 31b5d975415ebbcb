"""Approval maximizer: best-of-n search over platform and effort moves, scored by a poll
(Gao, Schulman & Hilton 2022; Stiennon et al. 2020). n = politicians.optimization_pressure.

Proposals come from a base distribution pi_0 around the current position:
platform + N(0, step^2 I), visible effort + N(0, effort_step^2) clipped to [0, 1]. Each is
scored by polled approval (the proxy); the best is taken. With n = 1 the politician drifts
as pi_0 does; larger n optimizes the proxy harder, at KL = log n - (n-1)/n nats from pi_0.
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

    def adapt(self, pol, ctx) -> None:
        n, rng = ctx.pollster.pressure, ctx.rng
        d = pol.platform.shape[0]
        platforms = pol.platform + ctx.step_size * rng.standard_normal((n, d))
        visible = np.clip(
            pol.visible_effort + ctx.pollster.effort_step * rng.standard_normal(n), 0.0, 1.0
        )
        best = select(ctx.pollster.score(platforms, visible))
        pol.platform = platforms[best]
        pol.visible_effort = float(visible[best])
        pol.last_kl = kl_best_of_n(n)
