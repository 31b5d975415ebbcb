"""The robustness check of docs/findings.md (issue 15): the design that is best in the central
world against the most robust one, both run on a fresh ensemble of the robust spec's worlds
and in its central world (sim/design/compare.py).

    .venv/bin/python scripts/design_robust_vs_central.py CENTRAL_STORE ROBUST_STORE OUT [--no-gap]

CENTRAL_STORE: `instalign design scenarios/designs/oversight_central.yaml --out ...`;
ROBUST_STORE: the same for oversight_robust.yaml. `--no-gap` is the ablation: the same two
designs with `ai_agents.gap_sensitivity: 0` (a trusted monitor that never falls behind capable
agents), from a copy of the robust spec written into OUT. Prints one row per design.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml

from sim.design.compare import best, cross_evaluate

SPEC = Path("scenarios/designs/oversight_robust.yaml")
SHOWN = ["design", "re percentile:safety", "re percentile:safety lo", "re percentile:safety hi",
         "central safety", "re percentile:usefulness", "central usefulness"]  # fmt: skip


def main(central: str, robust: str, out: str, ablate: bool = False) -> pd.DataFrame:
    picks = {
        "central_best": best(central, "mean:safety")[1],
        "robust_best": best(robust, "percentile:safety")[1],
    }
    spec = SPEC
    if ablate:
        doc = yaml.safe_load(SPEC.read_text())
        doc["set"].setdefault("ai_agents", {})["gap_sensitivity"] = 0.0
        Path(out).mkdir(parents=True, exist_ok=True)
        spec = Path(out) / "oversight_robust_no_gap.yaml"
        spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    table = cross_evaluate(spec, picks, out, worlds=24, replications=4)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[SHOWN].to_string(index=False))
        for name, levers in picks.items():
            print(f"{name}: {levers}")
    return table


if __name__ == "__main__":
    main(*sys.argv[1:4], ablate="--no-gap" in sys.argv[4:])
