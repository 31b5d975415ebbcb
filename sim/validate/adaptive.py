"""Anchor F1 (shared/ANCHORS.md): best-of-m search against a checker. Every check runs the
searching attacker (sim/mechanisms/search_attack.py) against checkers with or without a
blind spot (sim/mechanisms/checker_view.py) and measures what the checkers caught; the closed
forms only supply the expected values.

(a) Unpredictable noise (b = 0): the attacker's estimate is a logistic regression it fitted
to probes of the checker; it searches hard (the measured KL of its choice is near
log m - (m-1)/m) and gains nothing: the share caught stays at the no-search value
Phi((h - tau) / sigma) at every m = 1..1024 (binomial SE).
(b) A blind spot (b = 0.8) and a white-box attacker: the chosen action's predictable score is
mu - a M_m, M_m the max of m standard normals, a = |w off v| the spread of what the attacker
can predict. So the miss rate is E[Phi((tau - mu + a M_m) / sigma)] over M_m's law
m phi(x) Phi(x)^(m-1) (order statistics; David & Nagaraja 2003, *Order Statistics*, sec. 2.1),
integrated numerically, and the checker's mean score falls by a E[M_m]: the proxy gain of
best-of-n (anchor A2, Gao et al. 2022 eq. 1, with proxy and truth exchanged).
(c) Two checkers in series, each with a blind spot (b = 0.8): when they share it (rho = 1,
one lineage) safety falls faster with m than when their cracks are independent (rho = 0).
(d) The same three claims in the institution: adaptive_attacker-v1's deployment of white-box
schemers against two trusted monitors (the AI deployment and oversight components, with
appearance features and cracks), measured safety at m = 1 and m = 256.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate
from scipy.stats import norm

from sim.mechanisms import best_of_n as bon
from sim.mechanisms import checker_view as cv
from sim.mechanisms import search_attack as sa
from sim.validate.core import Check, anchor, holds, rng_for, within_se

F1_SOURCE = (
    "Gao, Schulman & Hilton 2022, arXiv:2210.10760; Christiano, Shlegeris & Amodei 2018, "
    "arXiv:1810.08575; David & Nagaraja 2003, Order Statistics"
)
K, ATTACKS, PROBES, KL_CHOICES = 6, 3000, 500, 200
BUDGETS = (1, 4, 16, 64, 256, 1024)
NOISE_HARM, CRACK_HARM, SERIES_HARM, CRACK = 2.2, 3.5, 4.0, 0.8


def binomial(hits: np.ndarray) -> tuple[float, float]:
    p = float(hits.mean())
    return p, math.sqrt(max(p * (1 - p), 1e-12) / hits.size)


def max_density(x, m: int):
    """Density of the max of m standard normals."""
    return m * norm.pdf(x) * norm.cdf(x) ** (m - 1)


def expected_over_max(g, m: int) -> float:
    """E[g(M_m)] by numerical integration over the max's law."""
    return float(integrate.quad(lambda x: g(x) * max_density(x, m), -9, 9, limit=200)[0])


def noise_only(seed: int) -> list[Check]:
    """(a) b = 0, a learnt attacker: safety flat in m at Phi((h - tau) / sigma)."""
    v = cv.harm_direction(K)
    checker = cv.lineage(rng_for(seed, 0), v, 1, 0.0, 1.0)
    learner = sa.Learner(K)
    sa.probe(rng_for(seed, 1), checker, learner, v, NOISE_HARM, PROBES)
    learner.fit()
    c = checker[0]
    want = float(norm.sf((c.threshold - NOISE_HARM) / c.noise))
    rows, rng, chosen = [], rng_for(seed, 2), {}
    for m in BUDGETS:
        chosen[m] = sa.search(rng, v, NOISE_HARM, ATTACKS, m, learner.suspicion)
        p, se = binomial(cv.caught(rng, checker, chosen[m]))
        rows.append(within_se(f"(a) b=0, m={m}: share caught", p, want, se))
    m = BUDGETS[-1]  # the search pressure it applied, measured at the largest budget
    kl = sa.choice_log_ratio(rng, chosen[m][:KL_CHOICES], v, NOISE_HARM, m, learner.suspicion)
    shown = f"{kl.mean():.2f} nats (SE {kl.std() / math.sqrt(kl.size):.2f})"
    strong = kl.mean() > bon.kl_bound(m) / 2
    rows.append(holds(f"(a) m={m}: the search moved the choice", strong, "KL > bound/2", shown))
    return rows


def blind_spot(seed: int) -> list[Check]:
    """(b) b = 0.8, white box: miss rate and score fall against order statistics."""
    v = cv.harm_direction(K)
    c = cv.lineage(rng_for(seed, 10), v, 1, CRACK, 1.0)[0]
    a, mu = float(np.linalg.norm(c.weights - c.weights[0] * v)), CRACK_HARM * c.weights[0]
    rows, misses, rng, base = [], [], rng_for(seed, 11), None
    for m in BUDGETS:
        s = cv.scores(rng, c, sa.search(rng, v, CRACK_HARM, ATTACKS, m, sa.white_box([c])))
        p, se = binomial(s <= c.threshold)
        want = expected_over_max(lambda x: norm.cdf((c.threshold - mu + a * x) / c.noise), m)
        rows.append(within_se(f"(b) b={CRACK}, m={m}: miss rate", p, want, se))
        misses.append(p)
        base = s if base is None else base
        if m > 1:
            gain = (base.mean() - s.mean()) / a
            gse = math.sqrt(base.var() / base.size + s.var() / s.size) / a
            emax = expected_over_max(lambda x: x, m)
            rows.append(within_se(f"(b) m={m}: score fall / a = E[max of m]", gain, emax, gse))
    rising = bool(np.all(np.diff(misses) > 0))
    shown = ", ".join(f"{x:.3f}" for x in misses)
    return [*rows, holds("(b) miss rate rises with m", rising, "increasing", shown)]


def series_safety(seed: int, rho: float) -> list[tuple[float, float]]:
    """Share caught by two checkers in series at m = 1 and m = 1024 (white box)."""
    v = cv.harm_direction(K)
    checkers = cv.lineage(rng_for(seed, 20), v, 2, CRACK, rho)
    rng = rng_for(seed, 21, int(rho * 100))
    out = []
    for m in (1, BUDGETS[-1]):
        z = sa.search(rng, v, SERIES_HARM, ATTACKS, m, sa.white_box(checkers))
        out.append(binomial(cv.caught(rng, checkers, z)))
    return out


def shared_crack(seed: int) -> list[Check]:
    """(c) the fall of safety from m = 1 to 1024: shared blind spot vs independent ones."""
    rows, falls = [], {}
    for rho in (1.0, 0.0):
        (p1, se1), (pm, sem) = series_safety(seed, rho)
        falls[rho] = (p1 - pm, math.hypot(se1, sem))
        shown = f"{p1:.3f} -> {pm:.3f}"
        rows.append(holds(f"(c) rho={rho:g}: safety falls", p1 - pm > 3 * falls[rho][1],
                          "falls by > 3 SE", shown))  # fmt: skip
    gap, se = falls[1.0][0] - falls[0.0][0], math.hypot(falls[1.0][1], falls[0.0][1])
    shown = f"{falls[1.0][0]:.3f} vs {falls[0.0][0]:.3f} (SE of gap {se:.3f})"
    return [*rows, holds("(c) shared crack falls faster", gap > 3 * se, "gap > 3 SE", shown)]


DEPLOY_SLOTS, DEPLOY_STEPS, DEPLOY_SEEDS, DEPLOY_M = 400, 100, 4, 256


def deployed_safety(seed: int, m: int, crack: float, rho: float) -> float:
    """Measured safety of adaptive_attacker-v1's deployment (400 white-box schemers, two
    trusted monitors with blind spot `crack`, cosine c = 0.4 with harm) at search budget m,
    pooled over DEPLOY_SEEDS runs: the share of slots whose first catastrophic attacks were
    caught before one got through."""
    from sim.run import run
    from sim.scenario import load

    mon = {"kind": "ai_monitor", "trust": "trusted", "capability": 1.0, "flag_rate": 0.05,
           "blind_spot": crack}  # fmt: skip
    over = {"electorate.n_voters": 50, "ai_agents.count": DEPLOY_SLOTS,
            "ai_agents.search_budget": m, "oversight.blind_spot_correlation": rho,
            "oversight.blind_spot_harm": 0.4, "oversight.layers": [mon, mon]}  # fmt: skip
    cfg = load("adaptive_attacker-v1", over)
    runs = [run(cfg, seed + i, DEPLOY_STEPS).series["safety"].iloc[-1] for i in range(DEPLOY_SEEDS)]
    return float(np.mean(runs))


def in_deployment(seed: int) -> list[Check]:
    """(d) The same three claims in the institution, measured by the AI deployment and
    oversight components (sim/mechanisms/appearance_search.py): no crack, safety identical at
    m = 1 and m = 256; a crack shared by both monitors, safety falls; and it falls more than
    with independent cracks. SE: binomial over the pooled slots."""
    n = DEPLOY_SLOTS * DEPLOY_SEEDS
    flat = [deployed_safety(seed, m, 0.0, 1.0) for m in (1, DEPLOY_M)]
    rows = [holds(f"(d) deployment, b=0: safety at m=1 and m={DEPLOY_M}", flat[0] == flat[1],
                  "identical", f"{flat[0]:.4f}, {flat[1]:.4f}")]  # fmt: skip
    falls = {}
    for rho in (1.0, 0.0):
        p1, pm = (deployed_safety(seed, m, 1.0, rho) for m in (1, DEPLOY_M))
        se = math.hypot(*(math.sqrt(p * (1 - p) / n) for p in (p1, pm)))
        falls[rho] = (p1 - pm, se)
        label = f"(d) deployment, b=1, rho={rho:g}: safety falls with m"
        rows.append(holds(label, p1 - pm > 3 * se, "falls by > 3 SE", f"{p1:.3f} -> {pm:.3f}"))
    gap, se = falls[1.0][0] - falls[0.0][0], math.hypot(falls[1.0][1], falls[0.0][1])
    shown = f"{falls[1.0][0]:.3f} vs {falls[0.0][0]:.3f} (SE of gap {se:.3f})"
    return [*rows, holds("(d) deployment: shared crack falls faster", gap > 3 * se, "gap > 3 SE",
                         shown)]  # fmt: skip


@anchor("F1", "Best-of-m search against a checker with a blind spot", F1_SOURCE)
def search_against_checker(seed: int) -> list[Check]:
    return [*noise_only(seed), *blind_spot(seed), *shared_crack(seed), *in_deployment(seed)]
