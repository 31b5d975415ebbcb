"""The dashboard in a real headless Chromium (Debian's, through Playwright) against the real
production server (gunicorn, 2 workers sharing one cache folder) started as a subprocess on a
free loopback port and stopped by its PID. Screenshots of each page go to tests/artifacts/.

Covers: load each page, change a control, run, see the graph change; invalid input shows an
inline message naming the field and the server keeps serving; cancel a long run (its job
process is killed); open a run from the sweep table (Explore reruns it exactly: the store's
final value); reload a shared URL and get the same view; download a figure and its data."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import psutil
from browser import (
    SMALL,
    browser_marks,
    control,
    drawn,
    mean_lines,
    ran,
    redrawn,
    shoot,
)

from dashboard.jobs import Limits

pytestmark = browser_marks()


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
    page.click('[id*=\'"name":"bureaucracy"\'] > summary')  # rendered when opened
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
    # the page's Cancel stops the job on the server by its request's token (plans.
    # register_cancel), well before the abandon watchdog (Limits.abandon, 20 s) would
    _, alive = psutil.wait_procs(jobs, timeout=Limits().abandon / 4)
    alive = [p for p in alive if _running(p)]  # a zombie is dead, just not reaped yet
    assert not alive, "the cancelled job's process was stopped"
    assert page.inner_text("#explore-status") == "Cancelled"  # it never reported a result
    page.goto(f"{base}/explore?{SMALL}")  # and the next run works
    ran(page, "explore")


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
    other.close()  # the Sweeps page's reload: tests/test_browser_sweeps.py


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
    """A run on Explore replaces its history entry (the URL is the view on screen), so Back
    leaves the page instead of stepping through runs; Back from another page returns to the
    view (test_browser_explore.py follows the nav links through every page)."""
    base, _ = server
    page.goto(f"{base}/explore?set=steps%3D25&set=electorate.n_voters%3D1500")
    ran(page, "explore")
    selector = f"{control('electorate.information')} input[type=number]"
    page.locator(selector).fill("0.35")
    page.locator(selector).press("Enter")
    page.click("#explore-run")  # the URL takes the new value when the run is done
    page.wait_for_function(
        "() => location.search.includes('electorate.information%3D0.35')", timeout=60_000
    )
    page.click("#nav-sweeps")
    page.wait_for_function("() => location.pathname === '/sweeps'")
    page.go_back()
    page.wait_for_function("() => location.pathname === '/explore'")
    assert "electorate.information%3D0.35" in page.url
    page.wait_for_function(
        """([sel, want]) => document.querySelector(sel)?.value === want""",
        arg=[selector, "0.35"],
        timeout=30_000,
    )
