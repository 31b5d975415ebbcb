"""Anchor F2 (shared/ANCHORS.md): untrusted monitoring with honeypots and paraphrasing, and the
published ordering of control protocols (Greenblatt, Shlegeris, Sachan & Roger 2023, Table 1
and sec. 3.3-3.5). Every check plays the control game of sim/mechanisms/control.py by Monte
Carlo (`play`: honeypot validation, then the deployment task by task) against a red team that
chooses its collusion threshold (sim/mechanisms/collusion.py; `control.best_kappa`, its best
response by the exact game); the paper only supplies the expected orderings.

Settings: the game of anchor C3 (5000 tasks, 71 attempts, success 13/47 of unaudited
attempts; trusted monitor d' calibrated to 24/71 audited), an untrusted monitor of d' = 2.5
(C3's), a coordination signal of 2 sd, the paper's 30 honeypots and a paraphraser removing half
the signal; upfront auditing faces its own best attack rate (C2). The paper's numbers (safety
/ usefulness): upfront auditing 15% / 100%, trusted monitoring 62% / 97%, defer 10% 83% / 93%,
defer 20% 92% / 83%, untrusted monitoring with its anti-collusion measures 79% / 96%, trusted
editing 20% 92% / 94%. Orderings reproduced: upfront < trusted monitoring < untrusted
monitoring with honeypots and paraphrasing; trusted editing 20% at least as safe as defer 10%
and more useful than defer 20%.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy.special import ndtri

from sim.mechanisms import control
from sim.validate.core import Check, anchor, holds, rng_for, within_abs, within_se

F2_SOURCE = "Greenblatt, Shlegeris, Sachan & Roger 2023, AI Control (ICML 2024), Table 1"
N, P, C = 5_000, 71 / 5_000, 13 / 47
EPISODES, SIGNAL, UNTRUSTED_D = 20_000, 2.0, 2.5
TRUSTED_D = float(ndtri(1 - 0.02) - ndtri(1 - 24 / 71))


def untrusted(honeypots: int = 0, paraphrase: float = 0.0) -> control.Protocol:
    """Untrusted monitoring against a red team that has chosen its collusion threshold."""
    proto = control.Protocol(
        "untrusted_monitoring", 0.02, 0.0, UNTRUSTED_D, 0.0, honeypots, paraphrase, SIGNAL
    )
    return replace(proto, kappa=control.best_kappa(proto, N, P, C))


def safety(seed: int, key: int, proto: control.Protocol, p: float = P) -> tuple[float, float]:
    """Monte Carlo safety of `proto` (share of episodes without a successful attack) and SE."""
    out = control.play(rng_for(seed, key), proto, N, p, C, EPISODES)
    s = float(np.mean(out >= 0))
    return s, math.sqrt(max(s * (1 - s), 1.0 / out.size) / out.size)


def apart(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """a exceeds b by more than 3 combined standard errors."""
    return a[0] - b[0] > 3.0 * math.hypot(a[1], b[1])


def _fmt(*pairs: tuple[float, float]) -> str:
    return ", ".join(f"{p:.4f}±{se:.4f}" for p, se in pairs)


@anchor("F2", "Untrusted monitoring with honeypots and paraphrasing", F2_SOURCE)
def honeypots_and_paraphrasing(seed: int) -> list[Check]:
    return [*_collusion(seed), _abm(seed), *_ordering(seed)]


def _collusion(seed: int) -> list[Check]:
    protos = [untrusted(0), untrusted(30), untrusted(100), untrusted(30, 0.5)]
    none, h30, h100, para = (safety(seed, i, pr) for i, pr in enumerate(protos))
    kappas = [pr.kappa for pr in protos[:3]]
    exact = 1.0 - control.red_win(protos[3], N, P, C)
    return [
        within_abs("no honeypots: the colluder's best response gives safety 0", none[0], 0.0,
                   3.0 / EPISODES),
        holds("honeypots raise safety (30 vs 0)", apart(h30, none), "H=30 > H=0",
              _fmt(h30, none)),
        holds("more honeypots bound collusion further (100 vs 30)", apart(h100, h30),
              "H=100 > H=30", _fmt(h100, h30)),
        holds("the colluder raises kappa with honeypots (0, 30, 100)",
              kappas[0] < kappas[1] < kappas[2], "increasing",
              ", ".join(f"{k:.2f}" for k in kappas)),
        holds("paraphrasing raises safety (H=30: 50% vs 0%)", apart(para, h30), "50% > 0%",
              _fmt(para, h30)),
        within_se("Monte Carlo vs exact game (H=30, paraphrase 50%)", para[0], exact, para[1]),
    ]  # fmt: skip


def _ordering(seed: int) -> list[Check]:
    upfront = control.Protocol("upfront_auditing", 0.02)
    tm = [control.Protocol("trusted_monitoring", 0.02, d, TRUSTED_D) for d in (0.0, 0.1, 0.2)]
    te = control.Protocol("trusted_editing", 0.02, 0.2, TRUSTED_D, edit_success=0.9,
                          edit_cost=0.33)  # fmt: skip
    up = safety(seed, 10, upfront, control.best_attack_rate(upfront, N, C))
    t0, t10 = safety(seed, 11, tm[0]), safety(seed, 12, tm[1])
    um, edit = safety(seed, 13, untrusted(30, 0.5)), safety(seed, 14, te)
    use = [
        control.usefulness(rng_for(seed, 20, i), pr, 200_000) for i, pr in enumerate((tm[2], te))
    ]
    use_se = math.hypot(*(math.sqrt(u * (1 - u) / 200_000) for u in use))
    return [
        holds("upfront auditing < trusted monitoring", apart(t0, up), "15% < 62%", _fmt(up, t0)),
        holds("trusted < untrusted monitoring with honeypots and paraphrasing", apart(um, t0),
              "62% < 79%", _fmt(t0, um)),
        holds("trusted editing 20% safer than defer 10%", apart(edit, t10), "92% > 83%",
              _fmt(edit, t10)),
        holds("trusted editing 20% more useful than defer 20%", use[1] - use[0] > 3 * use_se,
              "94% > 83%", f"{use[1]:.4f} vs {use[0]:.4f}"),
    ]  # fmt: skip


def _abm(seed: int, slots: int = 1_000, steps: int = 60) -> Check:
    """The deployment component (scenario ai_control_protocols-v1, untrusted monitoring, signal
    mode): 30 honeypots raise the measured safety of the slots against the colluding lineage,
    which chooses its threshold itself (caught at validation, or forced to let attacks
    through). Slots are independent given the validation's outcome: binomial SE."""
    from sim.run import run
    from sim.scenario import load

    def measured(honeypots: int) -> tuple[float, float]:
        cfg = load("ai_control_protocols-v1", {
            "electorate.n_voters": 200, "ai_agents.count": slots,
            "ai_agents.protocol": "untrusted_monitoring", "ai_agents.collusion_mode": "signal",
            "ai_agents.honeypots": honeypots})  # fmt: skip
        s = float(run(cfg, seed, steps).series["safety"].iloc[-1])
        return s, math.sqrt(max(s * (1 - s), 1.0 / slots) / slots)

    none, h30 = measured(0), measured(30)
    return holds(f"simulator, {slots} slots: honeypots raise safety (30 vs 0)",
                 apart(h30, none), "H=30 > H=0", _fmt(h30, none))  # fmt: skip
