"""Re-measure the scenario numbers quoted in docs/model.md against the current code.

Run: .venv/bin/python scripts/doc_measurements.py [drift audits patrol protocols iterative]
(all parts by default; about a minute on 2 cores). Each part prints the numbers of one
passage of docs/model.md. Anchor numbers come from `instalign validate`; the Goodhart table
from scripts/goodhart_table.py.
"""

import sys

import numpy as np
import pandas as pd

from sim.mechanisms import scheming
from sim.mechanisms.scheming import attacking
from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import load


def se(x) -> float:
    x = np.asarray(x, float)
    return float(x.std(ddof=1) / np.sqrt(len(x)))


def runs(scenario: str, overrides: dict, seeds) -> list:
    cfg = load(scenario, overrides)
    return [run(cfg, seed=s).series for s in seeds]


def at_steps(series: list, metric: str, steps=(0, 50, 200)) -> str:
    cells = []
    for st in steps:
        v = [r[metric].iloc[st] for r in series]
        cells.append(f"step {st}: {np.mean(v):.3f} ({se(v):.3f})")
    return f"  {metric:16s} " + "; ".join(cells)


def drift() -> None:
    """Scenarios of the bureaucracy part: mean (SE) over seeds 0-9."""
    ledger = ["drift_by_level", "drift_level_1", "drift_level_2", "drift_level_3"]
    cases = [
        ("bureaucratic_drift-v1", {}, ["mean_discretion", *ledger]),
        ("bureaucratic_drift-v1", {"bureaucracy.drift_rate": 0.0}, ledger),
        ("regulatory_capture-v1", {}, ["capture_index", "capture_pull"]),
        ("regulatory_capture-v1", {"bureaucracy.capture_rate": 0.0}, ["capture_pull"]),
    ]
    for scenario, ov, metrics in cases:
        print(f"## {scenario} {ov}, seeds 0-9")
        rs = runs(scenario, ov, range(10))
        for m in [*metrics, "policy_drift", "welfare"]:
            print(at_steps(rs, m))


def final(series: list, metric: str) -> float:
    return float(np.nanmean([r[metric].iloc[-1] for r in series]))


def time_mean(series: list, metric: str) -> float:
    """Mean over seeds of each run's mean over steps 1..n."""
    return float(np.nanmean([r[metric].iloc[1:].mean() for r in series]))


def audited(scenario: str, p: float, sanction: str, seed: int, steps=200, last=50) -> dict:
    """Emulated oversight (as run_with_audits in tests/test_bureaucracy.py): each harmful
    action is caught with probability p; means over the last `last` steps."""
    cfg = load(scenario, {"bureaucracy.sanction": sanction})
    model, audit = InstitutionModel(cfg, seed), np.random.default_rng(1000 + seed)
    comp, rows = model.component("bureaucracy"), []
    for t in range(steps):
        model.step()
        comp.batch.caught = comp.batch.harmful & (audit.random(len(comp.batch)) < p)
        if t >= steps - last:
            rows.append(comp.report())
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def audits() -> None:
    print("## emulated audits: means over the last 50 of 200 steps, mean (SE) over seeds 0-4")
    cases = [
        ("bureaucratic_drift-v1", p, s)
        for p, s in ((0, "reset"), (0.1, "reset"), (0.3, "fine"), (0.6, "fine"))
    ]
    cases += [
        ("regulatory_capture-v1", p, s) for p, s in ((0, "reset"), (0.3, "reset"), (0.1, "remove"))
    ]
    for scenario, p, sanction in cases:
        rs = [audited(scenario, p, sanction, seed) for seed in range(5)]
        cells = [
            f"{k} {np.mean([r[k] for r in rs]):.3f} ({se([r[k] for r in rs]):.3f})"
            for k in ("mean_discretion", "policy_drift", "capture_index")
        ]
        print(f"{scenario} p={p} {sanction}: " + ", ".join(cells))


PATROL = {
    "no oversight": [],
    "patrol 5%": [{"kind": "police_patrol", "audit_budget": 0.05, "accuracy": 0.9}],
    "alarm (voters)": [{"kind": "fire_alarm", "complainants": ["voter"]}],
    "alarm (voters + group)": [{"kind": "fire_alarm", "complainants": ["voter", "interest_group"]}],
    "patrol + alarm": None,  # the scenario's own layers
}


def patrol() -> None:
    print(
        "## patrol_vs_alarm-v1, 2,000 voters, seeds 0-4 (detection, false pos., time to"
        " detection: final; cost, drift, welfare: mean over steps 1-200)"
    )
    for q in (0.2, 0.8):
        for name, layers in PATROL.items():
            ov = {"electorate.n_voters": 2000, "electorate.information": q}
            if layers is not None:
                ov["oversight.layers"] = layers
            rs = runs("patrol_vs_alarm-v1", ov, range(5))
            cells = ["-"] * 4
            if layers != []:
                cells = [
                    f"{final(rs, 'detection_rate'):.3f}",
                    f"{final(rs, 'false_positive_rate'):.3f}",
                    f"{time_mean(rs, 'oversight_cost'):.1f}",
                    f"{final(rs, 'time_to_detection'):.1f}",
                ]
            cells += [f"{time_mean(rs, 'policy_drift'):.3f}", f"{time_mean(rs, 'welfare'):.3f}"]
            print(f"| {name} | {q} | " + " | ".join(cells) + " |")


PROTOCOLS = [
    ("none", "", "", {"ai_agents.protocol": "none"}),
    ("upfront auditing (2%)", "", "", {"ai_agents.protocol": "upfront_auditing"}),
    *[
        (
            "trusted monitoring",
            str(d),
            "",
            {"ai_agents.protocol": "trusted_monitoring", "ai_agents.defer_threshold": d},
        )
        for d in (0, 0.1, 0.2, 0.5)
    ],
    *[
        (
            "untrusted monitoring",
            "0",
            str(c),
            {
                "ai_agents.protocol": "untrusted_monitoring",
                "ai_agents.collusion": c,
                "ai_agents.defer_threshold": 0.0,
            },
        )
        for c in (0, 0.5, 1)
    ],
]


def protocols() -> None:
    print(
        "## ai_control_protocols-v1, seeds 0-4: safety (final) mean ± SE, catastrophes"
        " (final) mean; usefulness: mean over steps of an aligned run, mean over seeds 0-4"
    )
    for name, defer, collusion, ov in PROTOCOLS:
        rs = runs("ai_control_protocols-v1", ov, range(5))
        honest = runs("ai_control_protocols-v1", {**ov, "ai_agents.alignment": "aligned"}, range(5))
        safety = [r["safety"].iloc[-1] for r in rs]
        use = time_mean(honest, "usefulness")
        cat = np.mean([r["catastrophes"].iloc[-1] for r in rs])
        print(
            f"| {name} | {defer} | {collusion} | {np.mean(safety):.3f} ± {se(safety):.3f} "
            f"| {use:.3f} | {cat:.0f} |"
        )


def attack_steps(scenario: str, seed: int) -> tuple[pd.DataFrame, list[int]]:
    """Run and record the steps at which some schemer decided to attack. A harmful scheming
    action is not proof of an attack: a non-attacking schemer's action is catastrophic at the
    safe policy's base rate, so the decision itself is recorded (scheming.attacking is pure)."""
    decisions = []

    def spy(kind, autonomy, belief, tolerance):
        out = attacking(kind, autonomy, belief, tolerance)
        decisions.append(bool(out.any()))
        return out

    scheming.attacking = spy
    try:
        series = run(load(scenario), seed=seed).series
    finally:
        scheming.attacking = attacking
    return series, [t + 1 for t, d in enumerate(decisions) if d]


def iterative() -> None:
    print("## iterative_deployment-v1, seeds 0-4")
    for seed in range(5):
        r, attacks = attack_steps("iterative_deployment-v1", seed)
        early = r[(r.step >= 1) & (r.step <= 60)]
        first = attacks[0] if attacks else None
        aut = float(r.loc[r.step == first, "autonomy_scheming"].iloc[0]) if first else np.nan
        print(
            f"seed {seed}: steps 1-60 harmful share stochastic "
            f"{early.harmful_share_stochastic.mean():.4f}, scheming "
            f"{early.harmful_share_scheming.mean():.4f}; autonomy stochastic "
            f"{early.autonomy_stochastic.mean():.3f}, scheming "
            f"{early.autonomy_scheming.mean():.3f}; first attack decision at step {first} "
            f"(schemers' autonomy {aut:.1f}); step 200: catastrophes "
            f"{r.catastrophes.iloc[-1]:.0f}, safety {r.safety.iloc[-1]:.3f}"
        )


if __name__ == "__main__":
    for part in sys.argv[1:] or ["drift", "audits", "patrol", "protocols", "iterative"]:
        globals()[part]()
