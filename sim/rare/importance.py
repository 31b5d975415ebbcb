"""Importance sampling for a rare event with a tilt tuned by the cross-entropy method
(issue 14): Rubinstein 1999, "The cross-entropy method for combinatorial and continuous
optimization", Methodol. Comput. Appl. Probab. 1:127; de Boer, Kroese, Mannor & Rubinstein
2005, "A tutorial on the cross-entropy method", Ann. Oper. Res. 134:19.

`estimate` runs n paths of a `TiltedSystem` under the tilted law; each path's likelihood
ratio w = exp(log_weight) reweights the event indicator h: p = mean(w h), SE = sd(w h)/sqrt(n),
a normal 95% interval clipped at 0, and ESS = (sum w h)^2 / sum (w h)^2 (Kong's effective
sample size of the weights of the paths that carry the estimate).

`cross_entropy` is the multilevel CE of de Boer et al. (Algorithm 2.1 with smoothing, sec.
3.2): each round runs `pilot` paths under the current tilt; the elite are the paths whose
level (max score over the path, +inf on the event) reaches the (1 - rho) quantile, or the paths
that hit once `min_hits` of them do; each family's parameter becomes the likelihood-weighted
ratio (sum w stat)/(sum w draws) over the elite (the CE optimum for a Bernoulli or any
natural exponential family in its mean), smoothed by alpha and clipped to `cap`; it stops once
a share rho of the paths hit and no parameter moved by more than `tol` (relative). A round whose
level does not rise and that sees no event multiplies the rates by `boost` (a bootstrap for
events whose score cannot climb, such as a single catastrophe draw).
"""

from __future__ import annotations

import math

import numpy as np

from sim.rare import Z95, Estimate, make_estimate
from sim.rare.mc import path_seeds
from sim.rare.system import Tilt, TiltedSystem


def run_tilted(system: TiltedSystem, n: int, seed: int, tilt: Tilt, progress=None):
    """n tilted paths: (levels, log weights, per-path family stats, steps). `progress(i)`, if
    given, is called after path i."""
    levels, logw, stats, steps = np.empty(n), np.empty(n), [], 0
    for i, s in enumerate(path_seeds(seed, n)):
        state = system.start(s, tilt)
        best = system.score(state)
        while not system.hit(state) and system.time(state) < system.horizon:
            state = system.step(state)
            steps += 1
            best = max(best, system.score(state))
        levels[i] = math.inf if system.hit(state) else best
        logw[i] = system.log_weight(state)
        stats.append(system.stats(state))
        if progress is not None:
            progress(i)
    return levels, logw, stats, steps


def estimate(system: TiltedSystem, n: int, seed: int, tilt: Tilt, progress=None) -> Estimate:
    """Importance-sampling estimate of P(event within the horizon) under `tilt`. `progress`
    (fraction, note), if given, is called after each path."""
    tick = None if progress is None else (lambda i: progress((i + 1) / n, f"IS path {i + 1}/{n}"))
    levels, logw, _, steps = run_tilted(system, n, seed, tilt, tick)
    y = np.where(np.isinf(levels), np.exp(logw), 0.0)
    p, se = float(y.mean()), float(y.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    ess = float(y.sum() ** 2 / (y @ y)) if y.any() else 0.0
    ci = (max(p - Z95 * se, 0.0), min(p + Z95 * se, 1.0))
    return make_estimate(p, se, ci, ess, steps, "is", tilt=dict(tilt), hits=int((y > 0).sum()))


def tuned(system: TiltedSystem, pilot: int, n: int, seed: int, progress=None, **options):
    """Cross-entropy tuning from rounds of `pilot` paths, then the estimate from n tilted paths
    under the tuned tilt (independent seeds spawned from `seed`); the pilot's model steps are
    counted in the cost. extra: tilt, rounds, pilot_steps. `progress` as `estimate`'s (the
    pilot takes the first 30% of the bar)."""
    ce_seed, is_seed = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(2))
    rounds = options.get("max_rounds", 30)

    def ce_tick(r: int) -> None:
        if progress is not None:
            progress(0.3 * (r + 1) / rounds, f"cross-entropy round {r + 1}")

    def is_tick(fraction: float, note: str) -> None:
        if progress is not None:
            progress(0.3 + 0.7 * fraction, note)

    tilt, pilot_steps, history = cross_entropy_run(system, pilot, ce_seed, tick=ce_tick, **options)
    est = estimate(system, n, is_seed, tilt, is_tick)
    extra = {**est.extra, "rounds": len(history), "pilot_steps": pilot_steps, "pilot": pilot}
    return make_estimate(est.p, est.se, est.ci, est.ess, est.model_steps + pilot_steps, "is",
                         **extra)  # fmt: skip


def update(system: TiltedSystem, tilt: Tilt, elite: np.ndarray, logw, stats, alpha, cap) -> Tilt:
    """The smoothed, clipped CE update of every family over the elite paths (the system's own
    `ce_update` when it has one)."""
    w = np.exp(logw[elite] - logw[elite].max())
    if hasattr(system, "ce_update"):
        return system.ce_update(tilt, w, [stats[i] for i in np.flatnonzero(elite)], alpha)
    out = {}
    for fam, old in tilt.items():
        num = sum(wi * stats[i][fam][0] for wi, i in zip(w, np.flatnonzero(elite), strict=True))
        den = sum(wi * stats[i][fam][1] for wi, i in zip(w, np.flatnonzero(elite), strict=True))
        new = num / den if den > 0 else old
        out[fam] = float(np.clip(alpha * new + (1 - alpha) * old, *cap))
    return out


def boosted(system: TiltedSystem, tilt: Tilt, factor: float, cap) -> Tilt:
    """CE's bootstrap step: rates times `factor` (the system's own `boost` when it has one)."""
    if hasattr(system, "boost"):
        return system.boost(tilt, factor)
    return {f: float(min(q * factor, cap[1])) for f, q in tilt.items()}


def cross_entropy(system: TiltedSystem, pilot: int, seed: int, **options) -> Tilt:
    """A CE-tuned tilt for `system` from rounds of `pilot` paths (module docstring); options
    as `cross_entropy_run`."""
    return cross_entropy_run(system, pilot, seed, **options)[0]


def cross_entropy_run(
    system: TiltedSystem,
    pilot: int,
    seed: int,
    rho: float = 0.1,
    alpha: float = 0.7,
    min_hits: int = 20,
    max_rounds: int = 30,
    boost: float = 10.0,
    cap: tuple[float, float] = (1e-12, 0.95),
    tol: float = 0.05,
    tick=None,
) -> tuple[Tilt, int, list[Tilt]]:
    """cross_entropy's work: (tilt, model steps spent, tilt after each round); `tick(r)`, if
    given, is called after round r."""
    tilt, floor, steps, history = dict(system.nominal), -math.inf, 0, []
    seeds = np.random.SeedSequence(seed).generate_state(max_rounds, np.uint64)
    for r in range(max_rounds):
        levels, logw, stats, k = run_tilted(system, pilot, int(seeds[r]), tilt)
        steps += k
        hits = np.isinf(levels)
        gamma = float(np.quantile(levels, 1 - rho, method="lower"))
        if hits.sum() >= min_hits or (hits.any() and gamma <= floor):
            elite = hits
        elif gamma > floor:
            elite, floor = levels >= gamma, gamma
        else:
            tilt = boosted(system, tilt, boost, cap)
            history.append(tilt)
            if tick is not None:
                tick(r)
            continue
        new = update(system, tilt, elite, logw, stats, alpha, cap)
        history.append(new)
        # rates settle relative to their size, log-odds shifts absolutely (both ~ tol in log)
        scale = (lambda f: 1.0) if hasattr(system, "ce_update") else tilt.get
        settled = all(abs(new[f] - tilt[f]) <= tol * scale(f) for f in tilt)
        tilt = new
        if tick is not None:
            tick(r)
        if hits.sum() >= rho * pilot and settled:
            break
    return tilt, steps, history
