"""Explore's Tail panel (issue 14, dashboard/tail.py), through the real app's callbacks as the
renderer calls them (Flask test client; background jobs forked and polled): the layout holds
the panel and loads no estimator; a run completes and shows the p that `sim.rare.tail`
computes for the same scenario, values and seed, with the AMS trajectory; Cancel stops a
running job, by `Cancelled` from its progress callback, or by a kill when the job cannot
report yet; a bad event, horizon, method or budget is the one-line ConfigError message in the
panel, before and inside a job. The small closed-form system of tests/test_tail.py keeps
every estimate short: one aligned agent, Binomial(20, 0.05) catastrophes."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import psutil
import pytest
from test_dashboard_hardening import DISPATCH, call, page_layouts, request_body, with_value
from test_tail import BINOMIAL, SCENARIO

from dashboard import tail
from dashboard.app import create_app
from dashboard.jobs import Limits
from dashboard.state import ExploreState, format_set

PENDING = [format_set(k, v) for k, v in BINOMIAL.items()]
SIDEBAR = {"explore-scenario.value": SCENARIO, "explore-pending.data": PENDING}
SEARCH = ExploreState(SCENARIO, tuple(BINOMIAL.items())).to_search()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(tmp_path_factory.mktemp("tail") / "results", limits=Limits(abandon=5.0))


@pytest.fixture(scope="module")
def found(app):
    return page_layouts(app.server.test_client(), app)


def key(app, start: str) -> str:
    return next(k for k in app.callback_map if k.startswith(start))


def run_body(app, found, **fields) -> dict:
    """The Run callback's request: the binomial scenario as pending overrides (no control
    rendered), the panel's fields as given (else the layout's)."""
    names = {"event": "event", "by_step": "by-step", "method": "method", "budget": "budget"}
    values = {**SIDEBAR, "tail-run.n_clicks": 1}
    values.update({f"tail-{names[k]}.value": v for k, v in fields.items()})
    body = request_body(app, key(app, "..tail-job.data"), found, values)
    body["state"][1], body["state"][2] = [], []  # the ALL controls: none rendered
    return body


def job_body(app, found, job) -> dict:
    body = request_body(app, key(app, "..tail-result.children"), found)
    return with_value(body, "inputs", 0, job)


def texts(tree) -> list[str]:
    """Every string in a component tree (JSON), in order."""
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, list):
        return [t for item in tree for t in texts(item)]
    if isinstance(tree, dict):
        props = tree.get("props", tree)
        return texts(props.get("children")) if isinstance(props, dict) else []
    return []


def start(client, app, found, **fields) -> dict:
    """Press Run: the response's outputs."""
    r = client.post(DISPATCH, json=run_body(app, found, **fields))
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["response"]


def poll(client, body: dict, query: dict, timeout: float = 30.0) -> dict:
    """Poll a started job (its handles in `query`) to its answer."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = client.post(DISPATCH, json=body, query_string=query).get_json() or {}
        if "response" in done:
            return done["response"]
        time.sleep(0.1)
    raise TimeoutError("the job did not answer")


def test_the_layout_holds_the_panel_and_loads_no_estimator(app, found):
    from sim.rare.tail import METHODS

    for cid in ("tail-panel", "tail-event", "tail-by-step", "tail-method", "tail-budget",
                "tail-run", "tail-cancel", "tail-progress", "tail-status", "tail-result",
                "tail-job"):  # fmt: skip
        assert cid in found, cid
    assert found["tail-event"][1]["value"] == "catastrophes >= 1"
    assert [o["value"] for o in found["tail-method"][1]["options"]] == list(METHODS)
    assert found["tail-budget"][1]["value"] == tail.DEFAULT_BUDGET
    assert found["tail-cancel"][1]["disabled"] is True
    code = (
        "import sys, tempfile, pathlib; from dashboard.app import create_app; "
        "app = create_app(pathlib.Path(tempfile.mkdtemp()) / 'r'); "
        "c = app.server.test_client(); assert c.get('/explore').status_code == 200; "
        "print(sorted(m for m in sys.modules if m.startswith(('sim.rare', 'analysis.tail'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_run_completes_and_shows_p(app, found):
    """AMS, 20 particles, catastrophes >= 4 by step 20: the panel shows the p that
    sim.rare.tail gives for the same config and seed (the scenario's), the table, the command
    and the level trajectory with its finding."""
    from sim.rare.tail import estimate, prepare
    from sim.scenario import load

    client = app.server.test_client()
    out = start(client, app, found, event="catastrophes >= 4", method="ams", budget=20)
    job = out["tail-job"]["data"]
    assert job["method"] == "ams" and job["budget"] == 20 and "running" in str(out)
    started = time.monotonic()
    done = call(client, job_body(app, found, job), timeout=60).get_json()["response"]
    took = time.monotonic() - started
    config = load(SCENARIO, BINOMIAL)
    want = estimate(prepare(config, "catastrophes >= 4", None, "ams"), "ams", 20,
                    int(config["seed"]))  # fmt: skip
    shown = texts(done["tail-result"]["children"])
    status = " ".join(texts(done["tail-status"]["children"]))
    assert f"p = {want.p:.4g}" in status, (status, want.p)
    assert f"{want.p:.4g}" in shown and f"{want.model_steps:,}" in shown, shown
    assert any(t.startswith("surprise") for t in shown)
    command = next(t for t in shown if t.startswith("instalign tail"))
    assert "--method ams" in command and "--budget 20" in command and "--figure" in command
    graph = json.dumps(done["tail-result"]["children"])
    assert "tail-graph" in graph and "AMS climbed" in graph  # the figure and its finding
    print(f"AMS job: {took:.2f} s")


def test_cancel_stops_a_running_job_by_cancelled(app, found):
    """MC with 20,000 paths (minutes): Cancel asks the job to stop; its progress callback
    raises Cancelled and the job answers itself ("Cancelled at MC path ..."); no process is
    left."""
    client = app.server.test_client()
    job = start(client, app, found, event="catastrophes >= 4", method="mc", budget=20_000)
    job = job["tail-job"]["data"]
    body = job_body(app, found, job)
    handles = client.post(DISPATCH, json=body).get_json()
    proc = psutil.Process(int(handles["job"].split("~")[0]))
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    note = ""
    end = time.monotonic() + 30
    while "MC path" not in note and time.monotonic() < end:  # the bar moves
        time.sleep(0.2)
        polled = client.post(DISPATCH, json=body, query_string=query).get_json() or {}
        note = json.dumps(polled.get("progress", {}))
    assert "MC path" in note, note
    cancel = request_body(app, key(app, "..tail-cancel.title"), found)
    started = time.monotonic()
    r = client.post(DISPATCH, json=with_value(cancel, "state", 0, job)).get_json()
    assert time.monotonic() - started < tail.GRACE  # it stopped itself: no wait, no kill
    assert "tail-status" not in r["response"]  # the job's own answer says it
    answer = poll(client, body, query)
    status = " ".join(texts(answer["tail-status"]["children"]))
    assert status.startswith("Cancelled at MC path") and "nothing estimated" in status, status
    assert psutil.wait_procs([proc], timeout=5)[0], "the cancelled job ended"


def test_cancel_kills_a_job_that_cannot_report_yet(app, found):
    """AMS runs its 5,000 first paths before its first report: Cancel waits GRACE seconds,
    then kills the job and says so."""
    client = app.server.test_client()
    job = start(client, app, found, event="catastrophes >= 4", method="ams", budget=5000)
    job = job["tail-job"]["data"]
    handles = client.post(DISPATCH, json=job_body(app, found, job)).get_json()
    proc = psutil.Process(int(handles["job"].split("~")[0]))
    cancel = request_body(app, key(app, "..tail-cancel.title"), found)
    r = client.post(DISPATCH, json=with_value(cancel, "state", 0, job)).get_json()
    assert "Cancelled" in json.dumps(r["response"]["tail-status"])
    assert psutil.wait_procs([proc], timeout=5)[0], "the job was killed"


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"event": "catastrophe >= 1"}, "event: unknown metric 'catastrophe'"),
        ({"event": "catastrophes => 1"}, "event: cannot read"),
        ({"event": "catastrophes >= 1", "by_step": 21}, "by step: step 21 is outside"),
        ({"event": "catastrophes >= 1", "method": "amss"}, "did you mean 'ams'"),
        ({"event": "catastrophes >= 1", "budget": 1}, "budget: 1 is too small"),
        ({"event": 5}, "event: expected text"),
    ],
)
def test_bad_input_is_the_one_line_message_in_the_panel(app, found, fields, fragment):
    """Refused at Run (nothing started), and by the job too when the request is crafted."""
    client = app.server.test_client()
    out = start(client, app, found, **fields)
    assert "tail-job" not in out
    lines = texts(out["tail-status"]["children"])
    assert len(lines) == 1 and fragment in lines[0] and "\n" not in lines[0], lines
    crafted = {"search": SEARCH, "token": "0123456789abcdef", "method": "ams",
               "budget": 20, "event": "catastrophes >= 1", **fields}  # fmt: skip
    done = call(client, job_body(app, found, crafted)).get_json()["response"]
    lines = texts(done["tail-status"]["children"])
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    assert fragment.split(":")[0] in lines[0], lines  # the field is named


def test_the_progress_callback_reports_and_stops():
    """The estimator's callback: the bar in permille with the note, at most every
    PROGRESS_EVERY seconds but always at the end; Cancelled once the page asked to stop."""

    class Stop(Exception):
        pass

    sent, ask, last = [], [False], [""]
    report = tail.reporter(sent.append, lambda: ask[0], last, Stop)
    report(0.25, "AMS iteration 1, level 0")
    report(0.5, "AMS iteration 2, level 1")  # within PROGRESS_EVERY: not sent
    report(1.0, "AMS iteration 3, level 2")  # the end: sent
    assert sent == [("250", "1000", "AMS iteration 1, level 0 (25%)"),
                    ("1000", "1000", "AMS iteration 3, level 2 (100%)")]  # fmt: skip
    ask[0] = True
    time.sleep(tail.STOP_EVERY)
    with pytest.raises(Stop):
        report(0.9, "AMS iteration 4, level 3")
    assert last[0] == "AMS iteration 4, level 3"
