"""Figure data functions checked by value on small synthetic stores with planted answers, the
registry's choice of figures, and the draw functions (units in axis titles from METRICS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from analysis import theme
from analysis.data import Frames, frames
from analysis.figures import FIGURES, Unavailable, supported
from sim.components import METRICS
from sim.errors import ConfigError

INFO = "electorate.information"
EFFECT = 0.3  # planted effect of the "audit" intervention on welfare


def grid_frames(reps: int = 12, steps: int = 10, crn: bool = True, seed: int = 0) -> Frames:
    """Interventions none/audit x information 0.2/0.8 x reps, common random numbers: both
    interventions of a (point, replication) share a seed and its noise."""
    rng = np.random.default_rng(seed)
    design, summary, series = [], [], []
    for p, info in enumerate((0.2, 0.8)):
        for r in range(reps):
            shared = rng.normal()
            for i, arm in enumerate(("none", "audit")):
                rid = len(design)
                s = 1000 + p * reps + r if crn else 5000 + rid
                design.append(
                    dict(
                        run_id=rid,
                        scenario="s-v1",
                        intervention=arm,
                        point=p,
                        replication=r,
                        seed=s,
                        **{INFO: info},
                    )
                )
                w = -1 + 0.5 * info + EFFECT * i + shared + rng.normal(0, 0.05)
                a = 0.5 + 0.2 * info - 0.1 * i + 0.1 * shared
                summary.append(dict(run_id=rid, welfare=w, approval=a, goodhart_gap=np.nan))
                t = np.arange(steps + 1)
                series.append(
                    pd.DataFrame(
                        {"run_id": rid, "step": t, "welfare": w + 0.1 * t, "approval": a + 0 * t}
                    )
                )
    return Frames(
        pd.DataFrame(design),
        pd.DataFrame(summary),
        pd.concat(series),
        manifest={"sweep": "synthetic", "master_seed": 1},
        kind="grid",
        params=[INFO],
    )


def test_metrics_over_time_mean_and_ci_per_design_point():
    f = grid_frames()
    df = FIGURES["metrics_over_time"].data(f)
    assert df.attrs["keys"] == ["intervention", INFO] and "goodhart_gap" not in df.attrs["metrics"]
    at = (df.intervention == "audit") & (df[INFO] == 0.2) & (df.step == 4)
    row = df[at & (df.metric == "welfare")].iloc[0]
    runs = f.runs()
    x = runs[(runs.intervention == "audit") & (runs[INFO] == 0.2)]["welfare"] + 0.4
    assert row["n"] == 12 and row["mean"] == pytest.approx(x.mean())
    truth = -1 + 0.5 * 0.2 + EFFECT + 0.4  # the planted mean of this design point
    assert row["lo"] < truth < row["hi"]


def test_final_metrics_recover_the_planted_means_of_each_design_point():
    df = FIGURES["final_metrics"].data(grid_frames(reps=40))
    assert df.attrs["by"] == "intervention" and df.attrs["others"] == [INFO]
    for info in (0.2, 0.8):
        w = df[(df.metric == "welfare") & (df[INFO] == info)].set_index("intervention")
        assert w.loc["audit", "mean"] - w.loc["none", "mean"] == pytest.approx(EFFECT, abs=0.05)
        a = df[(df.metric == "approval") & (df[INFO] == info)].set_index("intervention")
        assert a.loc["audit", "lo"] < 0.5 + 0.2 * info - 0.1 < a.loc["audit", "hi"]


def test_paired_effects_see_the_effect_through_common_random_numbers():
    df = FIGURES["paired_effects"].data(grid_frames())
    row = df[(df.metric == "welfare") & (df[INFO] == 0.2)].iloc[0]
    assert (row["level"], row["control"], row["n_pairs"]) == ("audit", "none", 12)
    assert row["lo"] < EFFECT < row["hi"] and row["lo"] > 0
    assert row["hi"] - row["lo"] < 0.2 * (row["unpaired_hi"] - row["unpaired_lo"])
    with pytest.raises(Unavailable, match="common random numbers"):
        FIGURES["paired_effects"].data(grid_frames(crn=False))


def salib_frames(kind: str, x: np.ndarray, y: np.ndarray, problem: dict, reps: int) -> Frames:
    n = len(x)
    point = np.repeat(np.arange(n), reps)
    design = pd.DataFrame(
        {
            "run_id": np.arange(n * reps),
            "scenario": "s-v1",
            "intervention": "none",
            "point": point,
            "replication": np.tile(np.arange(reps), n),
            "seed": 7,
        }
    )
    for j, name in enumerate(problem["names"]):
        design[name] = x[point, j]
    summary = pd.DataFrame({"run_id": design["run_id"], "welfare": y[point]})
    return Frames(
        design,
        summary,
        None,
        kind=kind,
        problem={**problem, "num_levels": 4},
        params=list(problem["names"]),
        sample=pd.DataFrame(x, columns=problem["names"]).assign(point=np.arange(n)),
    )


ISHIGAMI = {"num_vars": 3, "names": ["p.x1", "p.x2", "p.x3"], "bounds": [[-np.pi, np.pi]] * 3}


def test_sobol_figure_data_gives_ishigami_indices_and_drops_a_failed_block():
    x = sobol_sample.sample(ISHIGAMI, 2048, calc_second_order=False, seed=5)
    f = salib_frames("sobol", x, Ishigami.evaluate(x), ISHIGAMI, reps=2)
    f.summary = f.summary[~f.design["point"].isin([12])]  # both runs of point 12 failed
    df = FIGURES["sobol_indices"].data(f)
    got = df.pivot(index="parameter", columns="index", values="value").loc[ISHIGAMI["names"]]
    np.testing.assert_allclose(got["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(got["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)
    assert df.attrs["dropped"] == {theme.label("welfare"): 1}


def test_morris_figure_data_on_a_linear_function():
    problem = {"num_vars": 2, "names": ["p.a", "p.b"], "bounds": [[0, 1], [0, 4]]}
    x = morris_sample.sample(problem, 10, num_levels=4, seed=1)
    f = salib_frames("morris", x, 2 * x[:, 0] + 0.5 * x[:, 1], problem, reps=1)
    df = FIGURES["morris_screening"].data(f).set_index("parameter")
    assert df.loc["p.a", "mu_star"] == pytest.approx(2.0)
    assert df.loc["p.b", "mu_star"] == pytest.approx(2.0)  # 0.5 x range 4


def lhs_frames(n: int = 600, seed: int = 2) -> Frames:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 3))
    design = pd.DataFrame(
        {
            "run_id": np.arange(n),
            "seed": np.arange(n),
            "o.audit_budget": x[:, 0],
            "b.drift_rate": x[:, 1],
            "o.c": x[:, 2],
        }
    )
    cat = ((x[:, 0] < 0.3) & (x[:, 1] > 0.6)).astype(float)
    summary = pd.DataFrame(
        {"run_id": design["run_id"], "catastrophes": cat, "welfare": -cat + rng.normal(0, 0.1, n)}
    )
    return Frames(design, summary, kind="lhs", params=["o.audit_budget", "b.drift_rate", "o.c"])


def test_scenario_discovery_finds_the_planted_box_and_prints_it_as_a_rule():
    mod = FIGURES["scenario_discovery"]
    df = mod.data(lhs_frames())
    assert df.attrs["outcome"] == "catastrophes > 0"  # the first default outcome
    rule = df.attrs["rule"]
    assert rule.startswith("audit_budget <= 0.") and " and drift_rate >= 0." in rule
    hi = float(rule.split(" and ")[0].split("<= ")[1])
    lo = float(rule.split(">= ")[1])
    assert hi == pytest.approx(0.3, abs=0.03) and lo == pytest.approx(0.6, abs=0.03)
    sel = df.iloc[df.attrs["selected"]]
    assert sel["coverage"] > 0.9 and sel["density"] > 0.9
    other = mod.data(lhs_frames(), outcome_text="welfare < -0.5")
    assert other.attrs["cases"] == df.attrs["cases"]  # the same runs, read another way
    with pytest.raises(ConfigError, match="bad outcome"):
        mod.data(lhs_frames(), outcome_text="welfare is low")
    with pytest.raises(Unavailable, match="time series"):
        mod.data(lhs_frames(), outcome_text="welfare < baseline")


def designs(rows: list[tuple]) -> Frames:
    """One run per design point with the given metric values."""
    cols = ["p.k", "approval", "welfare", "safety", "usefulness", "oversight_cost"]
    d = pd.DataFrame(rows, columns=cols).assign(run_id=range(len(rows)), seed=1)
    return Frames(
        d[["run_id", "seed", "p.k"]], d.drop(columns=["p.k", "seed"]), kind="grid", params=["p.k"]
    )


ROWS = [
    (0, 0.9, -1.0, 0.5, 0.9, 1.0),
    (1, 0.7, -0.2, 0.9, 0.6, 3.0),
    (2, 0.6, -0.5, 0.8, 0.5, 1.0),
    (3, 0.5, 0.1, 0.95, 0.2, 5.0),
]


def test_goodhart_and_oversight_fronts_on_known_designs():
    g = FIGURES["goodhart_frontier"].data(designs(ROWS)).set_index("p.k")
    assert g["on_front"].to_dict() == {0: True, 1: True, 2: False, 3: True}
    o = FIGURES["oversight_pareto"].data(designs(ROWS)).set_index("p.k")
    assert o["front_usefulness"].to_dict() == {0: True, 1: True, 2: False, 3: True}
    # cheaper is better: design 0 is beaten by design 2 (same cost, safer)
    assert o["front_oversight_cost"].to_dict() == {0: False, 1: True, 2: True, 3: True}


def test_detection_survival_per_layer_from_the_series():
    rows = []
    for rid in range(4):
        for t in range(6):
            rows.append(
                {
                    "run_id": rid,
                    "step": t,
                    "catches_layer_1": float(t >= 2 + rid % 2),
                    "catches_layer_2": 0.0,
                    "catches_layer_3": np.nan,
                }
            )
    ser = pd.DataFrame(rows)
    f = Frames(
        pd.DataFrame({"run_id": range(4), "seed": range(4)}),
        ser[ser.step == 5].drop(columns="step"),
        ser,
        kind="grid",
    )
    df = FIGURES["detection_survival"].data(f)
    assert df.attrs["layers"] == ["layer 1", "layer 2"]
    l1 = df[df.layer == "layer 1"].set_index("time")["survival"]
    assert l1.to_dict() == {0.0: 1.0, 2.0: 0.5, 3.0: 0.0}
    l2 = df[df.layer == "layer 2"]
    assert l2["survival"].tolist() == [1.0, 1.0] and l2["censored"].sum() == 4


def test_drift_ledger_adds_the_links_up_to_the_total():
    means = pd.DataFrame(
        {
            "run_id": range(3),
            "drift_level_1": [0.1, 0.2, 0.3],
            "drift_level_2": [0.05, 0.05, 0.05],
            "drift_level_3": np.nan,
        }
    )
    f = Frames(means[["run_id"]].assign(seed=1), means, time_means=means, kind="grid")
    df = FIGURES["drift_ledger"].data(f).set_index("link")
    assert df.loc["level 1", "loss"] == pytest.approx(0.2)
    assert df.loc["total", "loss"] == pytest.approx(0.25)
    assert list(df.index) == ["level 1", "level 2", "total"]
    assert df.attrs["unit"] == METRICS["drift_level_1"].unit


def test_welfare_vs_approval_and_the_explore_page_take_single_runs():
    from sim.run import run
    from sim.scenario import load

    cfg = load("baseline_democracy-v1", {"electorate.n_voters": 200, "steps": 12})
    runs = [run(cfg, seed=s) for s in (1, 2, 3)]
    f = frames(runs)
    df = FIGURES["metrics_over_time"].data(f, metrics=["welfare", "approval"])
    assert df.attrs["by"] is None and set(df["n"]) == {3}
    last = df[(df.step == 12) & (df.metric == "welfare")]["mean"].iloc[0]
    assert last == pytest.approx(np.mean([r.series["welfare"].iloc[-1] for r in runs]))
    every = 4  # elections every 4 steps: dotted lines at 4, 8, 12 in each panel
    often = load("baseline_democracy-v1", {"electorate.n_voters": 200, "steps": 12,
                                           "elections.interval": every})  # fmt: skip
    mot = FIGURES["metrics_over_time"]
    fig = mot.draw(mot.data(frames([run(often, seed=1)]), metrics=["welfare", "approval"]))
    marks = [s for s in fig.layout.shapes if s.type == "path"]  # elections: one path a panel
    assert [(m.xref, m.yref) for m in marks] == [("x", "y domain"), ("x2", "y2 domain")]
    assert marks[0].path == " ".join(f"M{s},0 V1" for s in range(every, 13, every))
    assert f"elections every {every}" in fig.layout.xaxis.title.text
    arms = frames({"hunter": runs, "sticker": runs[:2]})
    path = FIGURES["welfare_vs_approval"].data(arms)
    assert path.attrs["by"] == "arm" and set(path["arm"]) == {"hunter", "sticker"}
    assert FIGURES["welfare_vs_approval"].draw(path).layout.xaxis.title.text == (
        theme.label("approval")
    )


def test_registry_picks_the_figures_a_sweep_supports():
    ok, skipped = supported(grid_frames())
    assert {"metrics_over_time", "final_metrics", "paired_effects"} <= set(ok)
    lead = [n for n in ("response", "paired_effects") if n in ok]  # the headline first
    assert ok[: len(lead)] == lead
    assert "sobol_indices" not in ok and "sobol" in skipped["sobol_indices"]
    assert skipped["oversight_pareto"] == "metric not recorded: safety"
    ok, _ = supported(lhs_frames())
    assert "scenario_discovery" in ok and "metrics_over_time" not in ok


def test_a_metric_not_recorded_is_unavailable_not_an_error():
    with pytest.raises(Unavailable, match="metric not recorded: safety"):
        FIGURES["final_metrics"].data(grid_frames(), metrics=["safety"])


STANDARD = sorted(n for n, m in FIGURES.items() if m.NEEDS.standard)


def test_the_standard_set_is_complete():
    assert set(STANDARD) >= {
        "metrics_over_time",
        "final_metrics",
        "paired_effects",
        "sobol_indices",
        "morris_screening",
        "scenario_discovery",
        "goodhart_frontier",
        "oversight_pareto",
        "detection_survival",
        "drift_ledger",
        "welfare_vs_approval",
    }


def draw_sources() -> list[Frames]:
    """One small synthetic store of each kind, so every standard figure finds one it supports."""
    sources = [grid_frames(), lhs_frames(), designs(ROWS)]
    x = sobol_sample.sample(ISHIGAMI, 64, calc_second_order=False, seed=1)
    sources.append(salib_frames("sobol", x, Ishigami.evaluate(x), ISHIGAMI, 1))
    means = pd.DataFrame({"run_id": [0, 1], "drift_level_1": [0.1, 0.3]})
    sources.append(Frames(means.assign(seed=1)[["run_id", "seed"]], means, kind="grid"))
    problem = {"num_vars": 2, "names": ["p.a", "p.b"], "bounds": [[0, 1], [0, 1]]}
    xm = morris_sample.sample(problem, 4, seed=1)
    sources.append(salib_frames("morris", xm, xm.sum(axis=1), problem, 1))
    ser = pd.DataFrame(
        {"run_id": [0, 0, 1, 1], "step": [0, 1, 0, 1], "catches_layer_1": [0.0, 1.0, 0.0, 0.0]}
    )
    sources.append(
        Frames(
            pd.DataFrame({"run_id": [0, 1], "seed": [0, 1]}),
            ser[ser.step == 1].drop(columns="step"),
            ser,
        )
    )
    sources.append(tail_frames())
    return sources


def tail_frames() -> Frames:
    """A tail sweep's store (sim/sweep/tail.py): one tail probability per run, no metrics."""
    design = pd.DataFrame({"run_id": range(4), "intervention": "none", "x.p": [1, 1, 2, 2]})
    out = pd.DataFrame({"run_id": range(4), "tail_p": [1e-4, 2e-4, 1e-3, 3e-3],
                        "tail_ci_lo": [5e-5, 1e-4, 5e-4, 2e-3], "tail_ci_hi": [2e-4, 4e-4,
                        2e-3, 4e-3], "tail_rel_error": 0.3, "tail_ess": 50.0,
                        "tail_model_steps": 1000, "tail_bits": 10.0, "tail_method": "ams",
                        "tail_status": "done"})  # fmt: skip
    return Frames(design, pd.DataFrame({"run_id": range(4)}), params=["x.p"], outcomes=out,
                  manifest={"tail": {"event": "catastrophes >= 1", "by_step": 5}})  # fmt: skip


def test_every_draw_gives_a_figure_with_units_from_the_registry():
    sources = draw_sources()
    for name in STANDARD:
        f = next(s for s in sources if FIGURES[name].NEEDS.missing(s) is None)
        fig = FIGURES[name].draw(FIGURES[name].data(f))
        assert isinstance(fig, go.Figure) and fig.data, name
        text = fig.to_json()
        for m in ("welfare", "approval", "drift_level_1"):
            if f"{m.replace('_', ' ')} (" in text:
                assert theme.label(m) in text, (name, m)  # an axis label carries its unit


class _Events:
    """A stand-in for a loaded store's event tables (`event_tables`, `events(name)`)."""

    def __init__(self, **tables: pd.DataFrame) -> None:
        self.tables = tables

    @property
    def event_tables(self) -> list[str]:
        return list(self.tables)

    def events(self, name: str, design: bool = True) -> pd.DataFrame:
        return self.tables[name]


def _km_median_and_se(part: pd.DataFrame, hazard: float) -> tuple[float, float]:
    """KM median and its SE: Greenwood's SE of S at the median / the density f = h * S."""
    below = part[part["survival"] <= 0.5]
    body = part.iloc[1 : below.index[0] - part.index[0] + 1]
    d, n = body["events"].to_numpy(float), body["at_risk"].to_numpy(float)
    se_s = below["survival"].iloc[0] * np.sqrt(np.sum(d / (n * (n - d))))
    return float(below["time"].iloc[0]), float(se_s / (hazard * 0.5))


def test_detection_survival_from_event_tables_recovers_exponential_medians():
    rng = np.random.default_rng(7)
    n, rate, share1 = 4000, 0.08, 0.3  # detection hazard 0.08/step; layer 1 takes 30% of it
    first = rng.integers(0, 50, n)
    t = rng.exponential(1 / rate, n)
    end = 100
    detected = first + t <= end  # the rest is censored at the end of the run
    layer = np.where(rng.random(n) < share1, 1.0, 2.0)
    spells = pd.DataFrame(
        {
            "run_id": rng.integers(0, 20, n),
            "first_harm_step": first,
            "detected_step": np.where(detected, first + t, np.nan),
            "layer": np.where(detected, layer, np.nan),
            "end_step": end,
        }
    )
    f = Frames(pd.DataFrame({"run_id": range(20)}), pd.DataFrame({"run_id": range(20)}))
    f.events = _Events(offenders=spells)
    assert FIGURES["detection_survival"].NEEDS.missing(f) is None  # no series needed
    df = FIGURES["detection_survival"].data(f)
    assert df.attrs["source"] == "events" and df.attrs["layers"] == [
        "any layer", "layer 1", "layer 2"
    ]  # fmt: skip
    for name, hazard in (("any layer", rate), ("layer 1", rate * share1)):
        median, se = _km_median_and_se(df[df.layer == name], hazard)
        assert abs(median - np.log(2) / hazard) < 3 * se, (name, median, se)
    l2 = df[df.layer == "layer 2"]  # cause-specific: layer-1 detections are censored
    assert l2["censored"].sum() == n - (spells["layer"] == 2).sum()
    fig = FIGURES["detection_survival"].draw(df)
    assert "cause-specific" in fig.layout.title.subtitle.text


def test_detection_survival_falls_back_to_the_series_and_says_so():
    ser = pd.DataFrame(
        {"run_id": np.repeat([0, 1], 3), "step": [0, 1, 2] * 2, "catches_layer_1": [0, 1, 0] * 2}
    )
    f = Frames(pd.DataFrame({"run_id": [0, 1]}), ser[ser.step == 2].drop(columns="step"), ser)
    f.events = _Events()  # a store without event tables
    df = FIGURES["detection_survival"].data(f)
    assert df.attrs["source"] == "series"
    fig = FIGURES["detection_survival"].draw(df)
    assert "fallback" in fig.layout.title.subtitle.text
    assert "first catch" in fig.layout.title.text
