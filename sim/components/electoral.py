"""Campaigns and elections: politicians adapt (Laver rules or best-of-n approval search), the
incumbent governs, and elections every `elections.interval` steps (a Mesa recurring event)
choose the incumbent whose platform becomes the mandate (Downs 1957; Laver & Sergenti 2011;
Barro 1973; Ferejohn 1986)."""

from __future__ import annotations

import numpy as np
from mesa.time import Priority, Schedule

from sim.agents import Politician, Pollster
from sim.components.base import Component, Metric
from sim.mechanisms import voting
from sim.strategies import CampaignContext


class Electoral(Component):
    name = "electoral"
    role = "politicians compete; elections pick the incumbent and the mandate"
    observes = "voters' ideal points, perceived performance and approval"
    stochastic = True
    references = ("Downs 1957", "Laver & Sergenti 2011", "Barro 1973", "Ferejohn 1986")
    order = 10
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
            "KL of the incumbent's last best-of-n selection from its "
            "base proposal distribution (0 for Laver rules).",
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
        cfg, rng = model.config, self.rng
        n, d = cfg["politicians.count"], cfg["world.dimensions"]
        names = cfg["politicians.strategy"]
        names = [names] * n if isinstance(names, str) else [names[i % len(names)] for i in range(n)]
        spread, v0 = cfg["politicians.initial_spread"], cfg["politicians.initial_visible_effort"]
        self.politicians = [
            Politician(model, i, names[i], spread * rng.standard_normal(d), v0) for i in range(n)
        ]
        self.pollster = Pollster(
            model,
            cfg["politicians.optimization_pressure"],
            cfg["politicians.poll_size"],
            cfg["politicians.effort_step"],
            rng,
        )
        self.incumbent: int | None = None
        self.turnover = 0
        self.vote_share = float("nan")
        self.hold_election()
        self.turnover = 0
        model.schedule_recurring(
            self.hold_election,
            Schedule(interval=cfg["elections.interval"], start=cfg["elections.interval"]),
            priority=Priority.DEFAULT,
        )

    def platforms(self) -> np.ndarray:
        return np.stack([p.platform for p in self.politicians])

    def context(self, with_support: bool) -> CampaignContext:
        """What a politician observes now: platforms and, for Laver rules, vote shares and
        supporters' centroids under proximity voting."""
        model, platforms = self.model, self.platforms()
        if with_support:
            shares, centroids = voting.support(model.electorate.ideals, platforms)
        else:
            shares, centroids = np.full(len(platforms), np.nan), platforms
        step = model.config["politicians.step_size"]
        return CampaignContext(platforms, shares, centroids, step, self.rng, self.pollster)

    def step(self) -> None:
        """Politicians adapt one at a time in a random order, each seeing the vote shares left
        by the previous move (asynchronous updating); then the incumbent governs."""
        model = self.model
        for i in self.rng.permutation(len(self.politicians)):
            pol = self.politicians[i]
            pol.adapt(self.context(pol.strategy.needs_support))
        inc = self.politicians[self.incumbent]
        if inc.strategy.name == "approval_maximizer":  # governs by polls between elections
            model.world.mandate = inc.platform.copy()
        model.world.visible_effort = inc.visible_effort
        model.world.implemented = model.world.mandate.copy()  # a bureaucracy may override

    def hold_election(self) -> None:
        model, cfg = self.model, self.model.config
        ideals, platforms = model.electorate.ideals, self.platforms()
        if cfg["elections.rule"] == "retrospective" and self.incumbent is not None:
            winner, shares = voting.retrospective(
                ideals,
                platforms,
                self.incumbent,
                float(model.electorate.approval.mean()),
                cfg["elections.approval_cutoff"],
            )
        else:
            valence = model.electorate.perceived - cfg["electorate.aspiration"]
            winner, shares = voting.plurality(
                ideals, platforms, self.incumbent, valence, cfg["elections.valence_weight"]
            )
        self.turnover = int(self.incumbent is not None and winner != self.incumbent)
        if self.turnover:  # a new government starts without a record
            model.electorate.perceived[:] = cfg["electorate.aspiration"]
        self.incumbent = winner
        self.vote_share = float(shares[winner])
        model.world.mandate = self.politicians[winner].platform.copy()
        model.world.implemented = model.world.mandate.copy()
        model.world.visible_effort = self.politicians[winner].visible_effort

    def report(self) -> dict[str, float]:
        centre = self.model.welfare_optimum
        out = {
            "mandate_distance": float(np.linalg.norm(self.model.world.mandate - centre)),
            "platform_eccentricity": float(
                np.linalg.norm(self.platforms() - centre, axis=1).mean()
            ),
            "visible_effort_share": float(self.model.world.visible_effort),
            "kl_from_base": float(self.politicians[self.incumbent].last_kl),
            "incumbent_turnover": float(self.turnover),
            "incumbent_vote_share": self.vote_share,
        }
        self.turnover = 0
        return out
