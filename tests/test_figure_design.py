"""Figures respect the sweep's design: on a 2-factor sweep every plotted CI is over the
replications of one design point (never pooled across points unless `pool=True`), log-spaced
parameters get log scales, the response figure recovers a planted Goodhart curve, partial
stores show missing levels, and every figure states one finding computed from its data."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis import findings
from analysis.data import Frames
from analysis.figures import FIGURES, Unavailable, supported

PRESSURE, INFO = "politicians.optimization_pressure", "electorate.information"
REPS, STEPS = 6, 5
OFF = 100.0  # each design point's planted offset: a CI pooled over points is ~100 wide
NARROW = 5.0  # a CI over one point's replications is ~0.2 wide (noise sd 0.1)


def sweep(factors: dict[str, list], reps: int = REPS, seed: int = 0, drop=None) -> Frames:
    """A grid over `factors` x reps on common seeds (replication r has seed 1000 + r in
    every design point). Every metric of design point d is OFF * d**2 plus N(0, 0.1) noise
    (non-additive, so a difference pooled over points is wide too). `drop(design_row)`
    marks runs that have not finished (absent from the summary and the series)."""
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product(list(factors.values()), names=list(factors)).to_frame()
    design, summary, series = [], [], []
    params = [k for k in factors if k != "intervention"]
    points = {key: i for i, key in enumerate(dict.fromkeys(map(tuple, grid[params].values)))}
    for d, point in enumerate(grid.to_dict("records")):
        pid = points[tuple(point[k] for k in params)]
        for r in range(reps):
            rid = len(design)
            row = dict(run_id=rid, scenario="s-v1", point=pid, replication=r, seed=1000 + r)
            design.append({"intervention": "none", **row, **point})
            if drop is not None and drop(design[-1]):
                continue
            base = OFF * d**2
            ser = _series(rid, base, rng)
            series.append(ser)
            summary.append(ser.iloc[-1].drop("step").to_dict())
    return Frames(
        pd.DataFrame(design),
        pd.DataFrame(summary).astype({"run_id": int}),
        pd.concat(series, ignore_index=True),
        manifest={"sweep": "synthetic", "master_seed": 1},
        kind="grid",
        params=params,
    )


def _series(rid: int, base: float, rng: np.random.Generator) -> pd.DataFrame:
    t = np.arange(STEPS + 1)
    noise = {m: rng.normal(0, 0.1) for m in ("w", "a", "s", "u", "c", "d1", "d2")}
    catch = rng.integers(1, STEPS + 2)  # a step after the run: never caught
    return pd.DataFrame(
        {
            "run_id": rid,
            "step": t,
            "welfare": base - 0.01 * t + noise["w"],
            "approval": base + 0.02 * t + noise["a"],
            "safety": base + noise["s"],
            "usefulness": base + noise["u"],
            "oversight_cost": base + noise["c"],
            "drift_level_1": base + noise["d1"],
            "drift_level_2": base + noise["d2"],
            "catches_layer_1": (t >= catch).astype(float),
        }
    )


DESIGNS = {
    "two parameters": {PRESSURE: [1, 4, 16], INFO: [0.2, 0.8]},
    "intervention x parameter": {"intervention": ["none", "audit", "vote"], INFO: [0.2, 0.8]},
    "three factors": {
        "intervention": ["no_layers", "trusted_monitor", "full_stack"],
        PRESSURE: [1, 4],
        INFO: [0.2, 0.8],
    },
}
STANDARD = sorted(n for n, m in FIGURES.items() if m.NEEDS.standard)
NO_CI = {"scenario_discovery"}  # classifies single runs (PRIM): no mean, no CI to pool
MEANS_ONLY = {"welfare_vs_approval"}  # mean paths, no CI: each path is one design point


def plotted_ci_widths(fig: go.Figure) -> list[float]:
    """Every CI drawn: error bars (error_x/error_y) and filled bands (a 'tonexty' trace and
    the trace before it)."""
    out = []
    for prev, tr in zip([None, *fig.data[:-1]], fig.data, strict=True):
        for err in (getattr(tr, "error_x", None), getattr(tr, "error_y", None)):
            if err is not None and err.array is not None:
                out += list(np.asarray(err.array, dtype=float))
                if err.arrayminus is not None:
                    out += list(np.asarray(err.arrayminus, dtype=float))
        if getattr(tr, "fill", None) == "tonexty" and prev is not None:
            out += list(np.abs(np.asarray(prev.y, float) - np.asarray(tr.y, float)))
    return [w for w in out if np.isfinite(w)]


def _one_point_per_path(fig: go.Figure, points: int) -> None:
    """Each path's values sit at one planted design point (OFF * d**2), never between."""
    paths = [t for t in fig.data if t.mode == "lines"]
    assert len(paths) == points
    planted = OFF * np.arange(points) ** 2
    for t in paths:
        x = np.asarray(t.x, dtype=float)
        nearest = planted[np.abs(planted[:, None] - x[None, :]).argmin(axis=0)]
        assert np.abs(x - nearest).max() < NARROW and np.unique(nearest).size == 1


def data_ci_widths(df: pd.DataFrame) -> list[float]:
    """hi - lo for every (lo, hi) or (<m>_lo, <m>_hi) column pair of a figure's data."""
    pairs = [(c, c[:-2] + "hi") for c in df.columns if str(c).endswith("lo")]
    pairs = [(lo, hi) for lo, hi in pairs if hi in df]
    widths = [np.asarray(df[hi] - df[lo], dtype=float) for lo, hi in pairs]
    return [w for arr in widths for w in arr if np.isfinite(w)]


@pytest.mark.parametrize("name", list(DESIGNS))
def test_every_plotted_ci_uses_the_replications_of_one_design_point(name):
    f = sweep(DESIGNS[name])
    ok, skipped = supported(f)
    assert set(ok) == set(STANDARD) - {"sobol_indices", "morris_screening"}, skipped
    for fig_name in ok:
        mod = FIGURES[fig_name]
        df = mod.data(f)
        fig = mod.draw(df)
        if fig_name in NO_CI:
            continue
        if fig_name in MEANS_ONLY:
            _one_point_per_path(fig, len(f.design) // REPS)
            continue
        widths = data_ci_widths(df) + plotted_ci_widths(fig)
        assert widths, f"{fig_name}: no CI found"
        assert max(widths) < NARROW, f"{fig_name}: a CI spans design points ({max(widths):.1f})"
        if "n" in df:  # every mean is over one point's replications
            assert set(df.loc[df["n"] > 0, "n"]) <= {REPS}, fig_name


def test_the_old_pooling_would_fail_the_check():
    """The check above can fail: pooled on purpose, the same figures give wide CIs."""
    f = sweep(DESIGNS["two parameters"])
    for fig_name in ("final_metrics", "response", "metrics_over_time", "drift_ledger"):
        df = FIGURES[fig_name].data(f, pool=True)
        assert max(data_ci_widths(df)) > 10 * NARROW, fig_name
        assert "averaged over" in df.attrs["pooled"]
        fig = FIGURES[fig_name].draw(df)
        assert "averaged over" in (fig.layout.title.subtitle.text or ""), fig_name


def test_detection_survival_draws_one_curve_per_design_point():
    f = sweep(DESIGNS["two parameters"])
    df = FIGURES["detection_survival"].data(f)
    assert df.attrs["per_design"] and len(df.attrs["layers"]) == 6
    first = df.sort_values("time").groupby("layer").first()
    assert set(first["at_risk"]) == {REPS}  # each curve: the runs of one design point


def test_too_many_design_points_say_to_pool():
    f = sweep({PRESSURE: [1, 2, 4, 8, 16], INFO: [0.1, 0.3, 0.5, 0.7]}, reps=2)
    with pytest.raises(Unavailable, match="--pool"):
        FIGURES["metrics_over_time"].data(f)
    assert FIGURES["metrics_over_time"].data(f, pool=True).attrs["keys"] == [INFO]


def goodhart(reps: int = 8, seed: int = 3, drop=None, peak: bool = False) -> Frames:
    """Approval rises 0.1 per doubling of pressure; welfare falls 0.05 per doubling, only
    at low information (0.2) (with `peak`: rises 0.05 per doubling up to 4, then falls 0.1
    per doubling). Noise sd 0.05, shared by the runs of one replication."""
    rng = np.random.default_rng(seed)
    design, summary = [], []
    for p in (1, 4, 16, 64):
        for q in (0.2, 0.8):
            for r in range(reps):
                rid = len(design)
                design.append({"run_id": rid, "seed": 50 + r, "replication": r, PRESSURE: p,
                               INFO: q, "intervention": "none"})  # fmt: skip
                if drop and drop(design[-1]):
                    continue
                shared = np.random.default_rng(50 + r).normal(0, 0.05)
                a = 0.4 + 0.1 * np.log2(p) + shared + rng.normal(0, 0.01)
                d = np.log2(p)
                fall = 0.05 * min(d, 2) - 0.1 * max(d - 2, 0) if peak else -0.05 * d
                w = (fall if q == 0.2 else 0) + shared + rng.normal(0, 0.01)
                summary.append({"run_id": rid, "approval": a, "welfare": w})
    return Frames(pd.DataFrame(design), pd.DataFrame(summary), kind="grid", params=[PRESSURE, INFO])


def test_response_recovers_the_planted_goodhart_curve_on_a_log_axis():
    mod = FIGURES["response"]
    df = mod.data(goodhart())
    a = df.attrs
    assert (a["x"], a["others"], a["metrics"], a["log"]) == (
        PRESSURE, [INFO], ["approval", "welfare"], True
    )  # fmt: skip
    w = df[(df.metric == "welfare") & (df[INFO] == 0.2)].set_index(PRESSURE)
    for p in (1, 4, 16, 64):
        assert w.loc[p, "lo"] < -0.05 * np.log2(p) < w.loc[p, "hi"]
    fig = mod.draw(df)
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.tickvals) == [1, 4, 16, 64]
    said = a["finding"]
    assert said.startswith("At information = 0.2, raising optimization pressure from 1 to 64")
    up = re.search(r"raises approval by ([\d.]+) \[([\d.]+), ([\d.]+)\]", said)
    down = re.search(r"lowers welfare by ([\d.]+) \[([\d.]+), ([\d.]+)\]", said)
    assert up and float(up[2]) < 0.6 < float(up[3])  # 0.1 x 6 doublings
    assert down and float(down[2]) < 0.3 < float(down[3])  # 0.05 x 6 doublings


def test_the_response_finding_runs_from_the_targets_peak_and_names_the_ablation():
    """Welfare peaking at pressure 4: the sentence contrasts 4 with 64 (not 1 with 64, which
    would hide the fall), and sets the informed electorate's welfare beside it."""
    said = FIGURES["response"].data(goodhart(peak=True)).attrs["finding"]
    assert said.startswith("At information = 0.2, raising optimization pressure from 4 to 64")
    down = re.search(r"lowers welfare by ([\d.]+) \[([\d.]+), ([\d.]+)\]", said)
    assert down and float(down[2]) < 0.4 < float(down[3])  # 0.1 x 4 doublings
    assert "(paired on 8 common seeds)" in said  # replication r shares seed 50 + r everywhere
    assert "; at information = 0.8 (1 to 64) it does not clearly change welfare" in said


def test_a_level_without_finished_runs_is_missing_not_an_error():
    gone = {PRESSURE: 16, INFO: 0.8}
    f = goodhart(drop=lambda row: all(row[k] == v for k, v in gone.items()))
    f.series = (
        f.summary.assign(step=1)
        .pipe(lambda s: pd.concat([s.assign(step=0), s]))
        .reset_index(drop=True)
    )
    df = FIGURES["response"].data(f)
    hole = df[(df[PRESSURE] == 16) & (df[INFO] == 0.8)]
    assert (hole["n"] == 0).all() and hole["mean"].isna().all()
    assert df.attrs["missing"] == ["optimization pressure = 16 · information = 0.8"]
    fig = FIGURES["response"].draw(df)
    assert "no finished run yet at optimization pressure = 16" in fig.layout.title.subtitle.text
    path = FIGURES["welfare_vs_approval"].data(f)  # was an IndexError
    assert path.attrs["missing"] == ["information = 0.8 · optimization pressure = 16"]
    assert (
        "no finished run yet"
        in FIGURES["welfare_vs_approval"].draw(path).layout.title.subtitle.text
    )


def test_log_spaced_parameters_get_log_colour_scales():
    df = FIGURES["goodhart_frontier"].data(goodhart())
    assert (df.attrs["colour"], df.attrs["symbol"], df.attrs["log"]) == (PRESSURE, INFO, True)
    fig = FIGURES["goodhart_frontier"].draw(df)
    marker = fig.data[0].marker
    np.testing.assert_allclose(marker.color, np.log10(df[PRESSURE]))
    assert list(marker.colorbar.ticktext) == ["1", "4", "16", "64"]
    assert set(marker.symbol) == {"circle", "square"}  # information: the other factor


def sources() -> dict[str, Frames]:
    return {"two parameters": sweep(DESIGNS["two parameters"]), "goodhart": goodhart()}


@pytest.mark.parametrize(
    "name", [n for n in STANDARD if n not in ("sobol_indices", "morris_screening")]
)
def test_every_figure_states_one_finding_from_its_data(name):
    said = {}
    for label, f in sources().items():
        if FIGURES[name].NEEDS.missing(f) is None:
            said[label] = FIGURES[name].data(f).attrs["finding"]
    assert said, f"{name}: no synthetic sweep supports it"
    for text in said.values():
        assert isinstance(text, str) and text.endswith(".") and not text[0].islower(), text
        assert re.search(r"\d", text), text  # computed from the data: it has numbers
        assert len(re.findall(r"\.\s+[A-Z]", text)) == 0, f"more than one sentence: {text}"


def test_finding_wording():
    assert findings.change("approval", 0.12, 0.08, 0.16) == "raises approval by 0.12 [0.08, 0.16]"
    assert findings.change("welfare", -0.05, -0.07, -0.03) == (
        "lowers welfare by 0.05 [0.03, 0.07]"
    )
    assert findings.change("safety", 0.01, -0.02, 0.03).startswith("does not clearly change")
    assert findings.sentence("at x,", "a rises", "; b falls") == "At x, a rises; b falls."
