"""Experiment set-ups behind the electoral anchors (sim/validate/electoral.py): each builds the
simulator's own objects (scenarios, models, strategies, electorates, voting rules), runs them
and returns what the anchor measures. No formula under test is evaluated here."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim import electorate as el
from sim.mechanisms import best_of_n as bon
from sim.mechanisms import voting
from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import load
from sim.strategies.approval_maximizer import ApprovalMaximizer
from sim.validate.core import rng_for

GOODHART = "low_information_electorate-v1"


@dataclass(frozen=True)
class Curve:
    """True welfare gain of best-of-n (and its polled approval) against d = sqrt(KL)."""

    q: float
    d: np.ndarray
    gain: np.ndarray
    gain_se: np.ndarray
    proxy: np.ndarray
    alpha: float
    beta: float
    r2: float

    @property
    def d_star(self) -> float:
        return self.alpha / (2 * self.beta) if self.beta > 0 else math.inf

    @property
    def peak_d(self) -> float:
        return float(self.d[int(np.argmax(self.gain))])


def fit_overoptimization(d: np.ndarray, gain: np.ndarray) -> tuple[float, float, float]:
    """Least-squares fit of R(d) = d (alpha - beta d): (alpha, beta, R^2)."""
    design = np.stack([d, -(d**2)], axis=1)
    (alpha, beta), *_ = np.linalg.lstsq(design, gain, rcond=None)
    resid = gain - design @ np.array([alpha, beta])
    r2 = 1.0 - float(resid @ resid) / float(((gain - gain.mean()) ** 2).sum())
    return float(alpha), float(beta), r2


def overoptimization_curve(
    q: float, seed: int, reps: int = 100, log2_n: int = 10, offset: float = 0.5
) -> Curve:
    """The approval maximizer of the Goodhart scenario (information q) draws 2^log2_n proposals
    from its base distribution, polls them and keeps the best of each group of n, for every n
    in 1, 2, 4, ..., 2^log2_n; its program sits `offset` from the voters' centroid."""
    cfg = load(GOODHART, {"electorate.information": q, "electorate.n_voters": 5000})
    model = InstitutionModel(cfg, seed)
    elec = model.component("electoral")
    pol = elec.politicians[0]
    pol.home_platform = model.electorate.centroid() + offset * np.eye(cfg["world.dimensions"])[0]
    pol.home_effort = cfg["politicians.initial_visible_effort"]
    ns = [2**k for k in range(log2_n + 1)]
    gain, proxy = np.empty((reps, len(ns))), np.empty((reps, len(ns)))
    for r in range(reps):
        plat, vis = ApprovalMaximizer.propose(
            pol, ns[-1], cfg["politicians.step_size"], cfg["politicians.effort_step"], elec.rng
        )
        score = elec.pollster.score(plat, vis)
        welfare = model.electorate.mean_utility(plat) + model.effort.welfare(vis)
        for j, n in enumerate(ns):
            win = bon.best_in_groups(score, n)
            gain[r, j], proxy[r, j] = welfare[win].mean() - welfare.mean(), score[win].mean()
    d = np.sqrt([bon.kl_best_of_n(n) for n in ns])
    mean = gain.mean(axis=0)
    alpha, beta, r2 = fit_overoptimization(d, mean)
    se = gain.std(axis=0, ddof=1) / math.sqrt(reps)
    return Curve(q, d, mean, se, proxy.mean(axis=0), alpha, beta, r2)


@dataclass(frozen=True)
class Offsets:
    signed_mean: float
    signed_se: float
    abs_mean: float
    initial_abs: float
    step_size: float


def two_party_offsets(seed: int, seeds: int = 12, burn: int = 100, window: int = 100) -> Offsets:
    """Run downs_two_party-v1 and record both parties' offsets from the median voter."""
    cfg = load("downs_two_party-v1", {"electorate.n_voters": 5000})
    signed, absolute, initial = [], [], []
    for s in range(seeds):
        model = InstitutionModel(cfg, int(rng_for(seed, 4, s).integers(2**62)))
        elec, median = model.component("electoral"), float(np.median(model.electorate.ideals))
        initial.append(np.abs(elec.platforms()[:, 0] - median).mean())
        model.run_for(burn)
        trail = []
        for _ in range(window):
            model.run_for(1)
            trail.append(elec.platforms()[:, 0] - median)
        signed.append(np.mean(trail))
        absolute.append(np.abs(trail).mean())
    se = float(np.std(signed, ddof=1) / math.sqrt(seeds))
    step = cfg["politicians.step_size"]
    return Offsets(
        float(np.mean(signed)), se, float(np.mean(absolute)), float(np.mean(initial)), step
    )


@dataclass(frozen=True)
class Eccentricity:
    mean: float
    se: float


def party_eccentricity(strategy: str, count: int, seed: int, seeds: int = 4) -> Eccentricity:
    """Mean distance of `count` parties from the voters' centre, from whole model runs of
    party_competition-v1 with every party following `strategy` (2-D standard normal voters)."""
    steps, window = (30, 5) if strategy == "aggregator" else (100, 50)
    over = {"politicians.strategy": strategy, "politicians.count": count}
    cfg = load("party_competition-v1", {**over, "electorate.n_voters": 20_000})
    values = []
    for s in range(seeds):
        series = run(cfg, int(rng_for(seed, 5, count, s).integers(2**62)), steps).series
        values.append(float(series["platform_eccentricity"].iloc[-window:].mean()))
    return Eccentricity(float(np.mean(values)), float(np.std(values, ddof=1) / math.sqrt(seeds)))


# A stylized accountability set-up: a 1-D electorate, the incumbent at its centre, a challenger.
RETRO = {"voters": 500, "welfare": 1.0, "loss": 2.0, "visible": 0.3, "noise": 0.3}
RETRO_RULE = {"sensitivity": 3.0, "aspiration": -0.5, "cutoff": 0.5}


def _career(shirk: bool, delta: float, office: float, voters, rng) -> float:
    """Discounted office value of an incumbent who takes the rent in its first term (or never),
    re-elected each term by `voting.retrospective` on the approval voters form."""
    platforms, value = np.array([[0.0], [1.0]]), 0.0
    terms = math.ceil(math.log(1e-9) / math.log(delta))
    base = el.policy_utility(voters.ideals, platforms[0]) + RETRO["welfare"]
    for t in range(terms):
        value += delta**t * office
        utility = base - (RETRO["loss"] if shirk and t == 0 else 0.0)
        signal = el.perceived_signal(
            utility, voters.information, RETRO["visible"], RETRO["noise"], rng
        )
        approval = el.approval(signal, RETRO_RULE["sensitivity"], RETRO_RULE["aspiration"])
        winner, _ = voting.retrospective(
            voters.ideals, platforms, 0, float(approval.mean()), RETRO_RULE["cutoff"]
        )
        if winner != 0:
            break
    return value


def retrospective_threshold(delta: float, office: float, info: float, rng) -> float:
    """The largest one-off rent the incumbent forgoes: the office value of complying minus
    that of taking the rent (then being judged by the retrospective rule)."""
    voters = el.sample(RETRO["voters"], 1, "normal", 0.0, info, 4.0, 0.0, rng)
    return _career(False, delta, office, voters, rng) - _career(True, delta, office, voters, rng)
