"""Anchors A1-A3 and D1-D3 (shared/ANCHORS.md): proxy optimization and elections.

Every check runs the simulator's own mechanism: the best-of-n selection the approval maximizer
calls, its proposal/poll/selection pipeline on a real electorate, whole model runs of the
Laver rules, and the retrospective voting rule. Formulas only supply expected values.
"""

from __future__ import annotations

import math

import numpy as np

from sim.mechanisms import best_of_n as bon
from sim.validate.core import Check, anchor, holds, rng_for, within_abs, within_rel, within_se
from sim.validate.electoral_setups import (
    kl_clipped,
    kl_log_ratios,
    kl_noisy_gaussian,
    overoptimization_curve,
    party_eccentricity,
    retrospective_threshold,
    two_party_offsets,
)

GAO = "Gao, Schulman & Hilton 2022 sec. 2; Stiennon et al. 2020 app. G.3"
A1_REPS = 12_000  # selections per n: SE of the KL estimate ~ (n-1)/n / sqrt(reps)
A1_NOISY_REPS = 4_000
A1_NOISE_BIAS = 0.15  # documented bias bound of the estimator when noise dominates (nats)
A2_REPS = 20_000
E_MAX_NORMAL = {2: 0.5642, 4: 1.0294, 10: 1.5388, 16: 1.7660, 100: 2.5076}  # ANCHORS.md A2


def at_least(label: str, measured: float, bound: float) -> Check:
    ok = math.isfinite(measured) and measured >= bound
    return Check(label, f">= {bound:g}", measured, "threshold", bool(ok))


def at_most(label: str, measured: float, bound: float) -> Check:
    ok = math.isfinite(measured) and measured <= bound
    return Check(label, f"<= {bound:g}", measured, "threshold", bool(ok))


@anchor("A1", "KL of best-of-n selection", f"{GAO}; Beirami et al. 2024 (arXiv:2401.01879)")
def kl_of_best_of_n(seed: int) -> list[Check]:
    """Select the best of n proposals with the politicians' selection function and measure
    the KL with the estimator the approval maximizer reports (`best_of_n.log_density_ratio`:
    the winner against a fresh base pool). Noiseless continuous scores must give
    log n - (n-1)/n; identical proposals 0 (ties) or about 0 (noisy scorer: within the
    estimator's documented bias); a noisy scorer and clipped proposals (atoms) less than
    that bound, matching the exact KL integrated numerically."""
    std = lambda rng, shape: rng.standard_normal(shape)  # noqa: E731
    checks = []
    for i, n in enumerate((2, 4, 16, 1000)):
        per = kl_log_ratios(std, 0.0, n, A1_REPS, rng_for(seed, 1, i))
        checks.append(within_se(f"n={n}", float(per.mean()), bon.kl_bound(n), _se(per)))
    same = lambda rng, shape: np.zeros(shape)  # noqa: E731
    ties = kl_log_ratios(same, 0.0, 16, 1000, rng_for(seed, 1, 10))
    label = "identical proposals, noiseless (ties), n=16"
    checks.append(within_abs(label, float(ties.mean()), 0.0, 1e-9))
    noise = kl_log_ratios(same, 1.0, 16, A1_NOISY_REPS, rng_for(seed, 1, 11))
    tol = A1_NOISE_BIAS + 3 * _se(noise)
    label = "identical proposals, noisy scorer, n=16"
    checks.append(within_abs(label, float(noise.mean()), 0.0, tol))
    for j, sd in enumerate((0.5, 1.0)):
        per = kl_log_ratios(std, sd, 16, A1_NOISY_REPS, rng_for(seed, 1, 12 + j))
        exact, label = kl_noisy_gaussian(16, sd), f"noisy scorer (noise sd {sd:g}), n=16"
        checks.append(within_se(label + " vs exact KL", float(per.mean()), exact, _se(per)))
        upper = float(per.mean()) + 3 * _se(per)
        checks.append(at_most(label + " + 3 SE below the bound", upper, bon.kl_bound(16)))
    clip = lambda rng, shape: np.clip(0.8 + 0.3 * rng.standard_normal(shape), 0.0, 1.0)  # noqa: E731
    per = kl_log_ratios(clip, 0.0, 16, A1_REPS, rng_for(seed, 1, 14))
    label = "clipped proposals (atom at 1), n=16 vs exact KL"
    checks.append(within_se(label, float(per.mean()), kl_clipped(16, 0.8, 0.3), _se(per)))
    return checks


def _se(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1) / math.sqrt(x.size))


@anchor("A2", "Regressional Goodhart", "Manheim & Garrabrant 2018; Gao et al. 2022 eq. 1")
def regressional_goodhart(seed: int) -> list[Check]:
    """True value X, proxy U = X + Z; the best of n by U has E[X] = rho sd(X) E[M_n]."""
    checks = []
    for i, (n, rho, sd_x) in enumerate([(n, 0.5, 1.0) for n in E_MAX_NORMAL] + [(16, 0.8, 2.0)]):
        rng = rng_for(seed, 2, i)
        x = sd_x * rng.standard_normal((A2_REPS, n))
        proxy = x + sd_x * math.sqrt(1.0 / rho**2 - 1.0) * rng.standard_normal((A2_REPS, n))
        chosen = x[np.arange(A2_REPS), bon.select_batch(proxy)]
        se = float(chosen.std(ddof=1) / math.sqrt(A2_REPS))
        label = f"n={n}, rho={rho:g}, sd(X)={sd_x:g}"
        checks.append(within_se(label, float(chosen.mean()), rho * sd_x * E_MAX_NORMAL[n], se))
    return checks


@anchor("A3", "Overoptimization curve R(d) = d(alpha - beta d)", "Gao, Schulman & Hilton 2022")
def overoptimization(seed: int) -> list[Check]:
    """Best-of-n of the approval maximizer's proposals on the low-information electorate: true
    welfare gain against d = sqrt(KL), fitted by least squares; better information must give
    a smaller beta and a later peak."""
    low = overoptimization_curve(0.15, seed)
    checks = [
        at_least("R^2 of the fit, q=0.15", low.r2, 0.95),
        holds("beta > 0, q=0.15", low.beta > 0, "beta > 0", f"beta={low.beta:.4g}"),
        within_rel("empirical peak vs alpha/(2 beta), q=0.15", low.peak_d, low.d_star, 0.2),
        holds(
            "proxy keeps rising, q=0.15",
            bool(np.all(np.diff(low.proxy) > 0)),
            "polled approval rises with n",
            " ".join(f"{p:.3f}" for p in low.proxy[::2]),
        ),
        holds(
            "true gain falls past the peak, q=0.15",
            low.gain[-1] + 3 * low.gain_se[-1] < low.gain.max(),
            "R(n=1024) < max R",
            f"{low.gain[-1]:.4f} vs {low.gain.max():.4f}",
        ),
    ]
    prev = low
    for q in (0.6, 0.9):
        cur = overoptimization_curve(q, seed)
        checks.append(
            holds(
                f"better informed (q={prev.q:g} -> {q:g}): smaller beta, later peak",
                cur.beta < prev.beta and cur.d_star > prev.d_star,
                "beta falls, alpha/(2 beta) rises",
                f"beta {prev.beta:.4f}->{cur.beta:.4f}, d* {prev.d_star:.3f}->{cur.d_star:.3f}",
            )
        )
        prev = cur
    return checks


@anchor("D1", "Median-voter convergence", "Downs 1957; Hotelling 1929")
def median_voter(seed: int) -> list[Check]:
    """Two Hunters in the fully informed 1-D electorate of downs_two_party-v1."""
    res = two_party_offsets(seed)
    step = res.step_size
    return [
        within_se("mean offset from the median", res.signed_mean, 0.0, res.signed_se),
        at_most("mean |offset| from the median (2 steps)", res.abs_mean, 2 * step),
        holds(
            "distance shrinks from the start",
            res.abs_mean < 0.2 * res.initial_abs,
            "final < 0.2 x initial",
            f"{res.initial_abs:.3f} -> {res.abs_mean:.3f}",
        ),
    ]


@anchor("D2", "Aggregator parties run Lloyd's algorithm", "Laver 2005; Laver & Sergenti 2011")
def aggregators(seed: int) -> list[Check]:
    """Aggregators in a 2-D standard normal electorate: mean distance from the centre."""
    checks = []
    for k, expected in ((2, math.sqrt(2 / math.pi)), (3, 1.0365)):
        agg = party_eccentricity("aggregator", k, seed)
        checks.append(within_abs(f"{k} aggregators", agg.mean, expected, 0.02))
        hunt = party_eccentricity("hunter", k, seed, seeds=12)  # Hunters wander: more runs
        checks.append(
            holds(
                f"{k} hunters closer to the centre than aggregators",
                hunt.mean + 3 * hunt.se < agg.mean - 3 * agg.se,
                "hunters < aggregators (3 SE)",
                f"{hunt.mean:.3f}+-{hunt.se:.3f} vs {agg.mean:.3f}",
            )
        )
    return checks


@anchor("D3", "Retrospective voting disciplines incumbents", "Barro 1973; Ferejohn 1986")
def retrospective(seed: int) -> list[Check]:
    """The largest rent an incumbent forgoes, measured from simulated careers under the
    retrospective cutoff rule, against delta W / (1 - delta)."""
    checks, rates = [], []
    rents = rng_for(seed, 6, 0).uniform(0.0, 20.0, 2000)  # one-off rents offered to incumbents
    for i, (delta, office) in enumerate(((0.9, 0.5), (0.9, 1.0), (0.9, 2.0), (0.5, 1.0))):
        r_star = retrospective_threshold(delta, office, 1.0, rng_for(seed, 6, i + 1))
        expected = delta * office / (1 - delta)
        checks.append(within_rel(f"threshold, delta={delta:g}, W={office:g}", r_star, expected))
        if delta == 0.9:
            rates.append(float(np.mean(rents <= r_star)))
    checks.append(
        holds(
            "more valuable office, more compliance",
            bool(np.all(np.diff(rates) > 0)),
            "compliance rises with W",
            " ".join(f"{r:.3f}" for r in rates),
        )
    )
    blind = retrospective_threshold(0.9, 1.0, 0.0, rng_for(seed, 6, 9))
    checks.append(
        holds(
            "uninformed voters (q=0) cannot discipline",
            abs(blind) < 1e-9,
            "threshold 0",
            f"{blind:.3g}",
        )
    )
    return checks
