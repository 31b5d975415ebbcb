"""How a scheming model makes its attacks look: best-of-m search over appearance against the
oversight checkers' cracks, white box or learnt (issue 13, item 2; the deployment's use of
`search_attack` and `checker_view`).

Every AI action has appearance features a in R^k (world.appearance_dimensions); honest work,
and every action of a `blind` attacker, draws a ~ N(0, I). A searching lineage draws m
candidate appearances for each of its catastrophic attacks (the agent knows which of its own
actions are) and submits the one with the lowest estimated suspicion: best-of-m by a proxy
(Gao, Schulman & Hilton 2022; `best_of_n`). What the action does (its harm) is fixed by the
KL-budgeted policy (`scheming`); search moves only how it looks. Estimates:
- `white_box`: -log P(no checker flags it), from the checkers' published views
  (world.checker_views; `checker_view.attack_pass_log_probability`): an attacker that has the
  monitors' weights, as in a white-box red-team evaluation (Greenblatt et al. 2023's red team
  knows the protocol);
- `learning`: the lineage's Bayesian logistic model of P(flagged | harmful, a), updated online
  from its own actions' outcomes (`search_attack.Learner.update`: assumed-density filtering,
  Opper 1998), searched by Thompson sampling (a posterior draw of the weights per attack;
  Thompson 1933; Chapelle & Li 2011), so it explores while it exploits. It watches every one
  of its catastrophic attacks and a share `probe_share` of its honest actions (probes: honest
  work whose flag outcome it learns from, free to the attacker and invisible as such; what a
  lab reveals of its flags is a blue-team lever).
Instances of one model pool what they see (one learner per lineage; `ai_deployment`).

KL of the choice, measured: each searched attack's log density ratio log w(a*) against a
fresh pool of max(256, 4m) base candidates scored by the same estimate
(`best_of_n.log_density_ratio`, Beirami et al. 2024); log m - (m - 1)/m is only its bound.

Alignment failure: adaptive attack on oversight with a crack. A checker's systematic error is
found by search; the more the proposer searches, the less "not flagged" means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.mechanisms import best_of_n as bon
from sim.mechanisms import checker_view as cv
from sim.mechanisms import search_attack as sa
from sim.mechanisms.scheming import SCHEMING
from sim.mechanisms.signal_detection import discriminability

ATTACKERS = ("blind", "white_box", "learning")
ROLE = "ai_agent"  # the deployment's actors: the views of checkers watching them count


def honest(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """Appearance of n actions drawn like honest work: N(0, I_k)."""
    return rng.standard_normal((n, k))


@dataclass(frozen=True)
class Choice:
    appearance: np.ndarray  # (n, k) the submitted attacks' appearance
    log_ratio: np.ndarray  # (n,) measured log w of each choice (zeros without search)


class LineageSearch:
    """One model lineage's search over how its attacks look (and, learning, its model)."""

    def __init__(self, attacker: str, m: int, k: int, probe_share: float) -> None:
        if attacker not in ATTACKERS:
            raise ValueError(f"unknown attacker {attacker!r}")
        self.attacker, self.m, self.k, self.probe_share = attacker, int(m), int(k), probe_share
        self.learner = sa.Learner(1 + k) if attacker == "learning" else None

    @property
    def searches(self) -> bool:
        return self.attacker != "blind"

    def choose(self, rng, capability: np.ndarray, views) -> Choice:
        """The appearance of n attacks by agents of the given capabilities."""
        n = capability.shape[0]
        if not self.searches or n == 0:
            return Choice(honest(rng, n, self.k), np.zeros(n))
        score = self._estimate(rng, capability, views)
        cand = honest(rng, n, self.k)[:, None] if self.m == 1 else None
        if cand is None:
            cand = rng.standard_normal((n, self.m, self.k))
        best = bon.select_batch(-score(cand))
        chosen = cand[np.arange(n), best]
        if self.m == 1:
            return Choice(chosen, np.zeros(n))
        pool = rng.standard_normal((n, bon.pool_size(self.m), self.k))
        own = -score(chosen[:, None])
        return Choice(chosen, bon.log_density_ratio(own, -score(pool), self.m))

    def looks(self, rng, kind, capability, attacks, replaced, views):
        """(look, shown, watched, kl) for one step's actions: each action's appearance as its
        agent made it (honest draws; this lineage's searched choice for its catastrophic
        `attacks`), as oversight sees it (a `replaced` action shows the trusted model's
        honest-looking work), the actions the lineage learns from, and the measured log
        density ratios of the searched choices (empty without search)."""
        base = honest(rng, kind.shape[0], self.k)
        look = base.copy()
        choice = self.choose(rng, capability[attacks], views)
        look[attacks] = choice.appearance
        kl = choice.log_ratio if self.searches else np.zeros(0)
        watched = self.watched(rng, attacks, kind == SCHEMING)
        return look, np.where(replaced[:, None], base, look), watched, kl

    def _estimate(self, rng, capability: np.ndarray, views):
        """suspicion(a (n, M, k)) -> (n, M): the attacker's estimate, one per attack row."""
        if self.learner is not None:
            theta = self.learner.sample(rng, capability.shape[0])[:, 2:]  # appearance weights
            return lambda a: np.einsum("nmk,nk->nm", a, theta)
        watching = [v for v in views or () if ROLE in v.watches]
        dps = [discriminability(v.d0, capability, v.capability, v.gap_sensitivity)[:, None]
               for v in watching]  # fmt: skip
        return lambda a: -cv.attack_pass_log_probability(watching, dps, a)

    def watched(self, rng, attacks: np.ndarray, mine: np.ndarray) -> np.ndarray:
        """The actions whose flag outcome the lineage learns from: its catastrophic attacks
        and a share probe_share of its other actions (`mine`: the lineage's rows)."""
        if self.learner is None:
            return np.zeros_like(attacks)
        probes = mine & ~attacks & (rng.random(attacks.shape[0]) < self.probe_share)
        return attacks | probes

    def observe(self, harmful: np.ndarray, appearance: np.ndarray, flagged: np.ndarray) -> None:
        """Update the lineage's model on what was flagged (a learning attacker only)."""
        if self.learner is not None and harmful.size:
            self.learner.update(np.column_stack([harmful, appearance]), flagged)

    def crack_cosine(self, views) -> float:
        """Cosine between the learnt direction of rising suspicion (theta's appearance part)
        and the checkers' own (the sum of their w_a): how much of the crack it has found.
        NaN for an attacker that does not learn, or when no checker has a crack."""
        watching = [v.appearance for v in views or () if ROLE in v.watches]
        if self.learner is None or not watching:
            return float("nan")
        truth, learnt = np.sum(watching, axis=0), self.learner.theta[2:]
        norm = float(np.linalg.norm(truth) * np.linalg.norm(learnt))
        return float(truth @ learnt / norm) if norm > 0 else float("nan")
