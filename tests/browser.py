"""Shared pieces of the browser tests (each browser test file imports what it needs):
the production server (gunicorn, 2 workers sharing one cache folder) started as a subprocess
on a free loopback port and stopped by its PID, a results folder holding one small sweep
store, a page in the session's one headless Chromium, and helpers that read what plotly.js
drew (`_fullData`) or wait for a page's status line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM

from sim.sweep import run_sweep
from sim.sweep.runner import progress_bar

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VENV_BIN = Path(sys.executable).parent
SMALL = "set=steps%3D30&set=electorate.n_voters%3D2000"
SPEC = """\
id: dashboard_test
description: tiny grid for the dashboard browser tests
scenario: baseline_democracy-v1
set:
  electorate: {n_voters: 500}
steps: 20
parameters:
  electorate.information: [0.2, 0.8]
  politicians.optimization_pressure: [1, 8]
design: grid
replications: 2
seed: 7
record: {metrics: all, every: 5}
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"server did not answer at {url}")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results folder holding one small sweep store made through the sweep API."""
    root = tmp_path_factory.mktemp("results")
    spec = root.parent / "spec.yaml"
    spec.write_text(SPEC)
    run_sweep(spec, root / "tiny", "sequential", progress=progress_bar(quiet=True))
    return root


@pytest.fixture(scope="module")
def server(results):
    port = free_port()
    env = {**os.environ, "INSTALIGN_RESULTS": str(results)}
    cmd = [str(VENV_BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind",
           f"127.0.0.1:{port}", "--timeout", "60", "dashboard.wsgi:server"]  # fmt: skip
    log = open(results.parent / "server.log", "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/")
        yield base, proc
    finally:
        # the server's own process group, by its PID; SIGINT is gunicorn's quick shutdown
        # (SIGTERM waits up to 30 s for the workers' open requests)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium  # the session's one headless chromium (conftest)


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, errors


def shoot(pg, name: str) -> None:
    """A full-page screenshot (sticky header and sidebar laid out statically for it)."""
    pg.add_style_tag(
        content=".top, .sidebar {position: static !important; max-height: none !important}"
    )
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def control(path: str) -> str:
    return f'[data-path="{path}"]'


def ran(pg, prefix: str, before: str = "") -> str:
    """Wait until the page's status line reports a finished run (and differs from before)."""
    pg.wait_for_function(
        """([id, before]) => { const t = document.getElementById(id)?.innerText || '';
            return / in [0-9.]+ s/.test(t) && t !== before; }""",
        arg=[f"{prefix}-status", before],
        timeout=60_000,
    )
    return pg.inner_text(f"#{prefix}-status")


def traces(pg, graph: str) -> list[dict]:
    """x, y and name of every trace on screen (decoded by plotly.js: `_fullData`)."""
    return pg.evaluate(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            return gd && gd._fullData ? gd._fullData.map(t => ({name: t.name, mode: t.mode,
            width: t.line ? t.line.width : null, x: Array.from(t.x || []),
            y: Array.from(t.y || [])})) : []; }""",
        graph,
    )


def drawn(pg, graph: str, n: int = 1) -> list[dict]:
    """Wait until `graph` shows at least `n` traces; return them."""
    pg.wait_for_function(
        "([id, n]) => (document.querySelector('#' + id + ' .js-plotly-plot')"
        "?._fullData?.length || 0) >= n",
        arg=[graph, n],
        timeout=30_000,
    )
    return traces(pg, graph)


def first_line(pg, graph: str) -> list[float]:
    """The first mean line (the first panel's metric) of a metrics-over-time graph."""
    drawn(pg, graph, 3)
    lines = [t for t in traces(pg, graph) if t["mode"] == "lines" and t["width"]]  # no bands
    return lines[0]["y"]


def mean_lines(pg, graph: str) -> list[list[float]]:
    """Every panel's mean line of a metrics-over-time graph."""
    drawn(pg, graph, 3)
    return [t["y"] for t in traces(pg, graph) if t["mode"] == "lines" and t["width"]]


def redrawn(pg, graph: str, before, seconds: float = 30.0):
    """The graph's mean lines once they differ from `before` (or as they are at the deadline,
    so the caller's assertion reports what was drawn)."""
    deadline = time.monotonic() + seconds
    lines = mean_lines(pg, graph)
    while lines == before and time.monotonic() < deadline:
        pg.wait_for_timeout(200)
        lines = mean_lines(pg, graph)
    return lines


def browser_marks() -> list:
    """The marks of a browser test module: a loud failure, not a silent skip, when Debian's
    chromium is missing (CI installs it)."""
    marks = [pytest.mark.browser]
    if not os.path.exists(CHROMIUM):
        marks.append(pytest.mark.xfail(reason="Debian chromium missing", strict=True))
    return marks
