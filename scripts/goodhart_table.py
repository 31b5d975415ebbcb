"""The Goodhart table of issue 2: low_information_electorate-v1 (q = 0.15) against a
well-informed variant (q = 0.9), optimization pressure n = 1 ... 1024, 10 seeds each.

Welfare and approval are time means over steps 1..200 of each run; SEs are across seeds, and
for welfare also paired against the best n on the same seeds (common random numbers).
Run: .venv/bin/python scripts/goodhart_table.py   (about 2 minutes on 2 cores)
"""

import numpy as np

from sim.run import run
from sim.scenario import load

NS, SEEDS = (1, 4, 16, 64, 256, 1024), range(1, 11)


def measure(q: float) -> dict[str, np.ndarray]:
    out = {"approval": np.empty((len(NS), len(SEEDS))), "welfare": np.empty((len(NS), len(SEEDS)))}
    for i, n in enumerate(NS):
        cfg = load(
            "low_information_electorate-v1",
            {"electorate.information": q, "politicians.optimization_pressure": n},
        )
        for j, seed in enumerate(SEEDS):
            summary = run(cfg, seed=seed).summary()
            out["approval"][i, j] = summary["approval"]["mean"]
            out["welfare"][i, j] = summary["welfare"]["mean"]
    return out


def se(x: np.ndarray) -> np.ndarray:
    return x.std(axis=-1, ddof=1) / np.sqrt(x.shape[-1])


def main() -> None:
    for q in (0.15, 0.9):
        m = measure(q)
        best = int(np.argmax(m["welfare"].mean(axis=1)))
        paired = m["welfare"] - m["welfare"][best]
        print(f"\ninformation q = {q}  (best n for welfare: {NS[best]})")
        print("| n | approval | welfare | welfare - best n (paired) |")
        print("|---|---|---|---|")
        for i, n in enumerate(NS):
            a, w = m["approval"][i], m["welfare"][i]
            print(
                f"| {n} | {a.mean():.3f} ± {se(a):.3f} | {w.mean():.3f} ± {se(w):.3f} "
                f"| {paired[i].mean():+.3f} ± {se(paired[i]):.3f} |"
            )


if __name__ == "__main__":
    main()
