"""The Sweeps page's figures and state, without a browser: the phase diagram puts any factor
(interventions too) on either axis and never pools design points; the uncertainty view; the
PRIM trajectory, box selection and box limits with quasi-p-values; parallel coordinates;
the page's URL state, client values and view specs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import prim
from analysis.data import Frames
from analysis.figures import FIGURES, Unavailable
from dashboard.pages import sweeps, sweeps_controls, sweeps_parts
from dashboard.state import SweepsState

INFO, PRESSURE = "electorate.information", "politicians.optimization_pressure"
ARMS = ("none", "audit", "full")
REPS = 3


def crossed(reps: int = REPS, drop=()) -> Frames:
    """A 2 x 3 grid crossed with 3 interventions, `reps` replications each. welfare = 10 *
    information + pressure / 100 + 1000 * arm index + replication: every design point has its
    own mean, so a cell pooling two points is off by at least 0.01 (and by 1000 across arms).
    Design points in `drop` ((information, pressure, arm)) have no finished run."""
    rows = [
        (i, p, a, r) for i in (0.15, 0.9) for p in (1, 16, 256) for a in ARMS for r in range(reps)
    ]
    d = pd.DataFrame(rows, columns=[INFO, PRESSURE, "intervention", "replication"])
    d.insert(0, "run_id", range(len(d)))
    d["seed"] = 100 + d["replication"]
    arm = d["intervention"].map({a: k for k, a in enumerate(ARMS)})
    welfare = 10 * d[INFO] + d[PRESSURE] / 100 + 1000 * arm + d["replication"]
    done = ~pd.Series([tuple(t) in drop for t in d[[INFO, PRESSURE, "intervention"]].values])
    summary = pd.DataFrame({"run_id": d["run_id"], "welfare": welfare})[done.to_numpy()]
    manifest = {"interventions": {a: {} for a in ARMS}}
    return Frames(d, summary, kind="grid", params=[INFO, PRESSURE], manifest=manifest)


def point_mean(i, p, arm, reps=REPS) -> float:
    return 10 * i + p / 100 + 1000 * ARMS.index(arm) + (reps - 1) / 2


# ---- phase diagram ------------------------------------------------------------------------


def test_interventions_go_on_an_axis_and_every_cell_is_one_design_point():
    mod = FIGURES["phase_diagram"]
    df = mod.data(crossed(), metric="welfare", x="intervention", y=PRESSURE)
    assert df.attrs["x_levels"] == list(ARMS)  # categorical, in the spec's order
    assert df.attrs["panel_by"] == [INFO]  # information is not averaged over: panels
    assert (df["n"] == REPS).all()  # each cell: the replications of one design point
    for _, row in df.iterrows():
        info = float(row["panel"].split("= ")[1])
        assert row["mean"] == pytest.approx(point_mean(info, row["y"], row["x"]))
    fig = mod.draw(df)
    assert len(fig.data) == 2 and fig.layout.xaxis.type == "category"
    assert list(fig.data[0].x) == list(ARMS)


def test_a_held_factor_keeps_one_level_and_a_bad_level_names_the_levels():
    mod = FIGURES["phase_diagram"]
    df = mod.data(crossed(), metric="welfare", x=INFO, y=PRESSURE, fixed={"intervention": "audit"})
    assert df.attrs["panel_by"] == [] and len(df) == 6 and (df["n"] == REPS).all()
    assert df["mean"].min() == pytest.approx(point_mean(0.15, 1, "audit"))
    with pytest.raises(Unavailable, match="none, audit, full"):
        mod.data(crossed(), metric="welfare", x=INFO, y=PRESSURE, fixed={"intervention": "x"})
    panels = mod.data(crossed(), metric="welfare", x=INFO, y=PRESSURE)
    assert panels.attrs["panels"] == list(ARMS)  # one panel per intervention
    assert len(mod.draw(panels).data) == 3


def test_the_uncertainty_view_draws_the_ci_half_width_and_hover_keeps_mean_ci_n():
    mod = FIGURES["phase_diagram"]
    df = mod.data(crossed(), metric="welfare", x=INFO, y=PRESSURE, show="ci")
    # replications 0, 1, 2: sd 1, so the t half-width is t(0.975, 2) / sqrt(3)
    assert df["half"].to_numpy() == pytest.approx(np.full(len(df), 4.302653 / np.sqrt(3)))
    trace = mod.draw(df).data[0]
    assert np.nanmax(trace.z) == pytest.approx(4.302653 / np.sqrt(3))
    assert (
        "mean %{customdata[0]" in trace.hovertemplate
        and "n=%{customdata[3]}" in trace.hovertemplate
    )
    assert df.attrs["finding"].startswith("The 95% CI of welfare")
    mean = mod.data(crossed(), metric="welfare", x=INFO, y=PRESSURE)
    assert "highest at information 0.9, optimization_pressure 256, full" in mean.attrs["finding"]


def test_a_factor_that_would_make_too_many_panels_is_held_at_one_level_and_named():
    import itertools

    levels = {"p.a": [1, 2], "p.b": [1, 2], "p.c": [1, 2, 3, 4, 5], "p.d": [10, 20, 30]}
    rows = [(*pt, r) for pt in itertools.product(*levels.values()) for r in range(2)]
    d = pd.DataFrame(rows, columns=[*levels, "replication"]).assign(run_id=lambda t: t.index)
    summary = pd.DataFrame({"run_id": d["run_id"], "welfare": d["p.d"] + d["replication"]})
    f = Frames(d, summary, kind="grid", params=list(levels))
    mod = FIGURES["phase_diagram"]
    df = mod.data(f, metric="welfare", x="p.a", y="p.b")
    assert df.attrs["panel_by"] == ["p.c"] and df.attrs["auto"] == {"p.d": "10"}  # 5 x 3 > 12
    assert (df["n"] == 2).all() and (df["mean"] == 10.5).all()  # one level of d, not pooled
    assert "held at d = 10" in mod.draw(df).layout.title.subtitle.text


def test_a_design_point_without_runs_is_an_empty_cell():
    mod = FIGURES["phase_diagram"]
    f = crossed(drop={(0.9, 256, "none")})
    df = mod.data(f, metric="welfare", x=INFO, y=PRESSURE, fixed={"intervention": "none"})
    assert len(df) == 5  # the missing point has no row...
    z = mod.draw(df).data[0].z
    assert np.isnan(z).sum() == 1 and z.shape == (3, 2)  # ...and an empty cell on the map
    n = mod.draw(df).data[0].customdata[..., 3]
    assert (n == 0).sum() == 1 and (n == REPS).sum() == 5  # its hover says n=0


# ---- PRIM: trajectory, selection, box limits -------------------------------------------------


def planted(n: int = 1500, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, 3)), columns=["a", "b", "noise"])
    return x, ((x.a < 0.3) & (x.b > 0.5)).to_numpy()


def test_the_peeling_trajectory_is_monotone_and_quasi_p_tells_real_limits_from_noise():
    x, y = planted()
    res = prim.peel(x, y)
    traj = res.trajectory()
    assert (np.diff(traj["coverage"]) <= 1e-12).all()  # each box inside the one before
    assert traj["coverage"].iloc[0] == 1.0 and traj["density"].iloc[-1] > 0.9
    limits = res.box_limits(res.select()).set_index("input")
    assert limits.loc["a", "restricted"] and limits.loc["b", "restricted"]
    assert limits.loc["a", "quasi_p"] < 1e-6 and limits.loc["b", "quasi_p"] < 1e-6
    # a box that also trims the noise input: that restriction buys nothing
    last = res.box_limits(len(res.boxes) - 1).set_index("input")
    if last.loc["noise", "restricted"]:
        assert last.loc["noise", "quasi_p"] > 0.01
    whole = res.box_limits(0)
    assert not whole["restricted"].any() and whole["quasi_p"].isna().all()


def test_prim_peels_a_categorical_input_one_level_at_a_time():
    x, y = planted()
    rng = np.random.default_rng(5)
    x["stack"] = rng.choice(["none", "monitor", "full"], size=len(x))
    y = y & (x["stack"] == "none").to_numpy()  # the outcome needs no oversight stack
    res = prim.peel(x, y)
    box = res.boxes[res.select()]
    limits = res.limits(box)
    assert limits["stack"] == frozenset({"none"}) and set(limits) >= {"a", "b", "stack"}
    assert "stack = none" in res.rule(box)
    rows = res.box_limits(res.select()).set_index("input")
    assert rows.loc["stack", "kept"] == ("none",) and len(rows.loc["stack", "levels"]) == 3
    assert rows.loc["stack", "quasi_p"] < 1e-6
    assert (np.diff(res.trajectory()["coverage"]) <= 1e-12).all()


def prim_frames() -> Frames:
    x, y = planted(400)
    d = x.rename(columns={"a": "p.a", "b": "p.b", "noise": "p.noise"}).assign(
        run_id=range(len(x)), seed=1
    )
    summary = pd.DataFrame({"run_id": d["run_id"], "catastrophes": y.astype(float)})
    return Frames(d, summary, kind="lhs", params=["p.a", "p.b", "p.noise"])


def test_a_selected_box_is_drawn_and_its_limits_match_the_trajectory():
    traj_mod, box_mod = FIGURES["scenario_discovery"], FIGURES["prim_box_limits"]
    default = traj_mod.data(prim_frames())
    assert default.attrs["selected"] == default.attrs["default"]
    df = traj_mod.data(prim_frames(), box=2)
    assert df.attrs["selected"] == 2 and df.attrs["rule"] == df["rule"][2]
    assert traj_mod.draw(df).data[1].name == "box 2"  # the ring marks the chosen box
    assert df.attrs["finding"].startswith(f"The box {df['rule'][2]} holds")
    limits = box_mod.data(prim_frames(), box=2)
    assert limits.attrs["coverage"] == pytest.approx(df["coverage"][2])
    assert limits.attrs["density"] == pytest.approx(df["density"][2])
    assert (
        (limits["start"] >= 0) & (limits["end"] <= 1) & (limits["start"] <= limits["end"])
    ).all()
    assert limits.attrs["finding"]
    with pytest.raises(Unavailable, match="boxes 0 to"):
        traj_mod.data(prim_frames(), box=len(default))
    fig = box_mod.draw(limits)
    assert len(fig.data) == 1 + 3 and "coverage" in fig.layout.title.text  # a row per input


# ---- parallel coordinates -----------------------------------------------------------------


def test_parallel_coordinates_one_line_per_design_point_with_log_and_categorical_axes():
    mod = FIGURES["parallel_coordinates"]
    df = mod.data(crossed(), metrics=["welfare"], color=PRESSURE)
    assert len(df) == 2 * 3 * 3 and (df["n"] == REPS).all()
    assert df["welfare"].to_numpy() == pytest.approx(
        [point_mean(r[INFO], r[PRESSURE], r["intervention"]) for _, r in df.iterrows()]
    )
    assert df.attrs["log"][PRESSURE] and not df.attrs["log"][INFO]
    trace = mod.draw(df).data[0]
    dims = {d.label: d for d in trace.dimensions}
    assert list(dims["intervention"].ticktext) == list(ARMS)
    assert np.allclose(dims["optimization<br>pressure (log)"].values, np.log10(df[PRESSURE]))
    assert list(trace.dimensions[0].ticktext) == list(ARMS)  # level names left, in the margin
    assert list(trace.line.colorbar.ticktext) == ["1", "16", "256"]  # a log colour scale
    runs = mod.data(crossed(), metrics=["welfare"], per="run")
    assert len(runs) == 2 * 3 * 3 * REPS
    assert "the levels of intervention explain 100% of that spread" in df.attrs["finding"]


# ---- the page's state ---------------------------------------------------------------------


def test_the_sweeps_state_round_trips_through_the_url():
    state = SweepsState(
        "demo", "welfare", "intervention", INFO, "welfare < q25", 2,
        fixed=((PRESSURE, "16"),), show="ci", box=3, along=PRESSURE,
        metrics=("approval", "welfare"), color=PRESSURE, per="run",
    )  # fmt: skip
    assert SweepsState.from_search(state.to_search()) == (state, [])
    assert "box=3" in state.to_search() and "show=ci" in state.to_search()
    assert "box" not in SweepsState("demo").to_search()  # the default box is not written
    bad, errors = SweepsState.from_search("?box=-5&show=pie&fix=nolevel")
    assert bad.box == -1 and bad.show == "mean" and bad.fixed == () and len(errors) == 3


def test_client_values_become_a_state_and_the_specs_carry_the_selection():
    values = {"store": "demo", "metric": "welfare", "x": "intervention", "y": INFO, "show": "ci",
              "box": 2, "metrics": ["welfare"], "per": "point", "page": 0}  # fmt: skip
    ids = [{"type": "sweeps-fix", "factor": f} for f in (INFO, PRESSURE, "intervention")]
    state = sweeps.read_state(values, [sweeps_parts.ALL, "16", "none"], ids)
    assert state.fixed == ((PRESSURE, "16"), ("intervention", "none")) and state.box == 2
    specs = sweeps_parts.view_specs(state, crossed())
    assert specs["phase"]["options"]["fixed"] == {PRESSURE: "16"}  # x's own hold is dropped
    assert specs["prim"]["options"]["box"] == 2 == specs["box"]["options"]["box"]
    df = FIGURES["phase_diagram"].data(crossed(), **specs["phase"]["options"])
    assert df.attrs["show"] == "ci" and (df["n"] == REPS).all()
    with pytest.raises(sweeps.guard.BadInput, match="box"):
        sweeps.read_state({**values, "box": 1.5})
    with pytest.raises(sweeps.guard.BadInput, match="show"):
        sweeps.read_state({**values, "show": "pie"})


def test_a_click_on_the_trajectory_selects_its_step():
    click = {"points": [{"curveNumber": 0, "customdata": [4, 0.2, "a <= 0.3"]}]}
    assert sweeps_controls.clicked_step(click) == 4
    steps = (["x"], [float("inf")], [2.5], [-1], [True])
    bads = [None, {}, {"points": []}, {"points": [{"x": 1}]}]
    for bad in bads + [{"points": [{"customdata": s}]} for s in steps]:
        assert sweeps_controls.clicked_step(bad) is sweeps_controls.no_update


def test_axes_the_store_does_not_vary_fall_back_with_a_message():
    state = SweepsState("demo", "welfare", "nope.param", INFO)
    assert sweeps_parts.axes_of(state, crossed()) == (INFO, PRESSURE)
    assert "nope.param" in sweeps_parts.unknown_axes(state, crossed())[0]
    opts = sweeps_parts.options(crossed())
    assert [o["value"] for o in opts["axes"]] == [INFO, PRESSURE, "intervention"]


# ---- the page's callbacks, as requests ----------------------------------------------------


def test_every_sweeps_callback_answers_malformed_inputs_without_a_500(tiny_store):
    """Each Sweeps callback (with a store, so the per-factor selectors exist), each input and
    state replaced in turn by each malformed value: an answer, never a server error."""
    from test_dashboard_hardening import BAD_VALUES, call, page_layouts, request_body, with_value

    from dashboard.app import create_app

    app = create_app(tiny_store.parent)
    client = app.server.test_client()
    found = page_layouts(client, app)
    assert any("sweeps-fix" in k for k in found)  # the selectors of the other factors
    mine = [o for o in app.callback_map if "sweeps" in o]
    assert len(mine) >= 5
    for output in mine:
        base = request_body(app, output, found)
        assert call(client, base).status_code in (200, 204), output
        for field in ("inputs", "state"):
            for i in range(len(base[field])):
                for value in BAD_VALUES:
                    r = call(client, with_value(base, field, i, value))
                    assert r.status_code in (200, 204), (output, field, i, repr(value)[:60])
