"""The dashboard in a real headless Chromium (Debian's, through Playwright) against the real
production server (gunicorn, 2 workers sharing one cache folder) started as a subprocess on a
free loopback port and stopped by its PID. Screenshots of each page go to tests/artifacts/.

Covers: load each page, change a control, run, see the graph change; invalid input shows an
inline message naming the field and the server keeps serving; cancel a long run (its job
process is killed); open a run from the sweep table (Explore reruns it exactly: the store's
final value); reload a shared URL and get the same view; download a figure and its data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
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

pytestmark = [pytest.mark.browser]
if not os.path.exists(CHROMIUM):  # a loud failure, not a silent skip: CI installs chromium
    pytestmark.append(pytest.mark.xfail(reason="Debian chromium missing", strict=True))


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


def test_explore_change_a_control_run_and_see_the_graph_change(server, page):
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    before = mean_lines(page, "explore-ts-graph")
    box = page.locator(f"{control('electorate.information')} input[type=number]")
    box.fill("0.1")
    box.press("Enter")
    page.click("#explore-run")
    # the URL, status and figures arrive in one response; the status text alone can repeat
    # ("1 run in 0.05 s" twice), so wait for the URL, then for the redrawn graph
    page.wait_for_function(
        "() => location.search.includes('electorate.information%3D0.1')", timeout=60_000
    )
    after = redrawn(page, "explore-ts-graph", before)
    assert len(after[0]) == len(before[0]) == 31  # steps 0..30
    # less informed voters perceive the same government differently: approval changes (welfare,
    # drawn from the electoral stream, need not: common random numbers across interventions)
    assert after != before
    shoot(page, "explore")
    description = page.inner_text("#explore-desc")
    page.click("#explore-scenario")
    page.locator("[role=option]:has-text('bureaucratic_drift-v1')").click()
    page.wait_for_function("(d) => document.getElementById('explore-desc').innerText !== d",
                           arg=description)  # fmt: skip
    depth = page.locator(f"{control('bureaucracy.depth')} input[type=number]")
    assert depth.input_value() == "3"  # the controls now show the new scenario's values


def test_invalid_input_shows_an_inline_message_and_the_server_keeps_serving(server, page):
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    status = ran(page, "explore")
    box = page.locator(f"{control('electorate.n_voters')} input")
    box.fill("0")
    box.press("Enter")
    msg = page.locator(f"{control('electorate.n_voters')} .param-msg")
    msg.wait_for(state="visible")
    assert "electorate.n_voters" in msg.inner_text() and "out of range" in msg.inner_text()
    page.click("#explore-run")
    page.wait_for_selector("#explore-status:has-text('Not run')")
    assert "electorate.n_voters" in page.inner_text("#explore-status")
    page.click("#explore-reproduce summary")
    page.fill("#explore-yaml-in", "id: x-v1\nelectorate: {n_voters: [")
    page.click("#explore-yaml-apply")
    page.wait_for_selector("#explore-yaml-msg:has-text('malformed YAML')")
    page.fill("#explore-yaml-in", "id: mine-v1\nelectorate:\n  informaton: 0.2\n")
    page.click("#explore-yaml-apply")
    page.wait_for_selector("#explore-yaml-msg:has-text('electorate.informaton')")
    assert "electorate.information" in page.inner_text("#explore-yaml-msg")  # the suggestion
    page.goto(f"{base}/explore?set=electorate.n_voters%3D-5&set=nosuch.param%3D1&{SMALL}")
    page.wait_for_selector("#explore-url-errors:has-text('nosuch.param')")
    assert ran(page, "explore") != "" and status
    page.goto(f"{base}/sweeps?store=..%2F..%2Fetc")
    page.wait_for_selector("#sweeps-errors:has-text('not inside the results folder')")
    assert "store" in page.inner_text("#sweeps-errors")
    with urllib.request.urlopen(base + "/explore", timeout=5) as r:
        assert r.status == 200


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _cmdline(proc: psutil.Process) -> str:
    """The command line, or "" for a process that ended (a finished job not yet reaped)."""
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def test_cancel_a_long_run(server, page):
    base, proc = server
    page.goto(f"{base}/explore?set=steps%3D400000&set=electorate.n_voters%3D2000")
    page.wait_for_selector("#explore-cancel:not([disabled])", timeout=30_000)
    server_proc = psutil.Process(proc.pid)
    workers = {p.pid for p in server_proc.children()}
    jobs = [  # forks of a worker (not, say, a figure-export browser)
        p
        for p in server_proc.children(recursive=True)
        if p.pid not in workers and "gunicorn" in _cmdline(p)
    ]
    assert jobs, "a running job process"
    page.click("#explore-cancel")
    page.wait_for_selector("#explore-run:not([disabled])", timeout=10_000)
    _, alive = psutil.wait_procs(jobs, timeout=10)
    alive = [p for p in alive if _running(p)]  # a zombie is dead, just not reaped yet
    assert not alive, "the cancelled job's process was killed"
    assert " in " not in page.inner_text("#explore-status")  # it never reported a result
    page.goto(f"{base}/explore?{SMALL}")  # and the next run works
    ran(page, "explore")


def test_compare_shows_paired_differences_and_frontiers(server, page):
    base, _ = server
    url = f"{base}/compare?{SMALL}&arm=informed%3Aelectorate.information%3D0.9&reps=3"
    page.goto(url)
    text = ran(page, "compare")
    assert text.startswith("6 runs")
    effects = drawn(page, "compare-effects-graph")
    assert "informed" in {y for t in effects for y in t["y"]}  # one row per intervention
    assert drawn(page, "compare-goodhart-graph")
    shoot(page, "compare")
    shared = page.url
    fresh = page.context.new_page()
    fresh.goto(shared)
    ran(fresh, "compare")
    assert fresh.input_value('[id=\'{"slot":0,"type":"arm-name"}\']') == "informed"
    assert drawn(fresh, "compare-effects-graph") == effects


def test_sweeps_page_and_opening_a_run_from_the_table(server, page, results):
    from sim.sweep.results import load

    base, _ = server
    page.goto(f"{base}/sweeps")
    page.wait_for_selector(".runs-table .open-run")
    assert drawn(page, "sweeps-phase-graph"), "a phase diagram"
    shoot(page, "sweeps")
    link = page.locator(".runs-table tbody tr").nth(3)
    run_id = int(link.locator("td").first.inner_text())
    link.locator(".open-run").click()
    page.wait_for_function("() => location.pathname === '/explore'")
    ran(page, "explore")
    store = load(results / "tiny")
    row = store.summary.set_index("run_id").loc[run_id]
    assert f"seed%3D{int(row['seed'])}" in page.url
    welfare = first_line(page, "explore-ts-graph")
    assert welfare[-1] == pytest.approx(row["welfare_final"], rel=1e-12, abs=1e-12)


def test_reload_a_shared_url_gives_the_same_view(server, page, browser):
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}&set=seed%3D5&reps=2&metric=approval&metric=welfare")
    ran(page, "explore")
    shared = page.url
    first = drawn(page, "explore-ts-graph", 6)
    other = browser.new_page()
    other.goto(shared)
    ran(other, "explore")
    assert other.url == shared
    assert drawn(other, "explore-ts-graph", len(first)) == first
    assert other.input_value("#explore-reps") == "2"
    page.goto(f"{base}/sweeps?store=tiny&metric=approval&x=electorate.information"
              "&y=politicians.optimization_pressure")  # fmt: skip
    page.wait_for_selector(".runs-table")
    heat = drawn(page, "sweeps-phase-graph")
    other.goto(page.url)
    other.wait_for_selector(".runs-table")
    assert drawn(other, "sweeps-phase-graph") == heat
    assert heat[0]["x"] == [0.2, 0.8]  # the chosen axes survived the reload
    other.close()


def test_download_a_figure_and_its_data(server, page):
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    page.wait_for_function("() => location.search.includes('scenario=')")
    card = page.locator("#explore-ts-card")
    for fmt, check in (("csv", b"metric"), ("png", b"\x89PNG")):
        card.locator(".dl-format").click()
        page.locator(f"[role=option]:has-text('{fmt.upper()}')").click()
        with page.expect_download(timeout=60_000) as dl:
            card.locator("button:has-text('Download')").click()
        data = Path(dl.value.path()).read_bytes()
        assert dl.value.suggested_filename == f"metrics_over_time.{fmt}"
        assert check in data[:400]
    if fmt == "png":
        from analysis import metadata

        prov = metadata.read(data, "png")
        assert prov["scenarios"][0]["id"] == "baseline_democracy-v1"
        assert json.dumps(prov)


def test_back_restores_the_previous_view(server, page):
    """The browser's back button restores the view the URL describes (history.js reloads the
    page on popstate): a changed control returns to its earlier value. The settings are this
    test's own, so no run comes from another test's cache."""
    base, _ = server
    page.goto(f"{base}/explore?set=steps%3D25&set=electorate.n_voters%3D1500")
    ran(page, "explore")
    selector = f"{control('electorate.information')} input[type=number]"
    before = page.locator(selector).input_value()
    page.locator(selector).fill("0.35")
    page.locator(selector).press("Enter")
    page.click("#explore-run")  # the URL takes the new value when the run is done
    page.wait_for_function(
        "() => location.search.includes('electorate.information%3D0.35')", timeout=60_000
    )
    page.go_back()
    page.wait_for_function("() => !location.search.includes('electorate.information%3D0.35')")
    page.wait_for_function(
        """([sel, want]) => document.querySelector(sel)?.value === want""",
        arg=[selector, before],
        timeout=30_000,
    )
