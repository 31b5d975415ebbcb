"""A tail probability as a sweep's outcome (spec `tail:`, sim/sweep/tail.py): the section is
checked before anything runs (one line, exit 2, the spec file and the field), each run is one
estimator call whose tail_* columns land in the summary identically on every executor (a real
process pool and a real Dask LocalCluster), a crashing run is data, --resume skips finished
runs, rerun reproduces a run, and the tail_probability figure draws it with its finding."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sim.sweep import load, run_sweep
from sim.sweep.runner import progress_bar
from sim.sweep.store import part_files
from sim.sweep.tail import COLUMNS
from sim.sweep.task import FAULTS_ENV

TAIL = {
    "scenario": "ai_control_protocols-v1",
    "set": {"electorate": {"n_voters": 50}, "ai_agents": {"count": 4}},
    "steps": 8,
    "parameters": {"ai_agents.kl_budget": [0.01, 1.0]},
    "interventions": {"trusted": {}, "unmonitored": {"ai_agents.protocol": "none"}},
    "seed": 3,
    "tail": {"event": "catastrophes >= 1", "by_step": 8, "method": "ams", "budget": 12},
}  # 4 runs of 12 AMS particles over 8 steps: ~0.2 s each


def write(tmp_path, name: str = "tail", **fields):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TAIL, **fields}, sort_keys=False))
    return path


def sweep(spec, out, **kw):
    kw.setdefault("executor", "sequential")
    return run_sweep(spec, out, progress=progress_bar(quiet=True), **kw)


def outcomes(out) -> pd.DataFrame:
    return load(out).summary.drop(columns="elapsed_s")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tail sweep run sequentially: (store folder, its summary without wall times)."""
    root = tmp_path_factory.mktemp("tail-ref")
    sweep(write(root), root / "out")
    return root / "out", outcomes(root / "out")


# ---- the spec's tail section is checked before anything runs -----------------------------

TAIL_ERRORS = [
    ({"budgt": 12}, "tail.budgt: unknown field; did you mean 'budget'?"),
    ({"method": "amss"}, "tail.method: unknown method 'amss' (allowed: ams, is, mc); did you "
                         "mean 'ams'?"),
    ({"budget": 1}, "tail.budget: 1 is too small (allowed: an integer >= 2)"),
    ({"event": "catastrophs >= 1"}, "tail.event: unknown metric 'catastrophs'"),
    ({"event": "catastrophes >= x"}, "tail.event: 'x' in 'catastrophes >= x' is not a finite"),
    ({"by_step": 50}, "tail.by_step: step 50 is outside the run of ai_control_protocols-v1 (8 "
                      "steps)"),
    ({"event": "catastrophes == 1"}, "tail.method: no importance function for the event"),
    ({"event": "capture_index >= 0.5"}, "tail.event: metric 'capture_index' is not measured"),
]  # fmt: skip


@pytest.mark.parametrize(("tail", "message"), TAIL_ERRORS, ids=lambda v: str(v)[:30])
def test_a_bad_tail_section_is_one_line_exit_2_naming_the_file_and_field(
    tmp_path, cli, tail, message
):
    spec, out = write(tmp_path, tail={**TAIL["tail"], **tail}), tmp_path / "out"
    code, _, err = cli("sweep", str(spec), "--out", str(out), "--executor", "sequential")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"error: {spec}: ") and message in lines[0], lines[0]
    assert not out.exists()  # nothing written


def test_every_design_point_is_checked_and_record_is_refused(tmp_path, cli):
    """ai_agents.count = 0 switches the event's component off at one design point only; a
    tail sweep records no metrics or series, so `record` is refused."""
    spec = write(tmp_path, parameters={"ai_agents.count": [4, 0]}, set={"electorate":
                 {"n_voters": 50}})  # fmt: skip
    code, _, err = cli("sweep", str(spec), "--out", str(tmp_path / "out"))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    where = "design point 1 (ai_agents.count=0), intervention trusted: tail.event: "
    assert f"error: {spec}: {where}metric 'catastrophes' is not measured" in err, err
    spec = write(tmp_path, "rec", record={"every": 2})
    code, _, err = cli("sweep", str(spec), "--out", str(tmp_path / "out"))
    assert code == 2 and f"{spec}: record: a tail sweep stores" in err, err
    assert not (tmp_path / "out").exists()


# ---- running: every executor, failures, resume, rerun --------------------------------------


def test_processes_and_dask_store_the_same_tail_outcomes_and_a_crash_is_data(
    tmp_path, monkeypatch, reference
):
    """Run 1 fails by the runner's fault hook; the other runs' tail_* columns are bit for bit
    the sequential reference's, on a real process pool and a real LocalCluster."""
    _, ref = reference
    spec = write(tmp_path)
    monkeypatch.setenv(FAULTS_ENV, "1")
    for executor in ("processes", "dask"):
        out = tmp_path / executor
        _, manifest = sweep(spec, out, executor=executor, workers=2)
        assert manifest["status"] == "failures" and manifest["counts"]["done"] == 3
        res = load(out)
        assert res.failures["run_id"].tolist() == [1]
        assert res.failures["error"].str.startswith("InjectedFault").all()
        got = outcomes(out)
        pd.testing.assert_frame_equal(got, ref[ref["run_id"] != 1].reset_index(drop=True),
                                      check_exact=True)  # fmt: skip
        assert manifest["sessions"][-1]["executor"] == executor
    assert list(ref.columns[-len(COLUMNS) :]) == list(COLUMNS)
    assert (ref["tail_method"] == "ams").all() and (ref["tail_status"] == "done").all()
    assert ((ref["tail_ci_lo"] <= ref["tail_p"]) & (ref["tail_p"] <= ref["tail_ci_hi"])).all()
    assert (ref["tail_model_steps"] > 0).all() and ref["tail_p"].between(0, 1).all()
    assert ref.loc[ref["ai_agents.kl_budget"] == 1.0, "tail_p"].min() > ref.loc[
        ref["ai_agents.kl_budget"] == 0.01, "tail_p"].max()  # fmt: skip
    assert ref["seed"].nunique() == 2  # interventions share a point's seed (paired)


def test_the_manifest_and_parts_record_the_tail_request(reference):
    store, _ = reference
    man = load(store).manifest
    assert man["tail"]["event"] == "catastrophes >= 1" and man["tail"]["budget"] == 12
    assert man["tail"]["budget_use"] == {"particles": 12, "killed_per_iteration": 1,
                                         "max_iterations": 100_000}  # fmt: skip
    assert man["tail"]["columns"] == list(COLUMNS) and man["metrics"] == []
    meta = pq.read_schema(part_files(store, "summary")[0]).metadata[b"instalign"]
    assert b'"tail"' in meta and load(store).series is None


def test_the_run_seed_drives_the_estimate(reference):
    """Same seed: the same estimate as one direct call; another seed: another estimate."""
    from sim.scenario import load as load_scenario
    from sim.sweep.tail import Request, estimate

    _, ref = reference
    row = ref[ref["ai_agents.kl_budget"] == 1.0].iloc[0]  # hits: paths stop at different steps
    over = {"electorate.n_voters": 50, "ai_agents.count": 4, "steps": 8,
            "ai_agents.kl_budget": float(row["ai_agents.kl_budget"])}  # fmt: skip
    config = load_scenario("ai_control_protocols-v1", over)
    req = Request("catastrophes >= 1", 8, "ams", 12)
    same = estimate(req, config, int(row["seed"]))
    assert all(same[c] == row[c] for c in COLUMNS)
    other = [estimate(req, config, int(row["seed"]) + k) for k in (1, 2, 3)]
    assert any(o != same for o in other)


def test_resume_runs_only_what_is_missing(tmp_path, reference):
    _, ref = reference
    spec, out = write(tmp_path), tmp_path / "out"
    _, first = sweep(spec, out, max_runs=2, flush_seconds=0.0)
    assert first["status"] == "partial" and first["counts"]["done"] == 2
    parts = {p: p.read_bytes() for p in part_files(out, "summary")}
    _, second = sweep(spec, out, resume=True)
    assert second["status"] == "complete" and [s["ran"] for s in second["sessions"]] == [2, 2]
    assert all(p.read_bytes() == b for p, b in parts.items())
    pd.testing.assert_frame_equal(outcomes(out), ref, check_exact=True)


def test_rerun_reproduces_a_tail_run_and_detects_a_change(tmp_path, cli):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out)
    code, stdout, err = cli("rerun", str(out), "2")
    assert code == 0 and "reproduces bit for bit" in " ".join(stdout.split()), stdout + err
    code, _, err = cli("rerun", str(out), "2", "--out", str(tmp_path / "r.parquet"))
    assert code == 2 and "no time series" in err
    part = part_files(out, "summary")[0]
    frame = pq.read_table(part).to_pandas()
    frame.loc[frame["run_id"] == 2, "tail_p"] *= 1 + 1e-12
    frame.to_parquet(part)
    code, stdout, _ = cli("rerun", str(out), "2")
    assert code == 1 and "tail_p" in stdout


def test_a_plain_spec_keeps_its_identity():
    """Adding the optional section must not change the identity of existing stores' specs
    (else --resume would refuse them as another sweep)."""
    import hashlib
    import json

    from sim.sweep.spec import load_spec

    sweep_ = load_spec("scenarios/sweeps/demo.yaml")
    doc = sweep_.spec.model_dump(mode="json", exclude={"description", "tail"})
    blob = json.dumps(doc, sort_keys=True, default=str)
    assert sweep_.identity() == hashlib.sha256(blob.encode()).hexdigest()


# ---- the figure ----------------------------------------------------------------------------


def test_the_figure_draws_one_line_per_intervention_on_a_log_axis_with_a_finding(reference):
    from analysis import metadata
    from analysis.build import build
    from analysis.export import with_caption
    from analysis.storeio import open_store

    store, ref = reference
    f = open_store(store)
    assert list(build(f).figures) == ["tail_probability"]  # a tail store's default set
    built = build(f, ["tail_probability"])
    assert not built.errors and not built.skipped, (built.errors, built.skipped)
    df, fig = built.data["tail_probability"], built.figures["tail_probability"]
    assert df.attrs["x"] == "ai_agents.kl_budget" and df.attrs["others"] == ["intervention"]
    assert len(df) == 4 and (df["n"] == 1).all()
    row = df[(df["intervention"] == "unmonitored") & (df["ai_agents.kl_budget"] == 0.01)]
    stored = ref[(ref["intervention"] == "unmonitored") & (ref["ai_agents.kl_budget"] == 0.01)]
    assert row["p"].item() == stored["tail_p"].item()  # per design point, never pooled
    assert fig.layout.yaxis.type == "log"
    lines = [t for t in fig.data if t.error_y is not None and t.error_y.array is not None]
    assert sorted(t.name for t in lines) == ["trusted", "unmonitored"]
    said = df.attrs["finding"]
    assert said.startswith("P(catastrophes >= 1 by step 8) ") and said.endswith(".")
    assert "(intervention trusted); " in said and said.endswith("(intervention unmonitored).")
    caption = metadata.caption(metadata.provenance(f, "tail_probability"))
    shown = with_caption(fig, caption)
    assert any("sweep tail (" in (a.text or "") for a in shown.layout.annotations), caption


def test_the_figure_pools_monte_carlo_replications_and_marks_zero_estimates():
    """Two MC replications of 100 paths with 0 and 2 hits pool to 2/200 with the exact
    interval; a point with no hit at all is drawn at its upper bound."""
    from scipy.stats import binomtest

    from analysis.data import Frames
    from analysis.figures import FIGURES

    design = pd.DataFrame({"run_id": range(4), "intervention": "none", "x.p": [1, 1, 2, 2]})
    ps, his = [0.0, 0.02, 0.0, 0.0], [0.0362, 0.0704, 0.0362, 0.0362]
    out = pd.DataFrame({"run_id": range(4), "tail_p": ps, "tail_ci_lo": 0.0, "tail_ci_hi": his,
                        "tail_rel_error": math.inf, "tail_ess": 100.0, "tail_model_steps": 10,
                        "tail_bits": math.inf, "tail_method": "mc",
                        "tail_status": "done"})  # fmt: skip
    f = Frames(design, pd.DataFrame({"run_id": range(4)}), params=["x.p"], outcomes=out,
               manifest={"tail": {"event": "catastrophes >= 1", "by_step": 5}})  # fmt: skip
    mod = FIGURES["tail_probability"]
    df = mod.data(f)
    ci = binomtest(2, 200).proportion_ci(0.95, method="exact")
    first = df[df["x.p"] == 1].iloc[0]
    assert first["n"] == 2 and first["p"] == 0.01
    assert np.isclose(first["lo"], ci.low) and np.isclose(first["hi"], ci.high)
    assert df[df["x.p"] == 2].iloc[0]["p"] == 0.0
    assert "0 (below" in df.attrs["finding"]
    fig = mod.draw(df)
    zero = [t for t in fig.data if t.marker.symbol == "triangle-down"]
    assert len(zero) == 1 and list(zero[0].y) == [pytest.approx(ci_hi(0, 200))]
    assert mod.NEEDS.missing(Frames(design, pd.DataFrame({"run_id": range(4)}),
                                    params=["x.p"])) is not None  # fmt: skip


def ci_hi(hits: int, n: int) -> float:
    """The exact upper bound the figure gives a point of `hits` in `n` pooled MC paths."""
    from scipy.stats import binomtest

    return float(binomtest(hits, n).proportion_ci(0.95, method="exact").high)
