"""Generalized adaptive multilevel splitting (issue 14): Cérou & Guyader 2007, "Adaptive
multilevel splitting for rare event analysis", Stoch. Anal. Appl. 25:417; in the discrete-time
generalized form of Bréhier, Gazeau, Goudenège, Lelièvre & Rousset 2016, "Unbiasedness of some
generalized adaptive multilevel splitting algorithms", Ann. Appl. Probab. 26:3559 (GAMS).

n replicas (paths) run to the horizon. A replica's level is the maximum of the importance
function over its path; a replica that hits the event gets +inf. Each iteration q takes Z_q,
the k-th smallest level; stops if Z_q = +inf; else kills every replica with level <= Z_q (all
ties count as killed, K_q >= k of them); if all n die the estimate is 0. Each killed replica
is replaced by a clone of a survivor chosen uniformly at random, taken at the first time the
survivor's score exceeded Z_q (its past shared, its future fresh) and run on to the horizon.
The unbiased estimator (Bréhier et al. 2016, Thm 4.1) is

    p = prod_q (1 - K_q / n) * (number of replicas that hit) / n.

Variance: a genealogical ("Eve") estimator in the form of Lee & Whiteley 2018, "Variance
estimation in the particle filter", Biometrika 105:609 (also Chan & Lai 2013), as Cérou,
Guyader & Rousset 2019 (Chaos 29:043108) propose for AMS. With E_i the initial replica a final
replica descends from, S_e the hitting replicas of Eve e, H their total and
C = prod_q n^2 / (n^2 - K_q) (the chance that two replicas keep distinct parents under AMS's
partial resampling, which replaces only the K_q killed from the n - K_q survivors), the
estimate of Var(p) is (P/n)^2 (C sum_e S_e^2 - (C - 1) H^2), P the product above; it is floored
at the last stage's binomial variance P^2 h(1-h)/n (h = H/n). The 95% interval is log-normal,
p exp(-+1.96 rel_error), as the estimator is a product of stage ratios. ESS is the Monte Carlo
equivalent sample size p(1-p)/Var(p): how many plain Monte Carlo paths would give the same SE.

The importance function matters. On `CaptureChain` scored by the captured count (a race
against the horizon: replicas enter a level at spread-out times, and late entrants have almost
no chance left), AMS stays unbiased but is heavy-tailed at p <= 1e-6 and the genealogy
collapses to a few Eves: measured at p = 1e-6, n = 1000, k = 10 over 50 runs, mean/exact
0.70 +- 0.08, 95% interval coverage 0.68. On `IndependentLayers` it is well calibrated.

Resampling needs the survivor's state at its first crossing: each replica keeps a snapshot
(`clone`) at every new running maximum of its score, so cloning costs no replayed steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.rare import Z95, Estimate, make_estimate
from sim.rare.mc import path_seeds
from sim.rare.system import State, System

INF = math.inf


@dataclass
class Replica:
    state: State
    level: float
    records: list[tuple[float, State]]  # (new running max of the score, snapshot then)
    eve: int


class Splitter:
    """The replica population of one AMS run, its random stream and step count."""

    def __init__(self, system: System, n: int, seed: int):
        ss = np.random.SeedSequence(seed)
        self.system, self.n, self.steps = system, n, 0
        self.rng = np.random.default_rng(ss.spawn(1)[0])
        self.reps = [self.first(system.start(s), i) for i, s in enumerate(path_seeds(seed, n))]

    def first(self, state: State, eve: int) -> Replica:
        sys = self.system
        top = INF if sys.hit(state) else float(sys.score(state))
        return self.grow(state, [(top, sys.clone(state, 0) if top < INF else state)], eve)

    def grow(self, state: State, records: list, eve: int) -> Replica:
        """Run a replica from its last record to the event or the horizon."""
        sys, best = self.system, records[-1][0]
        while best < INF and sys.time(state) < sys.horizon:
            state = sys.step(state)
            self.steps += 1
            top = INF if sys.hit(state) else float(sys.score(state))
            if top > best:
                best = top
                records.append((top, state if top == INF else sys.clone(state, 0)))
        return Replica(state, best, records, eve)

    def branch(self, parent: Replica, z: float) -> Replica:
        """A clone of `parent` at its first score above z, run on with fresh draws."""
        top, snap = next(r for r in parent.records if r[0] > z)
        if top == INF:
            return Replica(snap, INF, [(top, snap)], parent.eve)
        seed = int(self.rng.integers(2**63))
        return self.grow(self.system.clone(snap, seed), [(top, snap)], parent.eve)

    def levels(self) -> np.ndarray:
        return np.array([r.level for r in self.reps])

    def iterate(self, k: int) -> tuple[float, int] | None:
        """One kill-and-resplit; returns (Z_q, K_q), or None when the k-th level is +inf."""
        levels = self.levels()
        z = float(np.partition(levels, k - 1)[k - 1])
        if z == INF:
            return None
        dead, alive = np.flatnonzero(levels <= z), np.flatnonzero(levels > z)
        if alive.size:
            for i, j in zip(dead, self.rng.choice(alive, size=dead.size), strict=True):
                self.reps[i] = self.branch(self.reps[j], z)
        return z, int(dead.size)


def variance(n: int, killed: list[int], hits: np.ndarray, eves: np.ndarray) -> float:
    """The genealogical variance estimate of p (module docstring)."""
    prod = math.prod(1 - kq / n for kq in killed)
    c = math.prod(n * n / (n * n - kq) for kq in killed)
    s = np.bincount(eves[hits], minlength=n).astype(float)
    h = hits.sum()
    lw = (prod / n) ** 2 * (c * float(s @ s) - (c - 1) * h * h)
    return max(lw, prod**2 * (h / n) * (1 - h / n) / n)


def estimate(
    system: System, n: int, k: int, seed: int, max_iter: int = 100_000, progress=None
) -> Estimate:
    """AMS estimate of P(event within the horizon) with n replicas, killing at least k per
    iteration. extra["status"]: "done"; "extinct" (all replicas tied below the event: p = 0);
    "truncated" (max_iter reached: biased low). `progress(fraction, note)`, if given, is
    called after each iteration with `fraction_done` (sim/rare/tail.py)."""
    if not 1 <= k < n:
        raise ValueError(f"AMS needs 1 <= k < n, got k={k}, n={n}")
    run, zs, killed, status = Splitter(system, n, seed), [], [], "truncated"
    start = float(np.min(run.levels()))
    for q in range(max_iter):
        out = run.iterate(k)
        if out is None:
            status = "done"
            break
        zs.append(out[0])
        killed.append(out[1])
        if progress is not None:
            progress(fraction_done(run, start, out[0], k), f"AMS iteration {q + 1}, level "
                     f"{out[0]:.4g}")  # fmt: skip
        if out[1] == n:
            status = "extinct"
            break
    return summarise(run, zs, killed, status)


def fraction_done(run: Splitter, start: float, z: float, k: int) -> float:
    """A guess at how far an AMS run has come, for progress bars only: the larger of the
    level's way from the first minimum to the event's threshold (when the system names one,
    `system.target`) and the share of the n - k + 1 hits that end the run."""
    hits = float(np.isinf(run.levels()).sum()) / (run.n - k + 1)
    target = getattr(run.system, "target", None)
    if target is None or not math.isfinite(start) or target <= start:
        return min(hits, 1.0)
    return min(max((z - start) / (target - start), hits, 0.0), 1.0)


def summarise(run: Splitter, zs: list, killed: list, status: str) -> Estimate:
    """p, its variance and log-normal interval from the final population (module docstring)."""
    n, hits = run.n, np.isinf(run.levels())
    p = float(math.prod(1 - kq / n for kq in killed) * hits.sum() / n)
    var = variance(n, killed, hits, np.array([r.eve for r in run.reps])) if p > 0 else 0.0
    se = math.sqrt(var)
    rel = se / p if p > 0 else INF
    lo_hi = (p * math.exp(-Z95 * rel), min(p * math.exp(Z95 * rel), 1.0))  # a probability
    ci = lo_hi if p > 0 else (0.0, upper0(n, killed[:-1] if status == "extinct" else killed))
    eves = len({r.eve for r, h in zip(run.reps, hits, strict=True) if h})
    ess = p * (1 - p) / var if var > 0 else float(n)
    return make_estimate(p, se, ci, ess, run.steps, "ams", levels=zs, killed=killed,
                         iterations=len(killed), hits=int(hits.sum()), eves=eves, n=n,
                         status=status)  # fmt: skip


def upper0(n: int, killed: list[int]) -> float:
    """When no replica hits: the stage product times the exact 95% upper bound for 0 of n."""
    return math.prod(1 - kq / n for kq in killed) * (1 - 0.025 ** (1 / n))
