"""The Goodhart pattern of low_information_electorate-v1 (Gao et al. 2022 in an electorate):
as optimization pressure n rises, approval keeps rising while welfare peaks and falls; with
well-informed voters welfare does not fall. Seeds are paired across n (common random
numbers); tolerances are 3 standard errors of the paired differences over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.run import run
from sim.scenario import load

NS = (1, 4, 16, 64, 256, 1024)
SEEDS = tuple(range(8))


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


@pytest.fixture(scope="module")
def low():
    return sweep(0.15)


@pytest.fixture(scope="module")
def informed():
    return sweep(0.9)


def test_approval_keeps_rising(low):
    for i in range(1, len(NS)):
        rise, se = paired(low["approval"], i, i - 1)
        assert rise > 0, f"approval fell from n={NS[i - 1]} to n={NS[i]}"
    rise, se = paired(low["approval"], -1, 0)
    assert rise > 3 * se


def test_welfare_peaks_then_falls(low):
    mean = low["welfare"].mean(axis=1)
    peak = int(np.argmax(mean))
    assert 0 < peak < len(NS) - 1, f"welfare peaks at the edge n={NS[peak]}: {mean}"
    gain, se = paired(low["welfare"], peak, 0)
    assert gain > 3 * se, f"no rise before the peak: {gain:.4f} +- {se:.4f}"
    fall, se = paired(low["welfare"], peak, -1)
    assert fall > 3 * se, f"no fall after the peak: {fall:.4f} +- {se:.4f}"


def test_with_informed_voters_welfare_does_not_fall(informed):
    mean = informed["welfare"].mean(axis=1)
    for i in range(len(NS) - 1):
        diff, se = paired(informed["welfare"], -1, i)
        assert diff > -3 * se, f"welfare at n=1024 below n={NS[i]}: {diff:.4f} +- {se:.4f}"
    assert mean[-1] > mean[0]
    rise, se = paired(informed["approval"], -1, 0)
    assert rise > 3 * se
