"""Campaigns and elections: politicians adapt (Laver rules or best-of-n approval search), the
incumbent governs, and elections every `elections.interval` steps (a Mesa recurring event)
choose the incumbent whose platform becomes the mandate (Downs 1957; Laver & Sergenti 2011;
Barro 1973; Ferejohn 1986). Campaign money interest groups give a candidate
(`world.campaign_money`) adds up over the cycle and buys it valence with uninformed voters at
a plurality election (sim/mechanisms/campaign_money.py; Baron 1994).

Vote-seeking strategies observe vote shares after every single move; the component keeps one
vote-share kernel over the electorate (sim/mechanisms/support_kernel.py) that recomputes only
the platforms that moved, so a move costs O(voters), whatever the number of politicians."""

from __future__ import annotations

import numpy as np
from mesa.time import Priority, Schedule

from sim.agents import Politician, Pollster
from sim.components.base import Component, Metric
from sim.electorate import Perception
from sim.mechanisms import campaign_money, voting
from sim.mechanisms.support_kernel import SupportKernel
from sim.strategies import CampaignContext


class Electoral(Component):
    name = "electoral"
    role = "politicians compete; elections pick the incumbent and the mandate"
    observes = "voters' ideal points, perceived performance and approval"
    stochastic = True
    references = ("Downs 1957", "Laver & Sergenti 2011", "Barro 1973", "Ferejohn 1986")
    order = 10
    params = ("politicians", "elections", "electorate", "world")
    reads = ("welfare_optimum",)
    reads_last = ("harm_seen", "implemented_seen", "information", "campaign_money")
    writes = ("mandate", "implemented", "visible_effort", "platforms")
    writes += ("money_to_winner", "valence_bought", "votes_bought")  # campaign money
    metrics = (
        Metric(
            "mandate_distance",
            "policy units",
            "Distance of the mandate from the "
            "welfare-optimal point (the voters' mean ideal point).",
        ),
        Metric(
            "platform_eccentricity",
            "policy units",
            "Mean distance of the politicians' platforms from the voters' mean ideal point.",
        ),
        Metric("visible_effort_share", "share", "Incumbent's share of effort on visible work."),
        Metric(
            "kl_from_base",
            "nats",
            "Measured KL(pi_bon || pi_0) of the incumbent's best-of-n choices from its base "
            "proposal distribution: the mean, over the run so far, of the estimated log "
            "density ratio of the enacted proposal (each rescored against a fresh base pool, "
            "sim/mechanisms/best_of_n.py), estimated every politicians.kl_every steps; "
            "0 for Laver rules and before the first estimate.",
        ),
        Metric(
            "kl_bound",
            "nats",
            "log n - (n-1)/n for the incumbent's last best-of-n choice (0 for Laver rules): "
            "an upper bound on its KL, reached only by noiseless continuous scores.",
        ),
        Metric(
            "incumbent_turnover",
            "elections",
            "1 when an election this step replaced the incumbent, else 0.",
        ),
        Metric(
            "incumbent_vote_share", "share", "Incumbent's share of the vote at the last election."
        ),
    )

    def __init__(self, model) -> None:
        super().__init__(model)
        pc, rng = self.p.politicians, self.rng
        n, d = pc.count, self.p.world.dimensions
        names = pc.strategy
        names = [names] * n if isinstance(names, str) else [names[i % len(names)] for i in range(n)]
        spread, v0 = pc.initial_spread, pc.initial_visible_effort
        self.politicians = [
            Politician(model, i, names[i], spread * rng.standard_normal(d), v0) for i in range(n)
        ]
        self.pollster = Pollster(
            model,
            pc.optimization_pressure,
            pc.poll_size,
            pc.effort_step,
            rng,
            Perception.from_section(self.p.electorate),
        )
        self.measure_rng = model.stream("electoral.kl")  # measuring leaves the run unchanged
        self.steps_taken, self.kl_sum, self.kl_count = 0, 0.0, 0
        self.support_kernel = SupportKernel(model.electorate.ideals)  # cached across moves, steps
        effort = model.effort
        model.electorate.set_expectations(  # aspirations relative to a typical government
            self.world.welfare_optimum,
            effort.welfare(v0),
            effort.signal(v0),
            self.p.electorate.aspiration,
        )
        model.electorate.new_government()
        self.incumbent: int | None = None
        self.turnover = 0
        self.chest = np.zeros(n)  # campaign money each candidate collected this cycle
        self.world.platforms = self.platforms()
        self.vote_share = float("nan")
        self.hold_election()
        self.turnover = 0
        self.mandate_in_force = self.world.mandate.copy()  # what last step's drift drifted from
        model.schedule_recurring(
            self.hold_election,
            Schedule(interval=self.p.elections.interval, start=self.p.elections.interval),
            priority=Priority.DEFAULT,
        )

    def platforms(self) -> np.ndarray:
        return np.stack([p.platform for p in self.politicians])

    def context(self, with_support: bool, measure_kl: bool = False) -> CampaignContext:
        """What a politician observes now: platforms and, for Laver rules, vote shares and
        supporters' centroids under proximity voting."""
        platforms, support = self.platforms(), None
        if with_support:
            ideals = self.model.electorate.ideals
            if not self.support_kernel.bound_to(ideals):  # the electorate was replaced
                self.support_kernel = SupportKernel(ideals)
            support = self.support_kernel.support(platforms)
            shares = support.shares
        else:
            shares = np.full(len(platforms), np.nan)
        step = self.p.politicians.step_size
        return CampaignContext(
            platforms, shares, support, step, self.rng, self.pollster, measure_kl,
            self.measure_rng,
        )  # fmt: skip

    def step(self) -> None:
        """Politicians adapt one at a time in a random order, each seeing the vote shares left
        by the previous move (asynchronous updating); then the incumbent governs. Polls see
        last step's harm and drift (what voters experienced), passed to the pollster here."""
        world = self.world
        self.turnover = 0  # set by an election after this step
        drift = world.implemented_seen - self.mandate_in_force
        self.pollster.observe(world.harm_seen, drift, world.information)  # information: media
        measure = self.steps_taken % self.p.politicians.kl_every == 0
        self.steps_taken += 1
        for i in self.rng.permutation(len(self.politicians)):
            pol = self.politicians[i]
            pol.adapt(self.context(pol.strategy.needs_support, measure and i == self.incumbent))
        inc = self.politicians[self.incumbent]
        if inc.last_log_ratio is not None:
            self.kl_sum, self.kl_count = self.kl_sum + inc.last_log_ratio, self.kl_count + 1
            inc.last_log_ratio = None
        if inc.strategy.name == "approval_maximizer":  # governs by polls between elections
            world.mandate = inc.platform.copy()
        world.visible_effort = inc.visible_effort
        world.implemented = world.mandate.copy()  # a bureaucracy may override
        world.platforms = self.platforms()
        if world.campaign_money is not None:  # interest groups' campaign contributions
            self.chest += world.campaign_money
        self.mandate_in_force = world.mandate.copy()

    def hold_election(self) -> None:
        model, world, rules = self.model, self.world, self.p.elections
        ideals, platforms = model.electorate.ideals, self.platforms()
        if rules.rule == "retrospective" and self.incumbent is not None:
            winner, shares = voting.retrospective(
                ideals,
                platforms,
                self.incumbent,
                float(model.electorate.approval.mean()),
                rules.approval_cutoff,
            )
        else:
            valence = model.electorate.perceived - model.electorate.aspiration
            winner, shares = voting.plurality(
                ideals, platforms, self.incumbent, valence, rules.valence_weight
            )
            if self.chest.any() and rules.money_weight > 0:
                winner, shares = self._bought(shares, valence)
        self.chest[:] = 0.0  # a new cycle's campaign starts
        self.turnover = int(self.incumbent is not None and winner != self.incumbent)
        if self.turnover:  # a new government starts without a record
            model.electorate.new_government()
        self.incumbent = winner
        self.vote_share = float(shares[winner])
        world.mandate = self.politicians[winner].platform.copy()
        world.implemented = world.mandate.copy()
        world.visible_effort = self.politicians[winner].visible_effort

    def _bought(self, plain_shares: np.ndarray, valence) -> tuple[int, np.ndarray]:
        """The plurality election again with the valence the cycle's campaign money bought
        with uninformed voters (sim/mechanisms/campaign_money.py); records what it bought."""
        rules, world, voters = self.p.elections, self.world, self.model.electorate
        extra = campaign_money.valence(
            world.information, self.chest, rules.money_weight, rules.money_scale
        )
        winner, shares = voting.plurality(
            voters.ideals, self.platforms(), self.incumbent, valence, rules.valence_weight, extra
        )
        world.money_to_winner = float(self.chest[winner] / self.chest.sum())
        world.valence_bought = float(extra[winner].mean())
        world.votes_bought = float(0.5 * np.abs(shares - plain_shares).sum())
        return winner, shares

    def snapshot(self) -> dict:
        """The electoral state for per-agent views: the incumbent (politician index), its
        vote share at the last election and the election interval (read-only)."""
        return {
            "incumbent": int(self.incumbent),
            "vote_share": float(self.vote_share),
            "interval": int(self.p.elections.interval),
        }

    def report(self) -> dict[str, float]:
        centre, world = self.world.welfare_optimum, self.world
        out = {
            "mandate_distance": float(np.linalg.norm(world.mandate - centre)),
            "platform_eccentricity": float(
                np.linalg.norm(self.platforms() - centre, axis=1).mean()
            ),
            "visible_effort_share": float(world.visible_effort),
            "kl_from_base": self.kl_sum / self.kl_count if self.kl_count else 0.0,
            "kl_bound": float(self.politicians[self.incumbent].last_kl_bound),
            "incumbent_turnover": float(self.turnover),
            "incumbent_vote_share": self.vote_share,
        }
        return out
