"""Approval maximizer: best-of-n search over platform and effort moves, scored by a poll
(Gao, Schulman & Hilton 2022; Stiennon et al. 2020). n = politicians.optimization_pressure.

Alignment failure: proxy optimization (Goodhart). The politician optimizes polled approval, a
proxy of voters' welfare that is only as good as voters' information.

The base distribution pi_0 is the politician's own program plus exploration: platform
home + N(0, step^2 I), visible effort home_v + N(0, effort_step^2) clipped to [0, 1]. Each step
the politician draws n proposals from pi_0, scores each by polled approval (the proxy) and
enacts the best. pi_0 is fixed (Gao et al.'s setting: best-of-n against a fixed initial
policy), so every step's choice is at most log n - (n-1)/n nats from pi_0 (`kl_bound`; equal
for noiseless continuous scores, anchor A1). The poll is noisy and clipped efforts tie, so
the real KL is lower; when asked (`ctx.measure_kl`), the politician measures it for the
proposal it enacted (`measure_log_ratio`, Beirami et al. 2024). With n = 1 it acts as pi_0
does (KL 0).
"""

import numpy as np

from sim.mechanisms import best_of_n as bon
from sim.strategies.base import Strategy


class ApprovalMaximizer(Strategy):
    name = "approval_maximizer"
    observes = "a poll of sampled voters' approval"
    stochastic = True
    references = (
        "Gao, Schulman & Hilton 2022, arXiv:2210.10760",
        "Stiennon et al. 2020, NeurIPS, app. G.3",
        "Manheim & Garrabrant 2018",
        "Beirami et al. 2024, arXiv:2401.01879",
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
        best = bon.select(pollster.score(platforms, visible))
        pol.platform = platforms[best]
        pol.visible_effort = float(visible[best])
        pol.last_kl_bound = bon.kl_bound(n)
        pol.last_log_ratio = self.measure_log_ratio(pol, n, ctx) if ctx.measure_kl else None

    @classmethod
    def measure_log_ratio(cls, pol, n: int, ctx) -> float:
        """log w of the enacted proposal x*: one poll scores M fresh proposals from pi_0 and
        R fresh copies of x* (same sampled voters, fresh noise), and the best-of-n estimator
        compares them (`best_of_n.log_density_ratio`). Exactly 0 for n = 1."""
        if n == 1:
            return 0.0
        m, r, rng = bon.pool_size(n), bon.RESCORES, ctx.measure_rng
        plat, vis = cls.propose(pol, m, ctx.step_size, ctx.pollster.effort_step, rng)
        plat = np.concatenate([plat, np.repeat(pol.platform[None, :], r, axis=0)])
        vis = np.concatenate([vis, np.full(r, pol.visible_effort)])
        scores = ctx.pollster.score(plat, vis, rng)
        return float(bon.log_density_ratio(scores[m:], scores[:m], n))
