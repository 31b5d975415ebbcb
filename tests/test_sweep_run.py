"""Running sweeps: every executor gives identical results; failures are data; a killed worker
or Ctrl-C loses no finished run and --resume completes the sweep; rerun is bit for bit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim.sweep import load, run_sweep
from sim.sweep.runner import progress_bar
from sim.sweep.store import part_files
from sim.sweep.task import FAULTS_ENV

TINY = {
    "scenario": "baseline_democracy-v1",
    "set": {"electorate": {"n_voters": 300}, "elections": {"interval": 5}},
    "steps": 12,
    "parameters": {"electorate.information": [0.2, 0.8], "electorate.polarization": [0.0, 0.6]},
    "interventions": {"hunters": {}, "maximizers": {"politicians.strategy": "approval_maximizer"}},
    "replications": 2,
    "seed": 11,
    "record": {"every": 4},
}  # 16 runs, ~10 ms each


def write(tmp_path: Path, name: str = "tiny", **fields) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TINY, **fields}, sort_keys=False))
    return path


def sweep(spec: Path, out: Path, **kw):
    return run_sweep(spec, out, progress=progress_bar(quiet=True), **kw)


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "sim.cli", *args]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw
    )


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def results(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = load(out)
    return res.summary.drop(columns="elapsed_s"), res.series.frame()


def test_sequential_processes_and_dask_give_identical_results(tmp_path):
    spec = write(tmp_path)
    ref_summary, ref_series = None, None
    for executor, workers in (("sequential", None), ("processes", 3), ("dask", 2)):
        out = tmp_path / executor
        _, manifest = sweep(spec, out, executor=executor, workers=workers)
        assert manifest["status"] == "complete" and manifest["counts"]["done"] == 16
        summary, series = results(out)
        assert len(summary) == 16 and len(series) == 16 * 4  # steps 0, 4, 8, 12
        if ref_summary is None:
            ref_summary, ref_series = summary, series
            continue
        pd.testing.assert_frame_equal(summary, ref_summary, check_exact=True)
        pd.testing.assert_frame_equal(series, ref_series, check_exact=True)
    assert manifest["sessions"][0]["executor"] == "dask"


def test_common_random_numbers_pair_interventions_exactly(tmp_path):
    spec = write(tmp_path, interventions={"a": {}, "b": {"electorate.memory": 0.5}})  # default
    sweep(spec, tmp_path / "out", executor="sequential")
    s = load(tmp_path / "out").summary
    a = s[s.intervention == "a"].set_index(["point", "replication"])
    b = s[s.intervention == "b"].set_index(["point", "replication"])
    assert (a["seed"] == b["seed"]).all()
    assert (a["welfare_mean"] - b["welfare_mean"]).abs().max() == 0.0  # same world, same draws
    assert a["welfare_mean"].nunique() == len(a)  # but replications differ


def test_resume_completes_without_recomputing_finished_runs(tmp_path):
    spec, out = write(tmp_path), tmp_path / "out"
    _, first = sweep(spec, out, executor="sequential", max_runs=6)
    assert first["status"] == "partial" and first["counts"]["done"] == 6
    parts = {p: p.read_bytes() for p in part_files(out, "summary")}
    _, second = sweep(spec, out, executor="sequential", resume=True)
    assert second["status"] == "complete" and second["counts"]["done"] == 16
    assert [s["ran"] for s in second["sessions"]] == [6, 10]
    assert all(p.read_bytes() == b for p, b in parts.items())  # session 1 parts untouched
    ids = [pq.read_table(p).column("run_id").to_pylist() for p in part_files(out, "summary")]
    assert sorted(i for part in ids for i in part) == list(range(16))  # every run exactly once
    sweep(spec, tmp_path / "ref", executor="sequential")
    for got, ref in zip(results(out), results(tmp_path / "ref"), strict=True):
        pd.testing.assert_frame_equal(got, ref, check_exact=True)


def test_a_crashing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    spec, out = write(tmp_path), tmp_path / "out"
    env = {**os.environ, FAULTS_ENV: "3,7"}
    code, err = finish(cli("sweep", str(spec), "--out", str(out), "--workers", "2", env=env))
    assert code == 10 + 2, err  # exit code 10 + number of failed runs
    res = load(out)
    assert res.failures["run_id"].tolist() == [3, 7]
    assert res.failures["error"].str.startswith("InjectedFault").all()
    assert res.failures["traceback"].str.contains("raise InjectedFault").all()
    assert len(res.summary) == 14 and res.manifest["status"] == "failures"
    assert res.manifest["sessions"][0]["faults"] == [3, 7]
    env.pop(FAULTS_ENV)
    resume = ("--resume", "--executor", "sequential")
    code, err = finish(cli("sweep", str(spec), "--out", str(out), *resume, env=env))
    assert code == 0, err
    res = load(out)
    assert res.failures.empty and len(res.summary) == 16
    assert res.manifest["sessions"][1]["ran"] == 2


SLOW_RUNS = 200


def _slow_spec(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "slow",
        set={"electorate": {"n_voters": 1000}},
        steps=40,
        parameters={"electorate.information": {"low": 0.1, "high": 0.9, "num": 5}},
        interventions={},
        replications=SLOW_RUNS // 5,
    )  # SLOW_RUNS runs of ~10 ms


def _wait_for_results(out: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not part_files(out, "summary"):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < end, "no results stored in time"
        time.sleep(0.05)


def _check_resume(spec: Path, out: Path, stored_before: dict[Path, bytes]) -> None:
    done_before = sum(len(pq.read_table(p)) for p in stored_before)
    assert 0 < done_before < SLOW_RUNS
    code, err = finish(cli("sweep", str(spec), "--out", str(out), "--resume", "--workers", "2"))
    assert code == 0, err
    res = load(out)
    assert sorted(res.summary["run_id"]) == list(range(SLOW_RUNS)) and res.failures.empty
    assert res.manifest["sessions"][-1]["ran"] == SLOW_RUNS - load_done(stored_before)
    assert all(p.read_bytes() == b for p, b in stored_before.items())


def load_done(parts: dict[Path, bytes]) -> int:
    return sum(len(pq.read_table(p)) for p in parts)


def test_a_killed_worker_loses_no_finished_run_and_resume_completes(tmp_path):
    spec, out = _slow_spec(tmp_path), tmp_path / "out"
    proc = cli("sweep", str(spec), "--out", str(out), "--workers", "2", "--flush-seconds", "0.1")
    _wait_for_results(out, proc)
    workers = [
        c for c in psutil.Process(proc.pid).children(recursive=True)
        if "spawn_main" in " ".join(c.cmdline()) and "resource_tracker" not in " ".join(c.cmdline())
    ]  # fmt: skip
    assert workers, "no pool worker found"
    os.kill(workers[0].pid, signal.SIGKILL)
    code, err = finish(proc)
    assert code == 3, err.replace("\r", "\n")[-3000:]
    assert "worker process died" in err
    manifest = load(out).manifest
    assert manifest["status"] == "incomplete"
    stored = {p: p.read_bytes() for p in part_files(out, "summary")}
    assert manifest["counts"]["done"] == load_done(stored)
    _check_resume(spec, out, stored)


def test_ctrl_c_keeps_finished_runs_and_resume_completes(tmp_path):
    spec, out = _slow_spec(tmp_path), tmp_path / "out"
    proc = cli("sweep", str(spec), "--out", str(out), "--workers", "2", "--flush-seconds", "0.1")
    _wait_for_results(out, proc)
    proc.send_signal(signal.SIGINT)
    code, err = finish(proc)
    assert code == 130, err
    manifest = load(out).manifest
    assert manifest["status"] == "interrupted"
    stored = {p: p.read_bytes() for p in part_files(out, "summary")}
    assert manifest["counts"]["done"] == load_done(stored)
    _check_resume(spec, out, stored)


def test_rerun_reproduces_a_run_bit_for_bit(tmp_path):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, executor="sequential")
    target = tmp_path / "run13.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "rerun", str(out), "13", "--out", str(target)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "reproduces bit for bit" in proc.stdout
    full = pq.read_table(target).to_pandas()
    assert full["step"].tolist() == list(range(13))  # the full series, every step
    stored = load(out).series.frame([13]).drop(columns="run_id")
    recorded = full[full["step"].isin(stored["step"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(recorded[stored.columns], stored, check_exact=True)
    meta = pq.read_schema(target).metadata[b"instalign"]
    assert b'"seed"' in meta


def test_rerun_detects_a_changed_result(tmp_path):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, executor="sequential")
    part = part_files(out, "summary")[0]
    frame = pq.read_table(part).to_pandas()
    frame.loc[frame["run_id"] == 2, "welfare_final"] += 1e-15
    frame.to_parquet(part)
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "rerun", str(out), "2"], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "welfare_final" in proc.stdout and "differs" in proc.stdout


def test_loader_survives_a_partial_store(tmp_path):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, executor="sequential", flush_seconds=0.0)  # one part per run
    parts = part_files(out, "summary")
    assert len(parts) == 16
    parts[0].unlink()
    parts[1].write_bytes(b"not parquet")
    with pytest.warns(UserWarning, match="unreadable part"):
        res = load(out)
    assert len(res.summary) == 14 and sorted(res.missing) == sorted(
        set(range(16)) - set(res.summary["run_id"])
    )
    assert set(res.series.frame()["run_id"]) == set(res.summary["run_id"])


def test_a_killed_driver_leaves_a_resumable_store_and_no_orphan_workers(tmp_path):
    spec, out = _slow_spec(tmp_path), tmp_path / "out"
    proc = cli("sweep", str(spec), "--out", str(out), "--workers", "2", "--flush-seconds", "0.1")
    _wait_for_results(out, proc)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()  # SIGKILL: no handler runs, buffered results are lost, parts on disk stay
    finish(proc)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "pool workers outlived the driver"
    stored = {p: p.read_bytes() for p in part_files(out, "summary")}
    _check_resume(spec, out, stored)


def test_stored_summary_equals_the_single_run_summary(tmp_path):
    from sim.run import run
    from sim.scenario import load as load_scenario

    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, executor="sequential")
    row = load(out).summary.iloc[5]
    over = {"electorate.information": row["electorate.information"],
            "electorate.polarization": row["electorate.polarization"],
            "politicians.strategy": row["politicians.strategy"],
            "electorate.n_voters": 300, "elections.interval": 5, "steps": 12}  # fmt: skip
    ref = run(load_scenario("baseline_democracy-v1", over), seed=int(row["seed"])).summary()
    for metric, stats in ref.items():
        for stat, value in stats.items():
            stored = row[f"{metric}_{stat}"]
            assert stored == value or (pd.isna(stored) and pd.isna(value)), (metric, stat)


OVERSIGHT = {
    "scenario": "patrol_vs_alarm-v1",
    "set": {"electorate": {"n_voters": 300}},
    "steps": 30,
    "parameters": {"oversight.audit_budget": [0.05, 0.3]},
    "interventions": {},
    "replications": 3,
    "seed": 5,
    "record": {"every": 10},
}  # 6 runs with oversight: ~150 detections and ~180 offence spells each


def events(out: Path) -> dict[str, pd.DataFrame]:
    res = load(out)
    return {name: res.events(name) for name in res.event_tables}


def test_event_tables_are_stored_and_identical_across_executors(tmp_path):
    spec = write(tmp_path, "ov", **OVERSIGHT)
    sweep(spec, tmp_path / "seq", executor="sequential")
    sweep(spec, tmp_path / "proc", executor="processes", workers=2)
    ref, got = events(tmp_path / "seq"), events(tmp_path / "proc")
    assert sorted(ref) == ["detections", "offenders"]
    for name in ref:
        assert ref[name].attrs["runs"] == list(range(6))
        assert set(ref[name]["run_id"]) == set(range(6))  # every run has events
        pd.testing.assert_frame_equal(got[name], ref[name], check_exact=True)
    off, det = ref["offenders"], ref["detections"]
    assert off["detected_step"].notna().sum() == len(det) > 0
    assert (off["detected_step"].isna()).any()  # open spells: censored at the end
    assert (off["end_step"] == 30).all() and set(det["layer"]) <= {1, 2}


def test_event_parts_resume_without_duplicates_and_survive_lost_parts(tmp_path):
    spec, out = write(tmp_path, "ov", **OVERSIGHT), tmp_path / "out"
    sweep(spec, out, executor="sequential", flush_seconds=0.0)  # one part per run
    sweep(spec, tmp_path / "ref", executor="sequential")
    part_files(out, "summary")[2].unlink()  # run 2: events stored, summary lost (a kill)
    _, manifest = sweep(spec, out, executor="sequential", resume=True)
    assert manifest["sessions"][-1]["ran"] == 1 and len(part_files(out, "events/offenders")) == 7
    for name, ref in events(tmp_path / "ref").items():
        pd.testing.assert_frame_equal(events(out)[name], ref, check_exact=True)
    part_files(out, "events/detections")[0].unlink()
    part_files(out, "events/detections")[0].write_bytes(b"not parquet")
    with pytest.warns(UserWarning, match="unreadable part"):
        det = load(out).events("detections")
    assert det.attrs["runs"] == [2, 3, 4, 5] and set(det["run_id"]) == {2, 3, 4, 5}


def test_rerun_checks_the_event_tables(tmp_path):
    spec, out = write(tmp_path, "ov", **OVERSIGHT), tmp_path / "out"
    sweep(spec, out, executor="sequential")
    rerun = [sys.executable, "-m", "sim.cli", "rerun", str(out), "4"]
    proc = subprocess.run(rerun, capture_output=True, text=True)
    assert proc.returncode == 0 and "reproduces bit for bit" in proc.stdout, proc.stdout
    part = part_files(out, "events/detections")[0]
    table = pq.read_table(part)
    frame = table.to_pandas()
    frame.loc[frame.index[frame["run_id"] == 4][0], "delay"] += 1
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(
        table.schema.metadata), part)  # fmt: skip
    proc = subprocess.run(rerun, capture_output=True, text=True)
    assert proc.returncode == 1 and "event table detections" in proc.stdout, proc.stdout
