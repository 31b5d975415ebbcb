"""Sweep specs and designs: bad input is refused with a clear message (exit code 2 through the
CLI, nothing written or overwritten); every design builds what it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.errors import ConfigError
from sim.params import PARAMS
from sim.sweep import load, load_spec, run_sweep
from sim.sweep.design import build
from sim.sweep.plan import runs
from sim.sweep.runner import progress_bar

TINY = {
    "scenario": "baseline_democracy-v1",
    "set": {"electorate": {"n_voters": 200}},
    "steps": 10,
    "seed": 5,
}


TINY_SET = {"electorate.n_voters": TINY["set"]["electorate"]["n_voters"], "steps": TINY["steps"]}


def write(tmp_path: Path, name: str, **fields) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TINY, **fields}, sort_keys=False))
    return path


def cli_process(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# ---- through the CLI: exit code 2, one line, nothing written ------------------------------


def test_unknown_parameter_exits_2_with_suggestion(tmp_path):
    """The real entry point in its own process; the other CLI tests run `main()` in-process."""
    spec = write(tmp_path, "s", parameters={"electorate.informaton": [0.1, 0.2]})
    out = tmp_path / "out"
    proc = cli_process("sweep", str(spec), "--out", str(out), "--executor", "sequential")
    assert proc.returncode == 2, proc.stderr
    assert "parameters.electorate.informaton" in proc.stderr
    assert "did you mean 'electorate.information'" in proc.stderr
    assert str(spec) in proc.stderr
    assert not out.exists()


def test_empty_range_exits_2(tmp_path, cli):
    spec = write(
        tmp_path, "s", parameters={"electorate.information": {"low": 0.6, "high": 0.2, "num": 3}}
    )
    code, _, err = cli(
        "sweep", str(spec), "--out", str(tmp_path / "out"), "--executor", "sequential"
    )
    assert code == 2
    assert "parameters.electorate.information: empty range" in err
    assert not (tmp_path / "out").exists()


def test_unbuildable_design_exits_2(tmp_path, cli):
    spec = write(
        tmp_path,
        "s",
        design={"method": "sobol", "samples": 100},
        parameters={"electorate.information": {"low": 0.1, "high": 0.9}},
    )
    code, _, err = cli(
        "sweep", str(spec), "--out", str(tmp_path / "out"), "--executor", "sequential"
    )
    assert code == 2
    assert "design.samples: 100 is not a power of 2; did you mean '128'?" in err
    assert not (tmp_path / "out").exists()


def test_folder_of_a_different_sweep_is_refused_and_untouched(tmp_path, cli):
    first = write(tmp_path, "first", parameters={"electorate.information": [0.2, 0.8]})
    out = tmp_path / "out"
    run_sweep(first, out, executor="sequential", progress=progress_bar(quiet=True))
    before = snapshot(out)
    other = write(tmp_path, "other", parameters={"electorate.information": [0.3, 0.7]})
    code, _, err = cli(
        "sweep", str(other), "--out", str(out), "--executor", "sequential", "--resume"
    )
    assert code == 2
    assert "holds a different sweep" in err
    code, _, err = cli("sweep", str(first), "--out", str(out), "--executor", "sequential")
    assert code == 2
    assert "already holds this sweep (2 of 2 runs done)" in err
    assert "--resume" in err
    assert snapshot(out) == before


def test_a_changed_base_scenario_is_refused_on_resume(tmp_path):
    scenario = tmp_path / "mine.yaml"
    doc = yaml.safe_load(Path("scenarios/baseline_democracy-v1.yaml").read_text())
    scenario.write_text(yaml.safe_dump({**doc, "id": "mine-v1"}))
    spec = write(tmp_path, "s", scenario=str(scenario), replications=2)
    out = tmp_path / "out"
    run_sweep(spec, out, executor="sequential", max_runs=1, progress=progress_bar(quiet=True))
    before = snapshot(out)
    doc["electorate"]["information"] = 0.31
    scenario.write_text(yaml.safe_dump({**doc, "id": "mine-v1"}))
    with pytest.raises(ConfigError, match=r"electorate.information was 0.6, now 0.31"):
        run_sweep(spec, out, executor="sequential", resume=True, progress=progress_bar(quiet=True))
    assert snapshot(out) == before


def test_non_empty_folder_without_a_sweep_is_refused(tmp_path):
    spec = write(tmp_path, "s")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="holds no sweep"):
        run_sweep(spec, out, executor="sequential", progress=progress_bar(quiet=True))
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# ---- in process: each error names the file, the field and the closest valid name ----------

BAD = [
    ({"replicatons": 3}, "replicatons: unknown field; did you mean 'replications'"),
    (
        {"design": {"method": "lhs", "sample": 3}},
        "design.sample: unknown field; did you mean 'samples'",
    ),
    ({"design": "sobbol"}, "design.method: unknown value 'sobbol'"),
    ({"scenario": "baseline_democracy-v9"}, "did you mean 'baseline_democracy-v1'"),
    ({"set": {"electorate": {"n_voter": 3}}}, "set.electorate.n_voter: unknown parameter"),
    (
        {"parameters": {"electorate.information": [0.1, 1.5]}},
        "values[1]: value 1.5 is out of range",
    ),
    ({"parameters": {"electorate.information": []}}, "empty list of values"),
    ({"parameters": {"electorate.information": {"low": 0.1, "hi": 0.9}}}, "did you mean 'high'"),
    ({"parameters": {"seed": [1, 2]}}, "parameters.seed: parameter is set by the master seed"),
    ({"record": {"metrics": ["welfar"]}}, "record.metrics[0]: unknown metric 'welfar'"),
    ({"common_random_numbers": "intervention"}, "did you mean 'interventions'"),
    (
        {"interventions": {"a": {"electorate.informaton": 0.2}}},
        "interventions.a.electorate.informaton",
    ),
]


@pytest.mark.parametrize(("fields", "message"), BAD)
def test_bad_spec_fields(tmp_path, fields, message):
    spec = write(tmp_path, "bad", **fields)
    with pytest.raises(ConfigError) as err:
        build(load_spec(spec))
    assert message in str(err.value)
    assert str(err.value).startswith(str(spec))


UNBUILDABLE = [
    ({"method": "lhs"}, {"electorate.information": {"low": 0.1, "high": 0.9}}, "lhs needs samples"),
    ({"method": "morris", "samples": 4, "levels": 3}, {"electorate.information": {}}, "levels"),
    ({"method": "sobol", "samples": 8}, {"politicians.strategy": {}}, "numeric"),
    ({"method": "sobol", "samples": 8}, {"electorate.information": [0.1]}, "does not use `values`"),
    ({"method": "grid"}, {"electorate.information": {"low": 0.1, "high": 0.9}}, "`num` or `step`"),
    ({"method": "grid"}, {"politicians.optimization_pressure": {"low": 1, "high": 3, "num": 9}},
     "repeats values"),
    ({"method": "monte_carlo", "samples": 5}, {"electorate.information": {"dist": "normal"}},
     "normal needs mean and sd"),
    ({"method": "lhs", "samples": 5}, {"electorate.information": {"dist": "gamma"}},
     "unknown distribution"),
]  # fmt: skip


@pytest.mark.parametrize(("design", "params", "message"), UNBUILDABLE)
def test_designs_that_cannot_be_built(tmp_path, design, params, message):
    spec = write(tmp_path, "bad", design=design, parameters=params)
    with pytest.raises(ConfigError, match=r"parameters|design") as err:
        build(load_spec(spec))
    assert message in str(err.value)


# ---- designs build what they promise ------------------------------------------------------


def test_grid_is_the_full_factorial_in_file_order(tmp_path):
    spec = write(
        tmp_path,
        "g",
        parameters={
            "politicians.optimization_pressure": {"low": 1, "high": 16, "num": 5},
            "electorate.information": {"low": 0.1, "high": 0.5, "step": 0.2},
        },
    )
    points = build(load_spec(spec)).points
    assert (
        points["politicians.optimization_pressure"].tolist()
        == [1] * 3 + [2] * 3 + [4] * 3 + [8] * 3 + [16] * 3
    )  # log parameter: geometric range, rounded to int
    assert points["electorate.information"].tolist() == [0.1, 0.3, 0.5] * 5


def test_lhs_puts_one_point_in_each_stratum(tmp_path):
    spec = write(
        tmp_path,
        "l",
        design={"method": "lhs", "samples": 20},
        parameters={
            "electorate.information": {"low": 0.0, "high": 1.0},
            "electorate.polarization": {"low": 0.0, "high": 0.5},
        },
    )
    points = build(load_spec(spec)).points
    for col, width in (("electorate.information", 1.0), ("electorate.polarization", 0.5)):
        strata = np.floor(points[col].to_numpy() / width * 20).astype(int)
        assert sorted(strata.tolist()) == list(range(20))


def test_monte_carlo_normal_is_truncated_to_the_declared_range(tmp_path):
    spec = write(
        tmp_path,
        "m",
        design={"method": "monte_carlo", "samples": 2000},
        parameters={"electorate.information": {"dist": "normal", "mean": 0.9, "sd": 0.2}},
    )
    x = build(load_spec(spec)).points["electorate.information"].to_numpy()
    assert x.min() >= 0.0 and x.max() <= 1.0
    # mean of N(0.9, 0.2) truncated to [0, 1]: 0.9 - 0.2 * phi(0.5)/(Phi(0.5)-Phi(-4.5))
    from scipy import stats

    expect = stats.truncnorm.mean(-4.5, 0.5, loc=0.9, scale=0.2)
    assert abs(x.mean() - expect) < 3 * x.std(ddof=1) / np.sqrt(len(x))


def test_sobol_and_morris_keep_the_salib_problem_and_sample_order(tmp_path):
    params = {
        "electorate.information": {"low": 0.1, "high": 0.9},
        "politicians.optimization_pressure": {"low": 1, "high": 64},
    }
    sob = build(
        load_spec(write(tmp_path, "s", design={"method": "sobol", "samples": 8}, parameters=params))
    )
    assert sob.problem["problem"]["names"] == list(params)
    assert sob.problem["scale"]["politicians.optimization_pressure"] == "log10"
    assert sob.sample.shape == (8 * (2 + 2), 2)  # N (D + 2) without second order
    assert np.allclose(sob.points["electorate.information"], np.round(sob.sample[:, 0], 12))
    pressure = sob.points["politicians.optimization_pressure"].to_numpy()
    assert (pressure == np.rint(10 ** sob.sample[:, 1])).all()
    mor = build(
        load_spec(
            write(
                tmp_path,
                "m",
                design={"method": "morris", "samples": 3, "levels": 4},
                parameters=params,
            )
        )
    )
    assert mor.sample.shape == (3 * 3, 2)  # r (D + 1)
    assert mor.problem["options"]["num_levels"] == 4


def test_sobol_store_aligns_outputs_with_the_sample(tmp_path):
    spec = write(
        tmp_path,
        "s",
        design={"method": "sobol", "samples": 2},
        parameters={"electorate.information": {"low": 0.1, "high": 0.9}},
        replications=2,
        record={"metrics": ["welfare"]},
    )
    run_sweep(spec, tmp_path / "out", executor="sequential", progress=progress_bar(quiet=True))
    res = load(tmp_path / "out")
    assert res.problem.X.shape == (6, 1)
    y = res.problem.y(res.summary, "welfare_mean")
    by_hand = res.summary.groupby("point")["welfare_mean"].mean().to_numpy()
    assert np.array_equal(y, by_hand) and len(y) == 6


def crossed(tmp_path: Path) -> Path:
    """2 scenarios x 2 information levels x 3 replications x 2 interventions: 24 runs."""
    return write(
        tmp_path,
        "x",
        scenario=None,
        scenarios=["baseline_democracy-v1", "low_information_electorate-v1"],
        parameters={"electorate.information": [0.2, 0.8]},
        interventions={
            "status_quo": {},
            "approval": {"politicians.strategy": "approval_maximizer"},
        },
        replications=3,
    )


def test_run_table_crosses_scenarios_interventions_and_replications(tmp_path):
    spec = crossed(tmp_path)
    sweep = load_spec(spec)
    table, _ = runs(sweep, build(sweep))
    assert len(table) == 2 * 2 * 3 * 2
    assert table["run_id"].tolist() == list(range(24))
    assert set(PARAMS) <= set(table.columns)
    pairs = table.groupby(["scenario", "point", "replication"])
    assert (pairs["seed"].nunique() == 1).all()  # common random numbers across interventions
    assert table.groupby("intervention")["seed"].nunique().eq(12).all()
    approval = table[table["intervention"] == "approval"]
    assert set(approval["politicians.strategy"]) == {"approval_maximizer"}


def test_each_run_gets_its_own_overrides_and_replications_share_one_config(tmp_path):
    """The driver validates a design point's overrides once (`plan.tasks`); every run's
    Config is the one its own overrides give, in whatever order the runs are asked for."""
    from sim.scenario import load as load_scenario
    from sim.sweep import plan

    spec = crossed(tmp_path)
    run_sweep(spec, tmp_path / "s", "sequential", max_runs=1, progress=progress_bar(quiet=True))
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    design = pd.read_parquet(tmp_path / "s" / "design.parquet")
    order = np.random.default_rng(3).permutation(len(design))
    tasks = list(plan.tasks(manifest, design, design["run_id"].to_numpy()[order], "x"))
    by_id = design.set_index("run_id")
    shared: dict[tuple, object] = {}
    for task in tasks:
        row = by_id.loc[task.run_id]
        over = {"electorate.information": float(row["electorate.information"])}
        if row["intervention"] == "approval":
            over["politicians.strategy"] = "approval_maximizer"
        expect = load_scenario(row["scenario"]).with_overrides({**TINY_SET, **over})
        assert dict(task.config.values) == dict(expect.values), task.run_id
        key = (row["scenario"], row["point"], row["intervention"])
        assert shared.setdefault(key, task.config) is task.config
    assert len(shared) == 8 and len(tasks) == 24


SHIPPED = sorted(Path(__file__).resolve().parent.parent.glob("scenarios/sweeps/*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_sweep_specs_validate_and_build(path):
    sweep = load_spec(path)
    design = build(sweep)
    table, _ = runs(sweep, design)
    assert len(table) == len(design.points) * len(sweep.interventions) * sweep.spec.replications


def test_the_example_specs_ship():
    assert {p.stem for p in SHIPPED} >= {"demo", "goodhart_pressure", "oversight_design"}
