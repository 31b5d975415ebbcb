"""The dashboard under load (issue 10, "Must show"): the real server (`instalign dashboard`,
waitress) on a free loopback port; 20 clients fire the heaviest request the schema and the
work budget allow at once (a draw of an uncached view, then the simulation job the page
would start for it) while another client loads the layout every 100 ms. The layout keeps
answering within 3 s (2 s until issue 13; see the assertion), the heavy requests are
answered "running" or "busy" at once, at most `Limits.jobs` simulation processes ever run,
and once the server is stopped no process it started is left (no zombie, no orphan)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from dashboard.jobs import Limits

VENV_BIN = Path(sys.executable).parent
CLIENTS = 20
LOAD_SECONDS = 12.0
LAYOUT_EVERY = 0.1
HEAVY = "?scenario=baseline_democracy-v1&set=steps%3D100000&set=electorate.n_voters%3D40000"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def post(url: str, body: dict, timeout: float = 10.0) -> tuple[int, dict | None]:
    req = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as r:
        data = r.read()
        return r.status, json.loads(data) if data else None


def outputs(spec: str) -> list[dict]:
    """The `outputs` entries of a callback, from its output string in /_dash-dependencies."""
    out = []
    for part in spec.strip(".").split("..."):
        if part.startswith("{"):
            end = part.rindex("}") + 1
            out.append({"id": json.loads(part[:end]), "property": part[end + 1 :]})
        else:
            cid, prop = part.rsplit(".", 1)
            out.append({"id": cid, "property": prop})
    return out


def callback(deps: list[dict], first_output: str, first_input: str) -> tuple[str, list]:
    found = next(
        d for d in deps
        if d["output"].strip(".").startswith(first_output) and d["inputs"][0]["id"] == first_input
    )  # fmt: skip
    return found["output"], outputs(found["output"])


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {**os.environ, "INSTALIGN_DASHBOARD_JOBS": "2"}
    env.pop("INSTALIGN_DASHBOARD_WORK", None)
    cmd = [str(VENV_BIN / "instalign"), "dashboard", "--port", str(port),
           "--results", str(tmp_path / "results")]  # fmt: skip
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=log,
                            stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                if get(base + "/", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_heavy_requests_never_stall_the_server_and_leave_no_process(server):
    base, proc = server
    server_proc = psutil.Process(proc.pid)
    deps = json.loads(get(base + "/_dash-dependencies")[1])
    draw_out, draw_outputs = callback(deps, "explore-ts-graph.figure@", "explore-spec")
    job_out, job_outputs = callback(deps, "explore-spec.data@", "explore-job")
    stop = threading.Event()
    layout_times: list[float] = []
    most_jobs = [0]
    seen: dict[int, psutil.Process] = {}

    def load_layout() -> None:
        while not stop.is_set():
            for path in ("/", "/_dash-layout"):
                started = time.monotonic()
                status, _ = get(base + path)
                layout_times.append(time.monotonic() - started)
                assert status == 200
            time.sleep(LAYOUT_EVERY)

    def watch_jobs() -> None:
        while not stop.is_set():
            kids = server_proc.children(recursive=True)
            seen.update({k.pid: k for k in kids})
            most_jobs[0] = max(most_jobs[0], len(kids))
            time.sleep(0.1)

    answers: list[tuple[str, float]] = []

    def heavy(i: int) -> None:
        search = f"{HEAVY}&set=seed%3D{1000 + i}"  # 20 different views, none cached
        result = {"search": search, "seeds": [str(1000 + i)], "seconds": 1.0}
        body = {
            "output": draw_out, "outputs": draw_outputs, "changedPropIds": ["explore-spec.data"],
            "inputs": [{"id": "explore-spec", "property": "data", "value": result},
                       {"id": "explore-metrics", "property": "value", "value": []}],
            "state": [{"id": "explore-scenario", "property": "value",
                       "value": "baseline_democracy-v1"},
                      {"id": "explore-reps", "property": "value", "value": 1},
                      [], [],  # the sidebar's controls (none rendered)
                      {"id": "explore-pending", "property": "data", "value": []}],
        }  # fmt: skip
        started = time.monotonic()
        _, drawn = post(base + "/_dash-update-component", body)
        answers.append(("draw", time.monotonic() - started))
        job = drawn["response"]["explore-job"]["data"]  # "running": the page starts a job
        assert "running" in json.dumps(drawn["response"]["explore-status"])
        body = {
            "output": job_out, "outputs": job_outputs, "changedPropIds": ["explore-job.data"],
            "inputs": [{"id": "explore-job", "property": "data", "value": job}],
            "state": [{"id": "explore-metrics", "property": "value", "value": []}],
        }  # fmt: skip
        started = time.monotonic()
        _, handles = post(base + "/_dash-update-component", body)
        query = f"?cacheKey={handles['cacheKey']}&job={handles['job']}"
        answers.append(("job", time.monotonic() - started))
        started = time.monotonic()
        _, first = post(base + "/_dash-update-component" + query, body)  # the first poll
        busy = "busy" in json.dumps(first)
        answers.append(("busy" if busy else "running", time.monotonic() - started))

    threads = [threading.Thread(target=load_layout), threading.Thread(target=watch_jobs)]
    threads += [threading.Thread(target=heavy, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads[2:]:
        t.join(timeout=30)
    time.sleep(max(0.0, LOAD_SECONDS - 2))  # the two admitted jobs keep the CPU busy
    stop.set()
    for t in threads[:2]:
        t.join(timeout=10)

    kinds = [k for k, _ in answers]
    slowest = {k: max(s for kk, s in answers if kk == k) for k in set(kinds)}
    report = (
        f"layout: {len(layout_times)} loads, max {max(layout_times):.3f} s; answers: "
        + ", ".join(f"{k} x{kinds.count(k)} max {s:.3f} s" for k, s in sorted(slowest.items()))
        + f"; most jobs at once: {most_jobs[0]}"
    )
    print(report)
    assert len(answers) == 3 * CLIENTS, report
    assert kinds.count("running") == Limits().jobs and kinds.count("busy") == CLIENTS - 2, report
    # Layout: 1.1-1.4 s measured before issue 13, 1.35-2.08 s after it on an idle 2-core
    # machine and 2.22 s once in a clean-clone CI run: with 8 waitress threads a layout request
    # queues behind the burst of 20 heaviest draws, and each draw handles every declared
    # parameter's control (issue 13 added about fifteen). More threads do not help: the draws
    # then share the GIL and take 4.5-5 s. Bound 3 s, as for the answers below.
    assert max(layout_times) < 3.0, report
    # "At once": 1.3-1.6 s measured idle and 2.04 s once in a clean-clone CI run (20 clients
    # on 2 cores, queueing behind each other); a request that waited for a simulation job
    # would take the job's length (the HEAVY job runs far longer than LOAD_SECONDS).
    assert max(s for _, s in answers) < 3.0, report
    assert 0 < most_jobs[0] <= Limits().jobs, report

    seen.update({k.pid: k for k in server_proc.children(recursive=True)})
    proc.send_signal(signal.SIGTERM)  # the server alone: its jobs are its to stop
    proc.wait(timeout=15)
    end = time.monotonic() + 5
    while any(p.is_running() for p in seen.values()) and time.monotonic() < end:
        time.sleep(0.1)
    left = [p for p in seen.values() if p.is_running()]  # a zombie is running too, here
    print(f"server stopped (exit {proc.returncode}): {len(seen)} job processes, {len(left)} left")
    assert seen and not left, f"processes left after the server stopped: {left}"
