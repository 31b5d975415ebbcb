"""Experiment set-ups behind the electoral anchors (sim/validate/electoral.py): each builds the
simulator's own objects (scenarios, models, strategies, electorates, voting rules), runs them
and returns what the anchor measures. No formula under test is evaluated here."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

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
    d = np.sqrt([bon.kl_bound(n) for n in ns])  # Gao et al.'s axis: the analytic KL
    mean = gain.mean(axis=0)
    alpha, beta, r2 = fit_overoptimization(d, mean)
    se = gain.std(axis=0, ddof=1) / math.sqrt(reps)
    return Curve(q, d, mean, se, proxy.mean(axis=0), alpha, beta, r2)


def kl_log_ratios(base, noise_sd: float, n: int, reps: int, rng, chunk: int = 500) -> np.ndarray:
    """Per-selection log density ratios measured the way the approval maximizer measures its
    own choice: n proposals drawn by `base(rng, shape)` are scored (true value + N(0,
    noise_sd^2) scorer noise), `best_of_n.select_batch` keeps the best, the winner is rescored
    `best_of_n.RESCORES` times (once when the scorer is noiseless) and
    `best_of_n.log_density_ratio` compares it with a fresh pool of `pool_size(n)` scored base
    proposals. Their mean estimates KL(pi_bon || pi_0)."""

    def scored(values):
        noisy = noise_sd > 0
        return values + noise_sd * rng.standard_normal(values.shape) if noisy else values

    r, m, out = (bon.RESCORES if noise_sd > 0 else 1), bon.pool_size(n), []
    for start in range(0, reps, chunk):
        c = min(chunk, reps - start)
        x = base(rng, (c, n))
        chosen = x[np.arange(c), bon.select_batch(scored(x))]
        rescores = scored(np.repeat(chosen[:, None], r, axis=1))
        out.append(bon.log_density_ratio(rescores, scored(base(rng, (c, m))), n))
    return np.concatenate(out)


def kl_noisy_gaussian(n: int, noise_sd: float) -> float:
    """Exact KL(pi_bon || pi_0) of best-of-n over x ~ N(0, 1) scored by x + N(0, noise_sd^2),
    by numerical integration of pi_0(x) w(x) log w(x), w(x) = n E[Phi((x + e)/s)^(n-1)],
    s^2 = 1 + noise_sd^2 (Beirami et al. 2024's density ratio with the scorer's noise)."""
    z, wz = np.polynomial.hermite_e.hermegauss(64)
    x = np.linspace(-9.0, 9.0, 9001)
    s = math.sqrt(1.0 + noise_sd**2)
    w = n * (ndtr((x[:, None] + noise_sd * z) / s) ** (n - 1) * (wz / wz.sum())).sum(axis=1)
    p0 = np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)
    return float(np.trapezoid(p0 * w * np.log(np.maximum(w, 1e-300)), x))


def kl_clipped(n: int, mean: float, sd: float) -> float:
    """Exact KL of best-of-n over v = clip(mean + sd Z, 0, 1) scored by v itself (atoms at 0
    and 1, ties split): atoms of probability b get pi_bon = (F + b)^n - F^n, the continuous
    part the density ratio n F^(n-1) (integrated over u = F(v))."""
    b0, b1 = ndtr((0.0 - mean) / sd), 1.0 - ndtr((1.0 - mean) / sd)
    u = np.linspace(b0, 1.0 - b1, 20001)
    cont = float(np.trapezoid(n * u ** (n - 1) * np.log(n * np.maximum(u, 1e-300) ** (n - 1)), u))
    top, bottom = 1.0 - (1.0 - b1) ** n, b0**n
    return cont + top * math.log(top / b1) + (bottom * math.log(bottom / b0) if b0 > 0 else 0.0)


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
    perception = el.Perception(RETRO["noise"], 1.0, RETRO_RULE["sensitivity"])
    for t in range(terms):
        value += delta**t * office
        utility = base - (RETRO["loss"] if shirk and t == 0 else 0.0)
        _, approval = perception.update(  # each term judged afresh (no record)
            utility, voters.information, RETRO["visible"], 0.0, RETRO_RULE["aspiration"],
            perception.noise(voters.n, rng), first=True,
        )  # fmt: skip
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
