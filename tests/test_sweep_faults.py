"""Hardening of the sweep store: every check comes before the first write (exit code 2 and no
folder); a full disk, a killed driver, truncated parts, a lost design or manifest lose no
stored run, and `--resume` then ends with exactly the results of an uninterrupted sweep.

The faults are real where it is cheap: the driver is the real `instalign sweep` in its own
process (sequential executor, so the driver runs the runs), paused at a chosen run until the
test says go; the disk fills up through the driver's file size limit (`ulimit -f`, set with
prlimit on the running process), the driver dies by SIGKILL. Only the timing is fixed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest
import yaml

from sim.errors import ConfigError
from sim.sweep import load, lock, run_sweep, runner, writer
from sim.sweep.runner import progress_bar
from sim.sweep.store import StoreWriteError, part_files
from sim.sweep.task import FAULTS_ENV

TINY = {
    "scenario": "baseline_democracy-v1",
    "set": {"electorate": {"n_voters": 100}},
    "steps": 8,
    "parameters": {"electorate.information": [0.2, 0.8], "electorate.polarization": [0.0, 0.6]},
    "interventions": {"hunters": {}, "maximizers": {"politicians.strategy": "approval_maximizer"}},
    "replications": 3,
    "seed": 11,
    "record": {"every": 3},
}  # 24 runs of ~15 ms
RUNS = 24
EVENTS = {
    **TINY,
    "scenario": "patrol_vs_alarm-v1",
    "parameters": {"oversight.audit_budget": [0.05, 0.3]},
    "replications": 2,
}  # 8 runs with oversight event tables (detections, offenders)

# the real CLI, paused at run {at} until the file {go} exists
DRIVER = """\
import os, sys, time
from sim.sweep import runner
from sim.sweep.task import execute

def paused(task):
    while task.run_id == {at} and not os.path.exists({go!r}):
        time.sleep(0.02)
    return execute(task)

runner.execute = paused
from sim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def write(folder: Path, name: str = "tiny", **fields) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TINY, **fields}, sort_keys=False))
    return path


def sweep(spec: Path, out: Path, **kw):
    kw.setdefault("executor", "sequential")
    return run_sweep(spec, out, progress=progress_bar(quiet=True), **kw)


def cli(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def one_line_error(proc, alone: bool = True) -> str:
    """The error line of a refused command (no traceback); `alone`: the only line (else the
    loader's warnings about other damaged parts may come first)."""
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and lines[-1].startswith("error: "), proc.stderr
    assert len(lines) == 1 or not alone, proc.stderr
    return lines[-1]


def results(out: Path) -> dict[str, pd.DataFrame]:
    res = load(out)
    frames = {"summary": res.summary.drop(columns="elapsed_s"), "series": res.series.frame()}
    frames.update({name: res.events(name) for name in res.event_tables})
    return frames


def assert_same_results(out: Path, reference: dict[str, pd.DataFrame]) -> None:
    got = results(out)
    assert sorted(got) == sorted(reference)
    for name, frame in reference.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)


def stored(out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in part_files(out, "summary")}


def stored_ids(parts) -> list[int]:
    return sorted(i for p in parts for i in pq.read_table(p).column("run_id").to_pylist())


def part_of(out: Path, run_id: int) -> str:
    """The file name of the flush that stored `run_id` (the same in every table)."""
    for path in part_files(out, "summary"):
        if run_id in pq.read_table(path).column("run_id").to_pylist():
            return path.name
    raise AssertionError(f"run {run_id} not stored")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, pd.DataFrame]:
    root = tmp_path_factory.mktemp("reference")
    sweep(write(root), root / "out")
    return results(root / "out")


@pytest.fixture(scope="module")
def events_reference(tmp_path_factory) -> dict[str, pd.DataFrame]:
    root = tmp_path_factory.mktemp("events-reference")
    sweep(write(root, "ev", **EVENTS), root / "out")
    return results(root / "out")


# ---- a paused driver in its own process ---------------------------------------------------


def start_driver(spec: Path, out: Path, at: int, go: Path, env=None) -> subprocess.Popen:
    code = DRIVER.format(at=at, go=str(go))
    args = ["sweep", str(spec), "--out", str(out), "--executor", "sequential"]
    return subprocess.Popen(
        [sys.executable, "-c", code, *args, "--flush-seconds", "0", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def wait_stored(proc: subprocess.Popen, out: Path, runs: int) -> None:
    end = time.monotonic() + 120
    while len(part_files(out, "summary")) < runs:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < end, "the driver stored nothing in time"
        time.sleep(0.05)


# ---- a full disk --------------------------------------------------------------------------

LIMIT = 16 * 1024  # bytes: a manifest (~7 KB) fits, a results part (~30 KB) does not


def test_a_full_disk_keeps_every_stored_run_records_the_failure_and_resume_completes(
    tmp_path, reference
):
    """`ulimit -f` on the running driver: from run 4 on, results parts no longer fit. Run 4
    fails (the fault hook): its failure row is small and is still stored; run 5 finishes but
    cannot be written: the driver stops, says so in one line (exit 4), and the manifest says
    `failed-write` with the error."""
    spec, out, go = write(tmp_path), tmp_path / "out", tmp_path / "go"
    proc = start_driver(spec, out, at=4, go=go, env={FAULTS_ENV: "4"})
    wait_stored(proc, out, 4)
    psutil.Process(proc.pid).rlimit(psutil.RLIMIT_FSIZE, (LIMIT, LIMIT))
    go.touch()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 4, err
    line = err.strip().splitlines()[-1]
    assert "writing results failed (OSError: [Errno 27] File too large" in line
    assert "4 of 24 runs are stored, 1 finished runs could not be written" in line
    assert "status failed-write" in line and "--resume" in line
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed-write" and "File too large" in manifest["error"]
    assert manifest["counts"] == {"total": RUNS, "done": 4, "failed": 1, "missing": 19}
    assert manifest["sessions"][0]["unwritten"] == 1
    res = load(out)
    assert res.status == "failed-write" and res.failures["run_id"].tolist() == [4]
    before = stored(out)
    assert stored_ids(before) == [0, 1, 2, 3]
    assert not list(out.rglob(".tmp-*"))  # the refused writes left no temporary file

    _, manifest = sweep(spec, out, resume=True)
    assert manifest["status"] == "complete" and manifest["sessions"][-1]["ran"] == RUNS - 4
    assert all(p.read_bytes() == b for p, b in before.items())
    assert_same_results(out, reference)


def test_a_batch_the_disk_refuses_is_written_run_by_run(tmp_path, monkeypatch, reference):
    """A disk that takes only small files: the one big flush at the end fails, each run's
    own parts fit, so every run is stored and the sweep is complete (the error is noted)."""
    real = writer.atomic_parquet

    def small_only(path, frame, meta):
        if "run_id" in frame and frame["run_id"].nunique() > 1:
            raise OSError(28, "No space left on device")
        real(path, frame, meta)

    monkeypatch.setattr(writer, "atomic_parquet", small_only)
    spec, out = write(tmp_path), tmp_path / "out"
    _, manifest = sweep(spec, out, flush_seconds=3600)  # everything in one flush
    session = manifest["sessions"][0]
    assert manifest["status"] == "complete" and session["unwritten"] == 0
    assert "No space left" in session["error"] and session["write_errors"] >= 1
    assert len(part_files(out, "summary")) == RUNS
    assert_same_results(out, reference)


def test_a_store_that_takes_no_results_stops_the_sweep(tmp_path, monkeypatch, reference):
    """Summary parts fail from the 3rd on (an injected writer): failures still go to their
    own parts, the sweep stops, StoreWriteError (exit code 4) says what is stored."""
    real, written = writer.atomic_parquet, []

    def failing(path, frame, meta):
        if meta.get("part") == "summary":
            if len(written) >= 2:
                raise OSError(28, "No space left on device")
            written.append(path)
        real(path, frame, meta)

    monkeypatch.setattr(writer, "atomic_parquet", failing)
    monkeypatch.setenv(FAULTS_ENV, "2")
    spec, out = write(tmp_path), tmp_path / "out"
    with pytest.raises(StoreWriteError) as err:
        sweep(spec, out, flush_seconds=0)
    assert err.value.exit_code == 4 and "2 of 24 runs are stored" in str(err.value)
    assert err.value.manifest["status"] == "failed-write"
    assert load(out).failures["run_id"].tolist() == [2]
    monkeypatch.undo()
    _, manifest = sweep(spec, out, resume=True)
    assert manifest["sessions"][-1]["ran"] == RUNS - 2
    assert_same_results(out, reference)


# ---- a killed driver ----------------------------------------------------------------------


def test_a_live_driver_is_refused_a_killed_one_is_taken_over(tmp_path, reference):
    spec, out, go = write(tmp_path), tmp_path / "out", tmp_path / "go"
    proc = start_driver(spec, out, at=5, go=go)
    wait_stored(proc, out, 5)
    live = lock.liveness(out)
    assert live["state"] == "live" and live["pid"] == proc.pid
    assert load(out).status == "running"
    second = cli("sweep", str(spec), "--out", str(out), "--executor", "sequential", "--resume")
    assert second.returncode == 2
    line = one_line_error(second)
    assert "another sweep is writing this folder" in line and f"pid {proc.pid}" in line
    proc.kill()  # SIGKILL: no handler runs; the manifest still says `running`
    proc.communicate(timeout=30)
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert lock.liveness(out)["state"] == "dead" and load(out).status == "died"
    before = stored(out)

    _, manifest = sweep(spec, out, resume=True)
    first, second_session = manifest["sessions"]
    assert first["status"] == "died" and second_session["took_over"]["pid"] == proc.pid
    assert second_session["ran"] == RUNS - len(before) and manifest["status"] == "complete"
    assert all(p.read_bytes() == b for p, b in before.items())
    assert lock.liveness(out)["state"] == "none"  # a clean exit leaves no owner
    assert_same_results(out, reference)


def test_a_fresh_heartbeat_from_another_host_is_refused_a_stale_one_taken_over(tmp_path):
    """On a shared file system flock may not reach another machine: the heartbeat decides."""
    spec, out = write(tmp_path, replications=1), tmp_path / "out"
    sweep(spec, out, max_runs=2)
    record = {"pid": 4242, "host": "elsewhere", "beat": time.time()}
    (out / ".lock").write_text(json.dumps(record))
    with pytest.raises(ConfigError, match=r"writing this folder \(pid 4242 on host elsewhere"):
        sweep(spec, out, resume=True)
    (out / ".lock").write_text(json.dumps({**record, "beat": time.time() - lock.STALE - 1}))
    _, manifest = sweep(spec, out, resume=True)
    assert manifest["sessions"][-1]["took_over"]["host"] == "elsewhere"
    assert manifest["counts"]["done"] == 8


# ---- damaged stores -----------------------------------------------------------------------


def test_truncated_parts_are_moved_aside_and_their_runs_recomputed(tmp_path, events_reference):
    spec, out = write(tmp_path, "ev", **EVENTS), tmp_path / "out"
    sweep(spec, out, flush_seconds=0)  # one part per run
    truncate(out / "series" / part_of(out, 1))
    truncate(out / "events" / "detections" / part_of(out, 4))
    summary = out / "summary" / part_of(out, 6)
    truncate(summary)

    rerun = cli("rerun", str(out), "1")  # the series part of run 1 is damaged
    assert rerun.returncode == 2
    line = one_line_error(rerun, alone=False)  # after a warning about run 6's summary part
    assert f"series/{part_of(out, 1)} is unreadable (Parquet magic bytes not found" in line
    assert "it held run(s) 1 " in line and "--resume` moves it aside" in line
    with pytest.raises(ConfigError, match=r"damaged: .* is unreadable"):
        sweep(spec, out)  # without --resume: refused, nothing moved
    assert summary.exists()

    _, manifest = sweep(spec, out, resume=True)
    session = manifest["sessions"][-1]
    assert session["ran"] == 3 and sorted(r for x in session["repaired"] for r in x["runs"]) == [
        1,
        4,
        6,
    ]
    moved = sorted(str(p.relative_to(out / "damaged")) for p in (out / "damaged").rglob("*.*"))
    assert f"summary/{summary.name}" in moved and len(moved) == 3 * 4  # each flush: 4 parts
    assert_same_results(out, events_reference)


def test_a_missing_design_is_rebuilt_from_the_spec(tmp_path, reference):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, max_runs=10)
    (out / "design.parquet").unlink()
    rerun = cli("rerun", str(out), "3")
    assert rerun.returncode == 2
    line = one_line_error(rerun)
    assert "design.parquet is missing" in line and "10 finished runs" in line
    assert "--resume` rebuilds it from the spec" in line
    before = stored(out)
    _, manifest = sweep(spec, out, resume=True)
    assert manifest["sessions"][-1]["repaired"][0]["file"] == "design.parquet"
    assert manifest["sessions"][-1]["ran"] == RUNS - 10
    assert all(p.read_bytes() == b for p, b in before.items())
    assert_same_results(out, reference)


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_a_lost_manifest_is_rebuilt_when_the_design_matches(tmp_path, damage, reference):
    spec, out = write(tmp_path), tmp_path / "out"
    sweep(spec, out, max_runs=10)
    manifest = out / "manifest.json"
    manifest.unlink() if damage == "missing" else truncate(manifest)
    with pytest.raises(ConfigError, match=r"manifest.json is (missing|unreadable).*--resume"):
        load(out)
    with pytest.raises(ConfigError, match=r"manifest.json is .* --resume rebuilds it"):
        sweep(spec, out)
    other = write(tmp_path, "other", seed=12)
    with pytest.raises(ConfigError, match=r"design.parquet is another sweep's"):
        sweep(other, out, resume=True)
    before = stored(out)
    _, rebuilt = sweep(spec, out, resume=True)
    assert rebuilt["sessions"][-1]["number"] == 2  # after the parts of session 1
    assert rebuilt["sessions"][-1]["ran"] == RUNS - 10
    assert all(p.read_bytes() == b for p, b in before.items())
    assert_same_results(out, reference)


def test_a_store_left_without_results_is_started_over(tmp_path, monkeypatch, reference):
    """A session that died before its first run (here: the executor raises) left a store;
    the same command then starts it over, without --resume: nothing can be lost."""

    def broken(*args):
        raise RuntimeError("the cluster went away")

    monkeypatch.setattr(runner, "run_tasks", broken)
    spec, out = write(tmp_path), tmp_path / "out"
    with pytest.raises(RuntimeError):
        sweep(spec, out)
    assert load(out).status == "crashed"
    monkeypatch.undo()
    _, manifest = sweep(spec, out)
    assert manifest["status"] == "complete"
    assert_same_results(out, reference)


# ---- every check before the first write ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BEFORE_WRITING = [
    ({"executor": "proceses"}, {}, "unknown executor 'proceses'.*did you mean 'processes'"),
    ({"workers": 0}, {}, "--workers: 0 workers: need at least one"),
    ({"executor": "dask", "scheduler": "tcp://127.0.0.1:{port}"}, {},
     r"cannot reach the dask scheduler at 127.0.0.1:\d+: Connection refused"),
    ({"scheduler": "tcp://127.0.0.1:8786"}, {}, "--scheduler needs --executor dask"),
    ({}, {"parameters": {"electorate.information": {"low": 0, "high": 1, "num": 10**9}}},
     r"design: 6,000,000,000 runs \(1,000,000,000 design points x 1 scenario\(s\) x 2 "
     r"intervention\(s\) x 3 replication\(s\)\), about 16,763.8 GiB of memory to plan: "
     r"more than the cap of 10,000,000 runs"),
    ({}, {"design": {"method": "sobol", "samples": 2**40},
          "parameters": {"electorate.information": {"low": 0.1, "high": 0.9}}},
     r"design: [\d,]+ runs \(3,298,534,883,328 design points x"),
    ({"max_design_runs": 20}, {}, "24 runs .* more than the cap of 20 runs"),
    ({}, {"parameters": {"oversight.layers": [[{"kind": "police_patrol"}],
                                              [{"kind": "police_patrol", "watches": "ai_agent"}]]}},
     r"design point 1 \(oversight.layers=\[\{.*\), intervention hunters: "
     r"oversight.layers\[0\].watches: references role 'ai_agent'"),
]  # fmt: skip


@pytest.mark.parametrize(("options", "fields", "message"), BEFORE_WRITING)
def test_bad_input_is_refused_before_anything_is_written(tmp_path, options, fields, message):
    spec, out = write(tmp_path, **fields), tmp_path / "out"
    options = {k: v.format(port=free_port()) if k == "scheduler" else v for k, v in options.items()}
    with pytest.raises(ConfigError, match=message):
        sweep(spec, out, **options)
    assert not out.exists()


def test_an_explicit_cap_lets_a_big_design_through(tmp_path, monkeypatch):
    spec = write(tmp_path, replications=1)
    monkeypatch.setenv("INSTALIGN_SWEEP_MAX_RUNS", "4")
    with pytest.raises(ConfigError, match=r"8 runs .* more than the cap of 4 runs"):
        sweep(spec, tmp_path / "out")
    _, manifest = sweep(spec, tmp_path / "out", max_design_runs=8, max_runs=1)
    assert manifest["runs"] == 8


def test_out_must_be_a_writable_folder(tmp_path):
    spec, afile = write(tmp_path), tmp_path / "afile"
    afile.write_text("mine")
    for out in (afile, afile / "sub"):
        with pytest.raises(ConfigError, match="not a folder"):
            sweep(spec, out)
    if os.geteuid() == 0:  # root writes through permission bits: use a folder nobody writes
        out = Path("/sys/instalign-sweep-test")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        out = locked / "out"
    with pytest.raises(ConfigError, match=r"--out: .*(permission denied|not permitted)"):
        sweep(spec, out)
    assert not out.exists() and afile.read_text() == "mine"


def test_the_cli_refuses_a_failing_design_point_in_one_line(tmp_path):
    fields = BEFORE_WRITING[-1][1]
    spec, out = write(tmp_path, **fields), tmp_path / "out"
    proc = cli("sweep", str(spec), "--out", str(out), "--executor", "sequential")
    assert proc.returncode == 2
    assert "design point 1 (oversight.layers=" in one_line_error(proc)
    assert not out.exists()


def test_scenario_paths_are_read_from_the_spec_folder(tmp_path, monkeypatch):
    folder = tmp_path / "specs"
    folder.mkdir()
    doc = yaml.safe_load(Path("scenarios/baseline_democracy-v1.yaml").read_text())
    (folder / "mine.yaml").write_text(yaml.safe_dump({**doc, "id": "mine-v1"}))
    spec = write(folder, scenario="mine.yaml", replications=1)
    monkeypatch.chdir(tmp_path)  # not the spec's folder
    _, manifest = sweep(spec, tmp_path / "out", max_runs=1)
    assert list(manifest["bases"]) == ["mine.yaml"]
    with pytest.raises(ConfigError, match=r"did you mean the file mine.yaml\?"):
        sweep(write(folder, "by_id", scenario="mine"), tmp_path / "other")  # an id, not a file
    assert not (tmp_path / "other").exists()
