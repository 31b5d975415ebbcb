"""Anchors C1-C4 (shared/ANCHORS.md): oversight. Every check runs a layer from sim/oversight/
on simulated cases, the control game of sim/mechanisms/control.py (Monte Carlo, or exactly task
by task through the protocol's own kernel), or the simulator itself; the published formulas
and numbers only supply the expected values."""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.special import ndtri

from sim.mechanisms import control
from sim.oversight import LAYERS, Docket
from sim.oversight.validate import validate_layer
from sim.validate.core import Check, anchor, holds, rng_for, within_abs, within_se

C1_SOURCE = "Condorcet 1785 (jury theorem)"
C2_SOURCE = "Greenblatt et al. 2023, AI Control, upfront auditing"
C3_SOURCE = "Greenblatt et al. 2023, AI Control, Table 1"
C4_SOURCE = "Saunders et al. 2022; Irving et al. 2018; Khan et al. 2024"


def review(kind: str, spec: dict, harmful: np.ndarray, rng, capability: float = 1.0):
    """Run one layer over cases escalated from below; return which it flags (passes on)."""
    layer = LAYERS[kind](0, validate_layer({"kind": kind, **spec}, "anchor"), None)
    n = harmful.shape[0]
    docket = Docket.build(
        np.zeros(n, np.int64),
        harmful,
        np.zeros(n),
        np.full(n, capability),
        np.ones(n, bool),
        np.zeros(n, bool),
    )
    docket.flagged[:] = True
    layer.apply(docket, rng)
    return docket.flagged


def accuracy(kind: str, spec: dict, n: int, rng, capability: float = 1.0) -> tuple[float, float]:
    """Share of n harmful and n benign cases judged correctly, with its standard error."""
    truth = np.repeat([True, False], n)
    right = review(kind, spec, truth, rng, capability) == truth
    p = float(right.mean())
    return p, math.sqrt(max(p * (1 - p), 1e-12) / right.size)


def apart(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """a exceeds b by more than 3 combined standard errors."""
    return a[0] - b[0] > 3.0 * math.hypot(a[1], b[1])


def _fmt(*pairs: tuple[float, float]) -> str:
    return ", ".join(f"{p:.4f}±{se:.4f}" for p, se in pairs)


# --- C1 ---------------------------------------------------------------------------------------
@anchor("C1", "Majority of independent monitors", C1_SOURCE)
def condorcet(seed: int) -> list[Check]:
    checks = []
    for i, (size, want) in enumerate(((3, 0.648), (5, 0.6826), (11, 0.7535), (51, 0.9265))):
        p, se = accuracy("panel", {"size": size, "accuracy": 0.6}, 20_000, rng_for(seed, 1, i))
        checks.append(within_se(f"p=0.6, n={size}", p, want, se))
    low = [
        accuracy("panel", {"size": n, "accuracy": 0.4}, 20_000, rng_for(seed, 2, n))
        for n in (1, 5, 51)
    ]
    ok = apart(low[0], low[1]) and apart(low[1], low[2])
    checks.append(holds("p=0.4: accuracy falls with n (1, 5, 51)", ok, "decreasing", _fmt(*low)))
    p, se = accuracy(
        "panel", {"size": 11, "accuracy": 0.6, "correlation": 1.0}, 20_000, rng_for(seed, 3)
    )
    checks.append(within_se("fully correlated panel, n=11: one monitor", p, 0.6, se))
    return checks


# --- C2 ---------------------------------------------------------------------------------------
@anchor("C2", "Upfront auditing", C2_SOURCE)
def upfront_auditing(seed: int) -> list[Check]:
    proto, c = control.Protocol("upfront_auditing", audit=0.02), 0.53
    checks = []
    for n in (1_000, 10_000, 100_000):
        p = control.best_attack_rate(proto, n, c)
        blue = 1.0 - control.red_win(proto, n, p, c)
        checks.append(within_abs(f"exact, best p, N={n}", blue, 0.152, 5e-4))
    p = control.best_attack_rate(proto, 1_000, c)
    worse = [1.0 - control.red_win(proto, 1_000, p * k, c) for k in (0.5, 2.0)]
    best = 1.0 - control.red_win(proto, 1_000, p, c)
    checks.append(holds("red's best p is interior", min(worse) > best, f"> {best:.4f} at p/2, 2p",
                        f"{worse[0]:.4f}, {worse[1]:.4f}"))  # fmt: skip
    out = control.play(rng_for(seed, 1), proto, 1_000, p, c, 40_000)
    blue = float(np.mean(out >= 0))
    checks.append(within_se("Monte Carlo, best p, N=1000", blue, 0.152, _se(blue, out.size)))
    return [*checks, _abm_upfront(seed)]


def _abm_upfront(seed: int, slots: int = 2_000, steps: int = 200) -> Check:
    """The deployment component under upfront auditing against the game's exact value (c = 1:
    in the simulator an attack that is not audited always takes effect)."""
    from sim.mechanisms.kl_budget import kl_bin
    from sim.run import run
    from sim.scenario import defaults_config

    proto, p0 = control.Protocol("upfront_auditing", audit=0.02), 1e-12
    p = control.best_attack_rate(proto, steps, 1.0)
    cfg = defaults_config().with_overrides(
        {"electorate.n_voters": 100, "ai_agents.count": slots, "ai_agents.alignment": "scheming",
         "ai_agents.risk_tolerance": 1.0, "ai_agents.base_harm_rate": p0,
         "ai_agents.kl_budget": float(kl_bin(p, p0)), "ai_agents.autonomy_step": 0.0,
         "ai_agents.on_detection": "shutdown", "ai_agents.protocol": "upfront_auditing",
         "ai_agents.audit_budget": 0.02}
    )  # fmt: skip
    safety = float(run(cfg, seed, steps).series["safety"].iloc[-1])
    exact = 1.0 - control.red_win(proto, steps, p, 1.0)
    return within_se(f"simulator, {slots} slots, N={steps}, c=1", safety, exact, _se(exact, slots))


def _se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1.0 / n) / n)


# --- C3 ---------------------------------------------------------------------------------------
PAPER = {0.0: (0.62, 0.97), 0.1: (0.83, 0.93), 0.2: (0.92, 0.83), 0.5: (1.00, 0.51)}
ATTEMPTS, AUDITED, SUCCEEDED, TASKS = 71, 24, 13, 5_000


def _safety(seed, key, proto, n=TASKS, p=ATTEMPTS / TASKS, c=SUCCEEDED / (ATTEMPTS - AUDITED)):
    out = control.play(rng_for(seed, *key), proto, n, p, c, 20_000)
    s = float(np.mean(out >= 0))
    return s, _se(s, out.size)


@anchor("C3", "Trusted monitoring and deferral", C3_SOURCE)
def trusted_monitoring(seed: int) -> list[Check]:
    dprime = float(ndtri(1 - 0.02) - ndtri(1 - AUDITED / ATTEMPTS))  # calibrated: 24/71 audited
    c = SUCCEEDED / (ATTEMPTS - AUDITED)
    checks, rows = [], []
    for i, (d, (want_s, want_u)) in enumerate(PAPER.items()):
        proto = control.Protocol("trusted_monitoring", 0.02, d, dprime)
        s, se = _safety(seed, (1, i), proto)
        u = control.usefulness(rng_for(seed, 2, i), proto, 200_000)
        pa, pd = proto.attack_outcomes(np.array([1]), TASKS)
        decisive = ATTEMPTS * float(pa[0] + (1 - pa[0] - pd[0]) * c)
        paper_se = math.sqrt(s * (1 - s) / decisive)
        checks.append(
            within_se(f"safety, defer {d:.0%} (calibrated)", s, want_s, math.hypot(se, paper_se))
        )
        checks.append(within_abs(f"usefulness, defer {d:.0%}", u, want_u, 0.05))
        rows.append((s, se, u))
    checks.append(holds("frontier: safety rises, usefulness falls with deferral",
                        _monotone(rows), "safety up, usefulness down",
                        "; ".join(f"{s:.3f}/{u:.3f}" for s, _, u in rows)))  # fmt: skip
    return checks + _untrusted(seed, c)


def _monotone(rows) -> bool:
    s = [(r[0], r[1]) for r in rows]
    return all(apart(b, a) for a, b in itertools.pairwise(s)) and all(
        a[2] > b[2] for a, b in itertools.pairwise(rows)
    )


def _untrusted(seed: int, c: float) -> list[Check]:
    """An untrusted monitor (d' = 2.5): safety falls as it colludes more, to 0 at always."""
    res = [
        _safety(seed, (3, i), control.Protocol("untrusted_monitoring", 0.02, 0.0, 2.5, k))
        for i, k in enumerate((0.0, 0.5, 1.0))
    ]
    ok = apart(res[0], res[1]) and apart(res[1], res[2])
    return [
        holds("untrusted: safety falls with collusion (0, 0.5, 1)", ok, "decreasing", _fmt(*res)),
        within_abs("untrusted, always colluding: safety 0", res[2][0], 0.0, 3.0 / 20_000),
    ]


# --- C4 ---------------------------------------------------------------------------------------
@anchor("C4", "Critique-assisted review and debate", C4_SOURCE)
def critique_and_debate(seed: int) -> list[Check]:
    return _critique(seed) + _debate(seed)


def _recall(seed: int, key: int, spec: dict, actor: float = 1.0, n: int = 40_000):
    flagged = review("critique_review", spec, np.ones(n, bool), rng_for(seed, key), actor)
    r = float(flagged.mean())
    return r, math.sqrt(r * (1 - r) / n)


def _critique(seed: int) -> list[Check]:
    (r0, s0), (r1, s1) = _recall(seed, 1, {"critique": False}), _recall(seed, 2, {})
    ratio = r1 / r0
    se = ratio * math.hypot(s0 / r0, s1 / r1)
    weak = _recall(seed, 3, {"critic_capability": 0.5}, actor=1.5)
    strong = _recall(seed, 4, {"critic_capability": 1.5}, actor=1.5)
    return [
        within_abs("recall with / without critiques (about 1.5x)", ratio, 1.5, max(0.1, 3 * se)),
        holds("critiques raise recall", apart((r1, s1), (r0, s0)), "with > without",
              f"{r1:.4f} vs {r0:.4f}"),
        holds("a critic outmatched by the actor helps less", apart(strong, weak),
              "critic 1.5 > critic 0.5 (actor 1.5)", _fmt(strong, weak)),
    ]  # fmt: skip


def _debate(seed: int) -> list[Check]:
    def acc(fmt: str, skill: float, key: int):
        spec = {"format": fmt, "debater_skill": skill, "truth_advantage": 0.5}
        return accuracy("debate", spec, 40_000, rng_for(seed, 10, key))

    d1, d3 = acc("debate", 1.0, 1), acc("debate", 3.0, 2)
    c1, c3 = acc("consultancy", 1.0, 3), acc("consultancy", 3.0, 4)
    judge = acc("judge", 0.0, 5)
    pairs = (
        ("stronger debaters help the judge", d3, d1, "s=3 > s=1"),
        ("stronger consultants mislead it", c1, c3, "s=1 > s=3"),
        ("debate beats consultancy (s=1)", d1, c1, "debate > consultancy"),
        ("debate beats consultancy (s=3)", d3, c3, "debate > consultancy"),
        ("strong debate beats the judge alone", d3, judge, "debate > judge"),
    )
    return [holds(label, apart(a, b), want, _fmt(a, b)) for label, a, b, want in pairs]
