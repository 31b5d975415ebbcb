"""Running sweeps: every executor gives identical results, event tables and failures; failures
are data; a killed worker, Ctrl-C or a killed driver loses no finished run and --resume
completes the sweep; rerun is bit for bit.

The fault tests provoke their fault at a chosen run instead of waiting for a long sweep to be
half done: `faulty` replaces the task function the runner dispatches and, at run `at`,
SIGKILLs its own worker process, sends the driver a Ctrl-C, or never returns. The processes are
real (a spawned pool, a LocalCluster, a driver killed with SIGKILL); only the timing is fixed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim.sweep import load, run_sweep, runner
from sim.sweep.runner import progress_bar
from sim.sweep.store import part_files
from sim.sweep.task import FAULTS_ENV, execute

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
FAULT_RUNS = 40  # TINY with 5 replications: more runs than a pool keeps in flight
TESTS = Path(__file__).resolve().parent


def write(tmp_path: Path, name: str = "tiny", **fields) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TINY, **fields}, sort_keys=False))
    return path


def sweep(spec: Path, out: Path, **kw):
    return run_sweep(spec, out, progress=progress_bar(quiet=True), **kw)


def results(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = load(out)
    return res.summary.drop(columns="elapsed_s"), res.series.frame()


def events(out: Path) -> dict[str, pd.DataFrame]:
    res = load(out)
    return {name: res.events(name) for name in res.event_tables}


def stored_parts(out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in part_files(out, "summary")}


def load_done(parts: dict[Path, bytes]) -> int:
    return sum(len(pq.read_table(p)) for p in parts)


def stored_ids(parts: dict[Path, bytes]) -> list[int]:
    return sorted(i for p in parts for i in pq.read_table(p).column("run_id").to_pylist())


# ---- fault injection ---------------------------------------------------------------------


def faulty(action: str, at: int) -> ByValue:
    """`sim.sweep.task.execute` with a fault at run `at`: "kill" SIGKILLs the worker process
    running it, "interrupt" sends the driver (the process that made this function; a
    worker's parent is the forkserver) a Ctrl-C and then runs, "hang" never returns (the
    worker exits when its driver dies)."""
    driver = os.getpid()

    def task_fn(task):
        if task.run_id == at:
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif action == "interrupt":
                os.kill(driver, signal.SIGINT)
            elif action == "hang":
                time.sleep(600)
        return execute(task)

    return ByValue(task_fn)


class ByValue:
    """A function that travels to spawned workers by value (cloudpickle, a dask dependency),
    so a worker imports only what a real worker imports (`sim.sweep.task`), not this module."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)

    def __reduce__(self):
        return cloudpickle.loads, (cloudpickle.dumps(self.fn),)


def inject(monkeypatch, action: str, at: int) -> None:
    monkeypatch.setattr(runner, "execute", faulty(action, at))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The FAULT_RUNS-run sweep the fault tests interrupt, run sequentially without faults."""
    root = tmp_path_factory.mktemp("reference")
    sweep(write(root, replications=5), root / "out", executor="sequential")
    return results(root / "out")


def check_resume(spec: Path, out: Path, stored: dict[Path, bytes], reference) -> None:
    """--resume (sequential: executors are interchangeable) runs exactly what is missing,
    leaves the stored parts alone and ends with the uninterrupted sweep's results."""
    done_before = load_done(stored)
    assert 0 < done_before < FAULT_RUNS
    _, manifest = sweep(spec, out, executor="sequential", resume=True)
    res = load(out)
    assert sorted(res.summary["run_id"]) == list(range(FAULT_RUNS)) and res.failures.empty
    assert manifest["sessions"][-1]["ran"] == FAULT_RUNS - done_before
    assert all(p.read_bytes() == b for p, b in stored.items())
    for got, ref in zip(results(out), reference, strict=True):
        pd.testing.assert_frame_equal(got, ref, check_exact=True)


# ---- executors -----------------------------------------------------------------------------


def test_sequential_processes_and_dask_give_identical_results(tmp_path, monkeypatch):
    """Summary, series, event tables and failures (run 3 fails by the runner's fault hook) are
    identical whatever the executor and worker count: runs computed in spawned interpreters
    (each with its own hash seed) equal the in-process ones. A real pool, a real LocalCluster."""
    interventions = {"hunters": {}, "maximizers": {"politicians.strategy": "approval_maximizer"}}
    spec = write(tmp_path, "ov", **{**OVERSIGHT, "interventions": interventions, "replications": 2})
    monkeypatch.setenv(FAULTS_ENV, "3")
    ref = None
    for executor, workers in (("sequential", None), ("processes", 2), ("dask", 2)):
        out = tmp_path / executor
        _, manifest = sweep(spec, out, executor=executor, workers=workers)
        assert manifest["status"] == "failures" and manifest["counts"]["done"] == 7
        summary, series = results(out)
        assert len(summary) == 7 and len(series) == 7 * 4  # steps 0, 10, 20, 30
        got = (summary, series, load(out).failures[["run_id", "error"]], events(out))
        if ref is None:
            ref = got
            continue
        for a, b in zip(got[:3], ref[:3], strict=True):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert sorted(got[3]) == sorted(ref[3]) == ["detections", "offenders"]
        for name in ref[3]:
            pd.testing.assert_frame_equal(got[3][name], ref[3][name], check_exact=True)
    assert manifest["sessions"][0]["executor"] == "dask"
    assert (
        ref[2]["run_id"].tolist() == [3] and ref[2]["error"].str.startswith("InjectedFault").all()
    )
    off, det = ref[3]["offenders"], ref[3]["detections"]
    for table in (off, det):
        assert table.attrs["runs"] == [0, 1, 2, 4, 5, 6, 7]
        assert set(table["run_id"]) == {0, 1, 2, 4, 5, 6, 7}  # every finished run has events
    assert off["detected_step"].notna().sum() == len(det) > 0
    assert (off["detected_step"].isna()).any()  # open spells: censored at the end
    assert (off["end_step"] == 30).all() and set(det["layer"]) <= {1, 2}


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
    parts = stored_parts(out)
    _, second = sweep(spec, out, executor="sequential", resume=True)
    assert second["status"] == "complete" and second["counts"]["done"] == 16
    assert [s["ran"] for s in second["sessions"]] == [6, 10]
    assert all(p.read_bytes() == b for p, b in parts.items())  # session 1 parts untouched
    ids = [pq.read_table(p).column("run_id").to_pylist() for p in part_files(out, "summary")]
    assert sorted(i for part in ids for i in part) == list(range(16))  # every run exactly once
    sweep(spec, tmp_path / "ref", executor="sequential")
    for got, ref in zip(results(out), results(tmp_path / "ref"), strict=True):
        pd.testing.assert_frame_equal(got, ref, check_exact=True)


# ---- faults --------------------------------------------------------------------------------


def test_a_crashing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch, cli):
    spec, out = write(tmp_path), tmp_path / "out"
    monkeypatch.setenv(FAULTS_ENV, "3,7")
    args = ("sweep", str(spec), "--out", str(out), "--executor", "sequential", "--quiet")
    code, _, err = cli(*args)
    assert code == 10 + 2, err  # exit code 10 + number of failed runs
    res = load(out)
    assert res.failures["run_id"].tolist() == [3, 7]
    assert res.failures["error"].str.startswith("InjectedFault").all()
    assert res.failures["traceback"].str.contains("raise InjectedFault").all()
    assert len(res.summary) == 14 and res.manifest["status"] == "failures"
    assert res.manifest["sessions"][0]["faults"] == [3, 7]
    monkeypatch.delenv(FAULTS_ENV)
    code, _, err = cli(*args, "--resume")
    assert code == 0, err
    res = load(out)
    assert res.failures.empty and len(res.summary) == 16
    assert res.manifest["sessions"][1]["ran"] == 2


def test_a_killed_worker_loses_no_finished_run_and_resume_completes(
    tmp_path, monkeypatch, cli, reference
):
    spec, out = write(tmp_path, replications=5), tmp_path / "out"
    inject(monkeypatch, "kill", at=9)  # a real SIGKILL of the worker as it starts run 9
    argv = ("sweep", str(spec), "--out", str(out), "--workers", "1", "--flush-seconds", "0")
    code, _, err = cli(*argv, "--quiet")
    assert code == 3, err
    assert "worker process died" in err
    manifest = load(out).manifest
    assert manifest["status"] == "incomplete"
    stored = stored_parts(out)
    assert manifest["counts"]["done"] == load_done(stored)
    assert stored_ids(stored) == list(range(9))  # every run the worker finished is stored
    monkeypatch.setattr(runner, "execute", execute)
    check_resume(spec, out, stored, reference)


def test_ctrl_c_finishes_the_runs_in_flight_and_resume_completes(
    tmp_path, monkeypatch, cli, reference
):
    spec, out = write(tmp_path, replications=5), tmp_path / "out"
    inject(monkeypatch, "interrupt", at=4)  # the worker sends this process (the driver) SIGINT
    argv = ("sweep", str(spec), "--out", str(out), "--workers", "1", "--flush-seconds", "0")
    code, _, err = cli(*argv, "--quiet")
    assert code == 130, err
    manifest = load(out).manifest
    assert manifest["status"] == "interrupted"
    stored = stored_parts(out)
    done = load_done(stored)
    assert manifest["counts"]["done"] == done == manifest["sessions"][-1]["ran"]
    # runs are dispatched in order, 8 per worker in flight: all of them were finished and stored
    assert stored_ids(stored) == list(range(done)) and done >= 8
    monkeypatch.setattr(runner, "execute", execute)
    check_resume(spec, out, stored, reference)


HANGING_DRIVER = """\
import sys
sys.path.insert(0, {tests!r})
import test_sweep_run
from sim.sweep import runner
runner.execute = test_sweep_run.faulty("hang", {at})
from sim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_killed_driver_leaves_a_resumable_store_and_no_orphan_workers(tmp_path, reference):
    """The real `instalign sweep` in its own process (run 2 never returns, so the driver is
    still running), killed with SIGKILL once results are on disk."""
    spec, out = write(tmp_path, replications=5), tmp_path / "out"
    code = HANGING_DRIVER.format(tests=str(TESTS), at=2)
    log = tmp_path / "driver.log"  # a file, not a pipe: an orphan would hold a pipe open
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "sweep", str(spec), "--out", str(out),
             "--workers", "1", "--flush-seconds", "0", "--quiet"],
            stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    end = time.monotonic() + 120
    while not part_files(out, "summary"):
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < end, "no results stored in time"
        time.sleep(0.05)
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert workers, "no pool worker found"
    proc.kill()  # SIGKILL: no handler runs, buffered results are lost, parts on disk stay
    proc.wait(timeout=30)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "pool workers outlived the driver"
    check_resume(spec, out, stored_parts(out), reference)


# ---- reading and rerunning a store ---------------------------------------------------------


def test_rerun_reproduces_a_run_bit_for_bit(tmp_path, cli):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, executor="sequential")
    target = tmp_path / "run13.parquet"
    code, stdout, err = cli("rerun", str(out), "13", "--out", str(target))
    assert code == 0, stdout + err
    assert "reproduces bit for bit" in " ".join(stdout.split())
    full = pq.read_table(target).to_pandas()
    assert full["step"].tolist() == list(range(13))  # the full series, every step
    stored = load(out).series.frame([13]).drop(columns="run_id")
    recorded = full[full["step"].isin(stored["step"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(recorded[stored.columns], stored, check_exact=True)
    meta = pq.read_schema(target).metadata[b"instalign"]
    assert b'"seed"' in meta


def test_rerun_detects_a_changed_result(tmp_path, cli):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, executor="sequential")
    part = part_files(out, "summary")[0]
    frame = pq.read_table(part).to_pandas()
    frame.loc[frame["run_id"] == 2, "welfare_final"] += 1e-15
    frame.to_parquet(part)
    code, stdout, _ = cli("rerun", str(out), "2")
    assert code == 1
    assert "welfare_final" in stdout and "differs" in stdout


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


def test_rerun_checks_the_event_tables(tmp_path, cli):
    spec, out = write(tmp_path, "ov", **OVERSIGHT), tmp_path / "out"
    sweep(spec, out, executor="sequential")
    code, stdout, _ = cli("rerun", str(out), "4")
    assert code == 0 and "reproduces bit for bit" in " ".join(stdout.split()), stdout
    part = part_files(out, "events/detections")[0]
    table = pq.read_table(part)
    frame = table.to_pandas()
    frame.loc[frame.index[frame["run_id"] == 4][0], "delay"] += 1
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(
        table.schema.metadata), part)  # fmt: skip
    code, stdout, _ = cli("rerun", str(out), "4")
    assert code == 1 and "event table detections" in stdout, stdout
