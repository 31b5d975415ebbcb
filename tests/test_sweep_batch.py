"""Runs in chunks (sim/sweep/batch.py), workers forked from a preloaded forkserver and a warm
pool (sim/sweep/executors.py): a fault inside a chunk is recorded and the rest of the chunk
kept, an interrupted chunked sweep resumes without losing a finished run, a warm pool serves
two sweeps with identical results, and a real LocalCluster runs chunks.

Chunks are forced on these small sweeps by a policy with a small `per_worker` (the real
rule would send 16 runs one by one); the pools and the LocalCluster are real."""

from __future__ import annotations

import os
import pickle
import signal
import time

import cloudpickle
import numpy as np
import pandas as pd
import pytest
import yaml

from sim.sweep import batch, executors, load, run_sweep, runner
from sim.sweep.batch import Chunking, Packed, Policy, execute_batch
from sim.sweep.runner import progress_bar
from sim.sweep.task import FAULTS_ENV, Outcome, execute

TINY = {
    "scenario": "baseline_democracy-v1",
    "set": {"electorate": {"n_voters": 200}, "elections": {"interval": 5}},
    "steps": 10,
    "parameters": {"electorate.information": [0.2, 0.8], "electorate.polarization": [0.0, 0.6]},
    "interventions": {"hunters": {}, "maximizers": {"politicians.strategy": "approval_maximizer"}},
    "replications": 3,
    "seed": 23,
    "record": {"every": 3},
}  # 24 runs of a few ms
RUNS = 24
CHUNKED = Policy(per_worker=1, largest=5, seconds=60.0, pack=True, spread=0)  # chunks of 5


def write(tmp_path, name="tiny", **fields):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TINY, **fields}, sort_keys=False))
    return path


def sweep(spec, out, **kw):
    return run_sweep(spec, out, progress=progress_bar(quiet=True), **kw)


def results(out):
    res = load(out)
    return res.summary.drop(columns="elapsed_s"), res.series.frame()


def assert_same(out, reference):
    for got, ref in zip(results(out), reference, strict=True):
        pd.testing.assert_frame_equal(got, ref, check_exact=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    sweep(write(root), root / "out", executor="sequential")
    return results(root / "out")


@pytest.fixture
def chunked(monkeypatch):
    """Chunks of 5 runs on the processes and dask executors (after one probe run)."""
    monkeypatch.setitem(batch.POLICIES, "processes", CHUNKED)
    monkeypatch.setitem(batch.POLICIES, "dask", CHUNKED)
    sizes: list[int] = []
    real = Chunking.size

    def size(self, left=None):
        sizes.append(real(self, left))
        return sizes[-1]

    monkeypatch.setattr(Chunking, "size", size)
    return sizes


class ByValue:
    """A task function that travels to the workers by value (cloudpickle)."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)

    def __reduce__(self):
        return cloudpickle.loads, (cloudpickle.dumps(self.fn),)


def faulty(action: str, at: int) -> ByValue:
    """`execute` with, at run `at`: "raise" (an exception the task function does not catch),
    "kill" (SIGKILL of the worker), "interrupt" (a Ctrl-C to the driver, then the run)."""
    driver = os.getpid()

    def task_fn(task):
        if task.run_id == at:
            if action == "raise":
                raise RuntimeError(f"boom at {at}")
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if action == "interrupt":
                os.kill(driver, signal.SIGINT)
        return execute(task)

    return ByValue(task_fn)


# ---- packing and the chunk rule -----------------------------------------------------------


def outcomes_of_a_chunk() -> list[Outcome]:
    series = {"step": np.array([0, 3, 6], dtype=np.int64), "welfare": np.array([0.1, np.nan, -0.0])}
    return [
        Outcome(0, True, 0.5, {"welfare_final": -0.0, "welfare_mean": float("nan")}, series),
        Outcome(1, False, 0.1, error="RuntimeError: x", traceback="Traceback ..."),
        Outcome(2, True, 0.25, {"welfare_final": 1e-300, "welfare_mean": 2.5},
                {k: v[:2].copy() for k, v in series.items()},
                tables={"detections": pd.DataFrame({"step": [1, 2]})}),
        Outcome(3, True, 0.3, {"tail_p": 0.01, "tail_method": "ams"}),  # text: as it is
        Outcome(4, True, 0.2, {"welfare_final": 3.0, "welfare_mean": 4.0}, None),  # no series
    ]  # fmt: skip


def test_a_packed_chunk_gives_back_the_same_outcomes_bit_for_bit():
    before = outcomes_of_a_chunk()
    packed = pickle.loads(pickle.dumps(Packed(before), protocol=pickle.HIGHEST_PROTOCOL))
    after = batch.outcomes(packed)
    assert [o.run_id for o in after] == [0, 1, 2, 3, 4] and len(packed) == 5
    assert packed.summary.shape == (2, 2)  # runs 0 and 2 share a pack; the others travel as is
    for a, b in zip(after, before, strict=True):
        assert (a.run_id, a.ok, a.elapsed, a.error, a.traceback) == (
            b.run_id, b.ok, b.elapsed, b.error, b.traceback)  # fmt: skip
        assert list(a.summary) == list(b.summary)
        assert [repr(v) for v in a.summary.values()] == [repr(v) for v in b.summary.values()]
        assert [type(v) for v in a.summary.values()] == [type(v) for v in b.summary.values()]
        assert (a.series is None) == (b.series is None)
        for key in b.series or {}:
            assert a.series[key].dtype == b.series[key].dtype
            assert a.series[key].tobytes() == b.series[key].tobytes()
        assert sorted(a.tables) == sorted(b.tables)


def test_a_failing_task_inside_a_batch_is_an_outcome_and_the_rest_is_kept():
    from sim.scenario import load as load_scenario
    from sim.sweep.task import Task

    config = load_scenario("baseline_democracy-v1", {"electorate.n_voters": 100, "steps": 4})
    tasks = [Task(i, 100 + i, config, ("welfare",), 2) for i in range(4)]
    got = execute_batch(tasks, faulty("raise", at=1))
    assert [o.run_id for o in got] == [0, 1, 2, 3] and [o.ok for o in got] == [1, 0, 1, 1]
    assert got[1].error == "RuntimeError: boom at 1" and "boom at 1" in got[1].traceback
    alone = [execute(t) for t in tasks]
    for a, b in zip(got, alone, strict=True):
        if a.ok:
            assert a.summary == b.summary


def test_the_chunk_rule():
    """cap = clamp(runs // (per_worker * workers), 1, largest); one run per chunk until a
    run's time is known, then at most `seconds` of work per chunk and a quarter of what is
    left per worker."""
    c = Chunking("processes", 4000, 2)
    assert c.cap == 62 and c.size() == 1  # 4000 // 64; nothing timed yet
    c.observe([Outcome(0, True, 1 / 128), Outcome(1, False, 9.0)])  # failures are not timed
    assert c.size() == 32  # 0.25 s / (1/128 s) = 32 runs
    c.observe([Outcome(2, True, 7 / 128)])  # mean 1/32 s: 8 runs fill 0.25 s
    assert c.size() == 8 and c.size(left=4000) == 8
    assert c.size(left=40) == 5 and c.size(left=3) == 1  # the sweep's end: 40 / (4 x 2)
    assert Chunking("processes", 40, 1).size() == 1  # few runs: one at a time, as before
    assert Chunking("processes", 10**6, 2).cap == 64
    assert Chunking("dask", 10**6, 2).cap == 256 and Chunking("sequential", 10**6, 1).cap == 1
    slow = Chunking("dask", 1000, 2)
    slow.observe([Outcome(0, True, 2.0)])
    assert slow.size() == 1  # runs of seconds go one by one


# ---- real pools ---------------------------------------------------------------------------


def test_a_fault_inside_a_chunk_is_recorded_and_the_rest_of_the_chunk_kept(
    tmp_path, monkeypatch, chunked, reference
):
    """Processes, chunks of 5: run 7 fails by the fault hook, run 12 by an exception the
    task function does not catch; every other run of their chunks is stored."""
    monkeypatch.setenv(FAULTS_ENV, "7")
    monkeypatch.setattr(runner, "execute", faulty("raise", at=12))
    spec, out = write(tmp_path), tmp_path / "out"
    report, manifest = sweep(spec, out, executor="processes", workers=2)
    assert max(chunked) == 5 and report.submitted == RUNS
    res = load(out)
    assert res.failures["run_id"].tolist() == [7, 12] and manifest["status"] == "failures"
    assert res.failures["error"].tolist()[1] == "RuntimeError: boom at 12"
    assert res.failures["error"].tolist()[0].startswith("InjectedFault")
    assert sorted(res.summary["run_id"]) == [r for r in range(RUNS) if r not in (7, 12)]
    session = manifest["sessions"][0]
    assert session["start_method"] == "forkserver" and session["chunks"]["largest"] == 5
    summary, series = results(out)
    ref_summary, ref_series = reference
    keep = ~ref_summary["run_id"].isin([7, 12])
    pd.testing.assert_frame_equal(summary, ref_summary[keep].reset_index(drop=True),
                                  check_exact=True)  # fmt: skip
    pd.testing.assert_frame_equal(
        series, ref_series[~ref_series["run_id"].isin([7, 12])].reset_index(drop=True),
        check_exact=True,
    )  # fmt: skip
    monkeypatch.delenv(FAULTS_ENV)
    monkeypatch.setattr(runner, "execute", execute)
    _, manifest = sweep(spec, out, executor="processes", workers=2, resume=True)
    assert manifest["status"] == "complete" and manifest["sessions"][-1]["ran"] == 2
    assert_same(out, reference)


@pytest.mark.parametrize("action", ["interrupt", "kill"])
def test_an_interrupted_chunked_sweep_resumes_without_losing_a_finished_run(
    tmp_path, monkeypatch, chunked, reference, action
):
    """Ctrl-C at run 9 (the chunks in flight finish and are stored) or a worker killed at
    run 9 (its chunk is lost, the others are stored): --resume runs exactly what is not
    stored and ends with the uninterrupted sweep's results."""
    monkeypatch.setattr(runner, "execute", faulty(action, at=9))
    spec, out = write(tmp_path), tmp_path / "out"
    report, manifest = sweep(spec, out, executor="processes", workers=1, flush_seconds=0)
    assert manifest["status"] == ("interrupted" if action == "interrupt" else "incomplete")
    stored = sorted(load(out).summary["run_id"])
    assert manifest["counts"]["done"] == len(stored) == report.ran
    assert len(stored) == len(set(stored)) and 0 < len(stored) < RUNS
    if action == "interrupt":
        assert 9 in stored  # its chunk was in flight: finished and stored
    else:
        assert 9 not in stored and set(range(5)) <= set(stored)  # the chunks before it
    monkeypatch.setattr(runner, "execute", execute)
    _, manifest = sweep(spec, out, executor="processes", workers=2, resume=True)
    assert manifest["status"] == "complete"
    assert manifest["sessions"][-1]["ran"] == RUNS - len(stored)
    assert_same(out, reference)


def worker_pids(ex) -> set[int]:
    """The pids of the pool's workers (each task holds its worker for a moment)."""
    slow_pid = ByValue(lambda: (time.sleep(0.3), os.getpid())[1])
    return {f.result() for f in [ex.pool.submit(slow_pid) for _ in range(2 * ex.workers)]}


def test_a_warm_pool_serves_two_sweeps_with_identical_results(tmp_path, chunked, reference):
    spec = write(tmp_path)
    executors.shutdown_warm()
    try:
        with executors.open_executor("processes", 2, reuse=True) as ex:
            pool = ex.pool
            pids = worker_pids(ex)
        assert executors.warm() == [("processes", 2, None)]
        for name in ("a", "b"):
            report, manifest = sweep(spec, tmp_path / name, executor="processes", workers=2,
                                     reuse=True)  # fmt: skip
            assert manifest["status"] == "complete" and report.ran == RUNS
            assert_same(tmp_path / name, reference)
        with executors.open_executor("processes", 2, reuse=True) as ex:
            assert ex.pool is pool  # the same workers, started once
            assert worker_pids(ex) == pids and len(pids) == 2
            assert ex.start_method == "forkserver"
            assert all(ex.pool.submit(os.getppid).result() != os.getpid() for _ in range(4))
    finally:
        executors.shutdown_warm()
    assert executors.warm() == []


def test_a_warm_scope_closes_the_pools_it_started_and_keeps_the_others():
    executors.shutdown_warm()
    try:
        with executors.open_executor("processes", 1, reuse=True) as ex:
            kept = ex.pool
        with executors.warm_scope():
            with executors.open_executor("processes", 2, reuse=True) as ex:
                inner = ex.pool
                assert ex.submit(os.getpid).result() != os.getpid()
            with executors.open_executor("processes", 2, reuse=True) as ex:
                assert ex.pool is inner  # warm inside the scope
            assert sorted(executors.warm()) == [("processes", 1, None), ("processes", 2, None)]
        assert executors.warm() == [("processes", 1, None)]  # only the one started inside
        with pytest.raises(RuntimeError):
            inner.submit(os.getpid)  # shut down
        with executors.open_executor("processes", 1, reuse=True) as ex:
            assert ex.pool is kept
    finally:
        executors.shutdown_warm()


def test_a_broken_or_aborted_warm_pool_is_not_kept(tmp_path):
    executors.shutdown_warm()
    try:
        with executors.open_executor("processes", 1, reuse=True) as ex:
            ex.submit(os.kill, ex.submit(os.getpid).result(), signal.SIGKILL)
            with pytest.raises(Exception):  # noqa: B017 - BrokenProcessPool
                ex.submit(os.getpid).result(timeout=60)
        assert executors.warm() == []  # broken: shut down, not kept
        with pytest.raises(KeyboardInterrupt):
            with executors.open_executor("processes", 1, reuse=True):
                raise KeyboardInterrupt
        assert executors.warm() == []
    finally:
        executors.shutdown_warm()


def test_workers_see_the_drivers_environment_as_the_pool_opens(monkeypatch):
    """Forked from a forkserver started earlier, a worker still sees the driver's current
    environment (as a spawned one would), and one BLAS thread unless the user set it."""
    executors.prestart("processes")
    monkeypatch.setenv("INSTALIGN_TEST_MARK", "seen")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with executors.open_executor("processes", 1) as ex:
        mark = ex.pool.submit(os.getenv, "INSTALIGN_TEST_MARK").result()
        blas = ex.pool.submit(os.getenv, "OMP_NUM_THREADS").result()
        ppid = ex.pool.submit(os.getppid).result()
    assert mark == "seen" and blas == "1"
    assert ppid != os.getpid()  # forked by the forkserver, not by this process
    assert "OMP_NUM_THREADS" not in os.environ  # the driver's own is left alone


def test_dask_local_cluster_runs_chunks_with_identical_results(
    tmp_path, monkeypatch, chunked, reference
):
    """A real LocalCluster (2 workers), kept warm for a second sweep: chunks of 5, a fault
    inside one recorded, the results those of the sequential sweep."""
    monkeypatch.setenv(FAULTS_ENV, "3")
    spec = write(tmp_path)
    executors.shutdown_warm()
    try:
        for name in ("a", "b"):
            out = tmp_path / name
            report, manifest = sweep(spec, out, executor="dask", workers=2, reuse=True)
            assert max(chunked) == 5 and report.ran + report.failed == RUNS
            res = load(out)
            assert res.failures["run_id"].tolist() == [3] and manifest["status"] == "failures"
            assert manifest["sessions"][0]["executor"] == "dask"
            summary, _ = results(out)
            ref = reference[0][reference[0]["run_id"] != 3].reset_index(drop=True)
            pd.testing.assert_frame_equal(summary, ref, check_exact=True)
            assert executors.warm() == [("dask", 2, None)]
        with executors.open_executor("dask", 2, reuse=True) as ex:
            client = ex.pool._client
            assert client.status == "running" and len(client.nthreads()) == 2
    finally:
        executors.shutdown_warm()
    assert client.status == "closed"


# ---- the driver's tables ------------------------------------------------------------------


def test_the_store_tables_are_those_pandas_would_make():
    """The writer builds its summary and series frames column-wise and hands numeric frames
    to Arrow with a cached schema: the same frames, the same Arrow tables (schema, pandas
    metadata and values) as the plain pandas path."""
    import pyarrow as pa

    from sim.sweep import store, writer

    runs = [o for o in outcomes_of_a_chunk() if o.ok and o.series is not None]
    runs.append(Outcome(5, True, 0.1, {"welfare_final": 2.0, "welfare_mean": 1.0},
                        {k: v.copy() for k, v in runs[0].series.items()}))  # fmt: skip
    plain = pd.DataFrame([{"run_id": o.run_id, **o.summary, "elapsed_s": o.elapsed} for o in runs])
    summary = writer._summary_frame(runs)
    pd.testing.assert_frame_equal(summary, plain, check_exact=True)
    assert summary.columns.dtype == plain.columns.dtype
    cols = {"run_id": np.repeat([o.run_id for o in runs], [len(o.series["step"]) for o in runs])}
    cols.update({k: np.concatenate([o.series[k] for o in runs]) for k in runs[0].series})
    series = writer._series_frame([(o.run_id, o.series) for o in runs])
    pd.testing.assert_frame_equal(series, pd.DataFrame(cols), check_exact=True)
    for frame in (summary, series, plain.assign(run_id=plain["run_id"] * 7)):
        for _ in range(2):  # the second time from the cached schema
            got, ref = store.arrow_table(frame), pa.Table.from_pandas(frame, preserve_index=False)
            assert got.equals(ref, check_metadata=True)
    text = pd.DataFrame({"run_id": [1, 2], "tail_method": ["ams", "is"]})
    got, ref = store.arrow_table(text), pa.Table.from_pandas(text, preserve_index=False)
    assert got.equals(ref, check_metadata=True)
