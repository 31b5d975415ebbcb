"""The Goodhart pattern of low_information_electorate-v1 (Gao et al. 2022 in an electorate):
as optimization pressure n rises, approval keeps rising while welfare peaks and falls; with
well-informed voters welfare does not fall. Seeds are paired across n (common random
numbers); tolerances are 3 standard errors of the paired differences over seeds."""

from __future__ import annotations

import numpy as np

from sim.run import run
from sim.scenario import load

NS = (1, 16, 1024)  # no pressure, near the welfare peak, far past it
SEEDS = tuple(range(4))


def sweep(information: float) -> dict[str, np.ndarray]:
    """Time-mean welfare and approval, shape (len(NS), len(SEEDS))."""
    out = {"welfare": np.empty((len(NS), len(SEEDS))), "approval": np.empty((len(NS), len(SEEDS)))}
    for i, n in enumerate(NS):
        over = {
            "electorate.information": information,
            "electorate.n_voters": 2000,
            "politicians.optimization_pressure": n,
        }
        cfg = load("low_information_electorate-v1", over)
        for j, seed in enumerate(SEEDS):
            summary = run(cfg, seed=seed, steps=30).summary()
            for key in out:
                out[key][i, j] = summary[key]["mean"]
    return out


def paired(x: np.ndarray, i: int, j: int) -> tuple[float, float]:
    """Mean and standard error over seeds of x[i] - x[j]."""
    diff = x[i] - x[j]
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(diff.size))


def test_goodhart_pattern_and_its_ablation():
    """Low information: approval rises with pressure while welfare rises, peaks and falls
    (the overoptimization curve emerging from whole-model runs; anchor A3 pins its shape on
    the politicians' own step). The ablation: well-informed voters (the proxy coupled to
    welfare) and welfare no longer falls."""
    low, informed = sweep(0.15), sweep(0.9)
    for i in (1, 2):
        rise, se = paired(low["approval"], i, i - 1)
        assert rise > 3 * se, f"approval did not rise from n={NS[i - 1]} to n={NS[i]}"
    gain, se = paired(low["welfare"], 1, 0)
    assert gain > 3 * se, f"no welfare gain from n=1 to n=16: {gain:.4f} +- {se:.4f}"
    fall, se = paired(low["welfare"], 1, 2)
    assert fall > 3 * se, f"no welfare fall from n=16 to n=1024: {fall:.4f} +- {se:.4f}"
    diff, se = paired(informed["welfare"], 2, 1)
    assert diff > -3 * se, f"informed welfare fell from n=16 to n=1024: {diff:.4f} +- {se:.4f}"
    gain, se = paired(informed["welfare"], 2, 0)
    assert gain > 3 * se, f"informed welfare did not rise with pressure: {gain:.4f} +- {se:.4f}"
