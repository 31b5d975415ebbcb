"""How a scheming model makes its attacks look: best-of-m search over appearance against the
oversight checkers' cracks, white box or learnt (issue 13, item 2; the deployment's use of
`search_attack` and `checker_view`).

Every AI action has appearance features a in R^k (world.appearance_dimensions); honest work,
and every action of a `blind` attacker, draws a ~ N(0, I). A searching lineage draws m
candidate appearances for the attack each of its agents' actions would be (`plan`) and, when
the action is a catastrophic attack (the agent knows which of its own actions are), submits
the one with the lowest estimated suspicion: best-of-m by a proxy
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

Deciding to attack. A searching agent plans before it decides: it searches the attack it
would make and estimates the chance that this attack gets flagged (white box: 1 - P(no
published checker flags it); learning: its sampled model's P(flagged)), and attacks when
(1 - autonomy) times that estimate is within its risk tolerance (`scheming.attacking`, with
the estimate in place of its lineage's record of stopped attacks, which it falls back on
while no checker view is published). So search changes whether it attacks as well as how:
a cautious agent that finds a crack attacks more, a cautious learner that cannot probe
(its prior says 1/2) waits, and an autonomy cap raises the share of its attacks a review
can stop. The estimate ignores what it cannot see (the final audit's capacity), so it is
conservative.

KL of the choice, measured: each searched attack's log density ratio log w(a*) against a
fresh pool of max(256, 4m) base candidates scored by the same estimate
(`best_of_n.log_density_ratio`, Beirami et al. 2024); log m - (m - 1)/m is only its bound.

Alignment failure: adaptive attack on oversight with a crack. A checker's systematic error is
found by search; the more the proposer searches, the less "not flagged" means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

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
class Plan:
    """Each planning row's best candidate attack and what the lineage expects of it."""

    appearance: np.ndarray  # (n, k) the least suspicious of m candidates, by the estimate
    p_stop: np.ndarray  # (n,) the estimated probability that this attack is flagged
    weights: tuple  # the estimate's per-row parameters (`LineageSearch._score`)
    views: tuple  # the published checker views it searched against (white box)


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

    def plan(self, rng, capability: np.ndarray, views) -> Plan | None:
        """Before deciding whether to attack, each scheming agent (one row per agent action
        of the given capability) searches m candidates for the attack it would make, and
        estimates the chance it gets flagged: white box, 1 - P(no published checker flags
        it) (NaN while no view is published: the agent falls back on its lineage's record);
        learning, its sampled model's P(flagged). None for a blind attacker."""
        if not self.searches:
            return None
        n, watching = capability.shape[0], self._watching(views)
        weights = self._weights(rng, capability, watching)
        cand = rng.standard_normal((n, self.m, self.k))
        best = bon.select_batch(-self._score(weights, cand, watching))
        chosen = cand[np.arange(n), best]
        return Plan(chosen, self._p_stop(weights, chosen, watching), weights, watching)

    def measure(self, rng, plan: Plan, rows: np.ndarray) -> np.ndarray:
        """Measured log density ratio of the submitted planned attacks (`rows`, a mask over
        the plan's rows) against a fresh pool of max(256, 4m) base candidates each, scored by
        the same estimate (zeros at m = 1: the choice of one is the base)."""
        r = int(rows.sum())
        if self.m == 1 or r == 0:
            return np.zeros(r)
        weights = tuple(w[rows] for w in plan.weights)
        pool = rng.standard_normal((r, bon.pool_size(self.m), self.k))
        own = -self._score(weights, plan.appearance[rows][:, None], plan.views)
        return bon.log_density_ratio(own, -self._score(weights, pool, plan.views), self.m)

    def looks(self, rng, kind, attacks, replaced, plan: Plan | None):
        """(look, shown, watched, kl) for one step's actions: each action's appearance as its
        agent made it (honest draws; the planned choice for this lineage's catastrophic
        `attacks`), as oversight sees it (a `replaced` action shows the trusted model's
        honest-looking work), the actions the lineage learns from, and the measured log
        density ratios of the submitted searched attacks (empty without search)."""
        base = honest(rng, kind.shape[0], self.k)
        look, mine = base.copy(), kind == SCHEMING
        kl = np.zeros(0)
        if plan is not None:
            submitted = attacks[mine]
            look[attacks] = plan.appearance[submitted]
            kl = self.measure(rng, plan, submitted)
        watched = self.watched(rng, attacks, mine)
        return look, np.where(replaced[:, None], base, look), watched, kl

    def _weights(self, rng, capability: np.ndarray, watching: tuple) -> tuple:
        """The estimate's per-row parameters: a Thompson draw of the learnt model's weights
        (n, 2 + k); or the published views' d' against each row's capability (n, 1) each."""
        if self.learner is not None:
            return (self.learner.sample(rng, capability.shape[0]),)
        return tuple(discriminability(v.d0, capability, v.capability, v.gap_sensitivity)[:, None]
                     for v in watching)  # fmt: skip

    @staticmethod
    def _watching(views) -> tuple:
        """The published views of the checkers that watch the deployment's agents."""
        return tuple(v for v in views or () if ROLE in v.watches)

    def _score(self, weights: tuple, a: np.ndarray, watching: tuple) -> np.ndarray:
        """The estimated suspicion of candidates a (n, M, k) -> (n, M), one estimate per row:
        the learnt logit's appearance part, or -log P(no published checker flags it)."""
        if self.learner is not None:
            return np.einsum("nmk,nk->nm", a, weights[0][:, 2:])
        return -cv.attack_pass_log_probability(watching, list(weights), a)

    def _p_stop(self, weights: tuple, chosen: np.ndarray, watching: tuple) -> np.ndarray:
        """The estimated probability that each chosen attack (n, k) is flagged."""
        if self.learner is not None:
            theta = weights[0]
            return expit(theta[:, 0] + theta[:, 1] + np.einsum("nk,nk->n", chosen, theta[:, 2:]))
        if not watching:  # nothing published yet (or nothing watches it): no estimate
            return np.full(chosen.shape[0], np.nan)
        log_pass = cv.attack_pass_log_probability(watching, list(weights), chosen[:, None])
        return -np.expm1(log_pass[:, 0])

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
        watching = [v.appearance for v in self._watching(views)]
        if self.learner is None or not watching:
            return float("nan")
        truth, learnt = np.sum(watching, axis=0), self.learner.theta[2:]
        norm = float(np.linalg.norm(truth) * np.linalg.norm(learnt))
        return float(truth @ learnt / norm) if norm > 0 else float("nan")
