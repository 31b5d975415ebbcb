"""The pure statistics of analysis/: confidence intervals (coverage at the nominal rate),
paired comparisons, Sobol and Morris via SALib (Ishigami's known indices), PRIM (a planted
box), Pareto fronts and Kaplan-Meier (a hand-computed example)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami
from scipy import stats as st

from analysis import frontiers, prim, sensitivity, stats, survival


def coverage(method: str, n: int, reps: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for i in range(reps):
        x = rng.normal(2.0, 3.0, size=n)
        _, lo, hi, _ = stats.mean_ci(x, 0.95, method, seed=i)
        hits += lo <= 2.0 <= hi
    return hits / reps


@pytest.mark.parametrize(("method", "n", "reps"), [("t", 8, 4000), ("bootstrap", 40, 400)])
def test_ci_covers_the_mean_at_the_nominal_rate(method, n, reps):
    cov = coverage(method, n, reps, seed=11)
    se = np.sqrt(0.95 * 0.05 / reps)
    # the percentile bootstrap undercovers slightly at small n (~1 point at n=40)
    bias = 0.01 if method == "bootstrap" else 0.0
    assert abs(cov - (0.95 - bias)) < 3 * se + bias, cov


def test_t_interval_matches_the_textbook_formula():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    mean, lo, hi, n = stats.mean_ci(x)
    half = st.t.ppf(0.975, 3) * x.std(ddof=1) / 2
    assert (mean, n) == (3.5, 4)
    assert lo == pytest.approx(3.5 - half) and hi == pytest.approx(3.5 + half)
    assert np.isnan(stats.mean_ci([5.0, np.nan])[1])  # one finite value: no interval


def test_aggregate_is_mean_ci_per_group_and_step():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "g": np.repeat(["a", "b"], 30),
            "step": np.tile(np.arange(3), 20),
            "welfare": rng.normal(size=60),
            "approval": rng.uniform(size=60),
        }
    )
    out = stats.aggregate(frame, ["welfare", "approval"], by=["g", "step"])
    assert len(out) == 2 * 3 * 2 and set(out["method"]) == {"t"}
    row = out[(out.g == "b") & (out.step == 2) & (out.metric == "approval")].iloc[0]
    x = frame[(frame.g == "b") & (frame.step == 2)]["approval"]
    mean, lo, hi, n = stats.mean_ci(x)
    assert (row["n"], row["mean"], row["lo"], row["hi"]) == pytest.approx((n, mean, lo, hi))
    boot = stats.aggregate(frame, ["welfare"], by=["g"], method="bootstrap")
    assert set(boot["method"]) == {"bootstrap"} and (boot["lo"] < boot["mean"]).all()


def crn_frame(effect: float, reps: int, seed: int) -> pd.DataFrame:
    """Two interventions on common random numbers: a large shared noise per seed, a small
    private one, and a planted effect."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0, 2.0, size=reps)
    rows = []
    for arm, d in (("none", 0.0), ("audit", effect)):
        y = shared + d + rng.normal(0, 0.1, size=reps)
        rows += [{"intervention": arm, "seed": s, "welfare": v} for s, v in enumerate(y)]
    return pd.DataFrame(rows)


def test_paired_difference_recovers_a_small_effect_the_unpaired_ci_misses():
    frame = crn_frame(0.2, reps=30, seed=5)
    out = stats.paired_differences(frame, "welfare", "intervention", "none", ["seed"])
    row = out.iloc[0]
    wide = frame.pivot(index="seed", columns="intervention", values="welfare")
    assert row["diff"] == pytest.approx((wide["audit"] - wide["none"]).mean())
    assert row["n_pairs"] == 30 and row["lo"] > 0  # the effect is visible
    assert row["lo"] < 0.2 < row["hi"]
    assert row["unpaired_lo"] < 0 < row["unpaired_hi"]  # without pairing it is not


def test_paired_ci_covers_at_the_nominal_rate():
    reps, hits = 400, 0
    for i in range(reps):
        frame = crn_frame(0.2, reps=10, seed=1000 + i)
        row = stats.paired_differences(frame, "welfare", "intervention", "none", ["seed"]).iloc[0]
        hits += row["lo"] <= 0.2 <= row["hi"]
    assert abs(hits / reps - 0.95) < 3 * np.sqrt(0.95 * 0.05 / reps)


def test_welch_matches_scipy():
    rng = np.random.default_rng(2)
    a, b = rng.normal(1, 1, 12), rng.normal(0, 3, 20)
    ref = st.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert stats.welch_ci(a, b) == pytest.approx((ref.low, ref.high))


# ---- sensitivity ------------------------------------------------------------------------

ISHIGAMI = {
    "num_vars": 3,
    "names": ["x1", "x2", "x3"],
    "bounds": [[-np.pi, np.pi]] * 3,
}
# analytic indices for a=7, b=0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, sec. 4.8)
S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])


def test_sobol_indices_of_ishigami_match_the_known_values():
    x = sobol_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=1)
    res = sensitivity.sobol(ISHIGAMI, Ishigami.evaluate(x), second_order=False)
    t = res.table
    assert np.abs(t["S1"] - S1_TRUE).max() < 0.05
    assert np.abs(t["ST"] - ST_TRUE).max() < 0.05
    assert (t["S1_lo"] < t["S1"]).all() and (t["ST_hi"] > t["ST"]).all()
    assert (res.blocks_used, res.blocks_dropped) == (1024, 0)


def test_sobol_drops_only_the_blocks_with_holes():
    x = sobol_sample.sample(ISHIGAMI, 1024, calc_second_order=True, seed=2)
    y = Ishigami.evaluate(x)
    y[[3, 8 * 10 + 1]] = np.nan  # two failed design points in two different blocks of 8
    res = sensitivity.sobol(ISHIGAMI, y, second_order=True)
    assert (res.blocks_used, res.blocks_dropped) == (1022, 2)
    assert np.abs(res.table["ST"] - ST_TRUE).max() < 0.05
    with pytest.raises(ValueError, match="whole number of blocks"):
        sensitivity.sobol(ISHIGAMI, y[:-1], second_order=True)


def test_morris_mu_star_of_a_linear_function_is_exact():
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 2], [0, 1], [-1, 1]]}
    x = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    y = 3 * x[:, 0] + 0 * x[:, 1] - 0.5 * x[:, 2]
    t = sensitivity.morris(problem, x, y, num_levels=4).table.set_index("parameter")
    # elementary effect = coefficient x range (SALib measures steps on the unit cube)
    assert t.loc["a", "mu_star"] == pytest.approx(6.0)
    assert t.loc["b", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc["c", "mu_star"] == pytest.approx(1.0)
    assert t["sigma"].max() == pytest.approx(0.0, abs=1e-9)


def test_point_means_average_replications_and_mark_holes():
    runs = pd.DataFrame({"point": [0, 0, 1, 2, 2], "y": [1.0, 3.0, np.nan, 5.0, 7.0]})
    out = sensitivity.point_means(runs, runs["y"], "point", 4)
    np.testing.assert_array_equal(out, [2.0, np.nan, 6.0, np.nan])


# ---- PRIM -------------------------------------------------------------------------------


def planted(n: int, flip: float, seed: int):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, 4)), columns=["audit_budget", "drift_rate", "c", "d"])
    y = ((x.audit_budget < 0.3) & (x.drift_rate > 0.6)).to_numpy()
    return x, y ^ (rng.uniform(size=n) < flip)


def test_prim_recovers_a_planted_box_without_noise():
    x, y = planted(2000, 0.0, seed=1)
    res = prim.peel(x, y)
    box = res.boxes[res.select()]
    # peeling moves in 5% slices, so it stops within one slice of the true edges
    assert box.coverage >= 0.95 and box.density >= 0.95
    limits = res.limits(box)
    assert set(limits) == {"audit_budget", "drift_rate"}
    assert limits["audit_budget"] == (None, pytest.approx(0.3, abs=0.015))
    assert limits["drift_rate"] == (pytest.approx(0.6, abs=0.015), None)
    assert res.rule(box).startswith("audit_budget <= 0.")


def test_prim_with_noise_finds_the_box_within_tolerance():
    x, y = planted(2000, 0.05, seed=4)
    res = prim.peel(x, y)
    traj = res.trajectory()
    assert traj["coverage"].iloc[0] == 1.0 and traj["density"].iloc[0] == pytest.approx(y.mean())
    assert traj["mass"].is_monotonic_decreasing and traj["mass"].iloc[-1] >= 0.05
    limits = res.limits(res.boxes[res.select()])
    assert set(limits) == {"audit_budget", "drift_rate"}
    assert limits["audit_budget"] == (None, pytest.approx(0.3, abs=0.03))
    assert limits["drift_rate"] == (pytest.approx(0.6, abs=0.03), None)
    dense = res.boxes[res.select(min_density=0.9)]
    assert dense.density >= 0.9


def test_prim_refuses_an_outcome_that_never_happens():
    x, y = planted(100, 0.0, seed=1)
    with pytest.raises(ValueError, match="nothing to find"):
        prim.peel(x, np.zeros_like(y))


# ---- frontiers and survival -------------------------------------------------------------


def test_pareto_mask_on_a_known_set():
    pts = np.array([[1, 5], [2, 4], [3, 3], [2, 2], [0, 6], [3, 3], [np.nan, 9]])
    np.testing.assert_array_equal(frontiers.pareto_mask(pts, [True, True]), [1, 1, 1, 0, 1, 1, 0])
    # minimise the second objective (a cost): (2, 2) now beats (2, 4) and (1, 5)
    np.testing.assert_array_equal(frontiers.pareto_mask(pts[:4], [True, False]), [0, 0, 1, 1])


def test_kaplan_meier_matches_a_hand_computed_example():
    km = survival.kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    expected = [1.0, 5 / 6, 4 / 6, 4 / 9, 4 / 9, 0.0]
    np.testing.assert_allclose(km["survival"], expected)
    assert km["at_risk"].tolist() == [6, 6, 5, 3, 2, 1]
    s, var = 4 / 6, 1 / (6 * 5) + 1 / (5 * 4)  # Greenwood at t = 2
    z, ll = st.norm.ppf(0.975), np.log(-np.log(s))
    half = z * np.sqrt(var) / abs(np.log(s))
    row = km[km.time == 2].iloc[0]
    assert row["lo"] == pytest.approx(np.exp(-np.exp(ll + half)))
    assert row["hi"] == pytest.approx(np.exp(-np.exp(ll - half)))


def test_kaplan_meier_tracks_a_censored_exponential():
    rng = np.random.default_rng(9)
    t, c = rng.exponential(10, 800), rng.uniform(0, 30, 800)
    km = survival.kaplan_meier(np.minimum(t, c), t <= c)
    row = km[km.time <= 10].iloc[-1]
    truth = np.exp(-row["time"] / 10)
    se = (row["hi"] - row["lo"]) / (2 * 1.96)
    assert abs(row["survival"] - truth) < 3 * se


def test_first_event_censors_runs_without_a_catch():
    series = pd.DataFrame(
        {
            "run_id": [0] * 4 + [1] * 4,
            "step": [0, 1, 2, 3] * 2,
            "catches_layer_1": [5, 0, 1, 2, 0, 0, 0, 0],
        }
    )
    out = survival.first_event(series, "catches_layer_1")
    assert out["duration"].tolist() == [2.0, 3.0] and out["observed"].tolist() == [True, False]
