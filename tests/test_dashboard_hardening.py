"""The dashboard under hostile input (issue 10): the Host allow-list; malformed requests to
every route and every callback (payloads built from the real layouts, sent through the
Flask test client exactly as the renderer sends them) never give HTTP 500; draws and
downloads only read the run cache; the job cap answers "busy", and finished, cancelled or
abandoned jobs leave no process behind; `instalign figures` interrupted leaves no browser."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from dashboard import guard, hosts, jobs, stores
from dashboard.app import DISPATCH, create_app
from dashboard.jobs import Limits
from dashboard.reproduce import config_for
from sim.errors import ConfigError

HEAVY = "?scenario=baseline_democracy-v1&set=steps%3D15000"  # the reported attack: uncached
SMALL = "?scenario=baseline_democracy-v1&set=steps%3D5&set=electorate.n_voters%3D200"
BAD_VALUES = [
    None, 0, -1, 1.5, 10**30, True, "", "x" * 30_000, "../../../etc/passwd", "\x00",
    [], [1, "a", None], {}, {"a": {"b": []}}, {"search": 5}, {"search": "?reps=x"},
    {"figure": "nope", "source": {}}, {"kind": "store", "store": "/etc"},
]  # fmt: skip


@pytest.fixture
def app(tmp_path):
    return create_app(tmp_path / "results", limits=Limits(jobs=2, work=5e9, abandon=2.0))


def sid(cid) -> str:
    """A component id as Dash writes it in callback requests."""
    return cid if isinstance(cid, str) else json.dumps(cid, sort_keys=True, separators=(",", ":"))


# ---- building callback requests from the layout ------------------------------------------


def components(tree, out=None) -> dict[str, tuple]:
    """Every component with an id in a layout (JSON): string id -> (id, props)."""
    out = {} if out is None else out
    if isinstance(tree, list):
        for item in tree:
            components(item, out)
    elif isinstance(tree, dict):
        props = tree.get("props", {}) if "type" in tree else {}
        if "id" in props:
            out[sid(props["id"])] = (props["id"], props)
        for value in (props or tree).values():
            components(value, out)
    return out


def page_layouts(client, app) -> dict[str, tuple]:
    """The shell's components plus every page's (rendered through the route callback)."""
    found = components(client.get("/_dash-layout").get_json())
    route = next(k for k in app.callback_map if "page.children" in k)
    for path in ("/explore", "/compare", "/sweeps"):
        body = request_body(app, route, found, {"url.pathname": path})
        answer = client.post(DISPATCH, json=body).get_json()
        components(answer["response"]["page"]["children"], found)
    return found


def concrete(dep_id: str, found: dict, match: dict) -> list:
    """The layout ids a dependency id names (all of them for ALL, one for MATCH)."""
    if not dep_id.startswith("{"):
        return [dep_id]
    pattern = json.loads(dep_id)
    ids = [
        cid
        for cid, _ in found.values()
        if isinstance(cid, dict)
        and cid.keys() == pattern.keys()
        and all(v == pattern[k] or pattern[k] in (["ALL"], ["MATCH"]) for k, v in cid.items())
        and all(cid[k] == v for k, v in match.items() if k in cid)
    ]
    if any(v == ["MATCH"] for v in pattern.values()):
        for k, v in pattern.items():
            if v == ["MATCH"] and ids:
                match.setdefault(k, ids[0][k])
        return [c for c in ids if all(c[k] == v for k, v in match.items())][:1]
    return ids


def entries(dep: dict, found: dict, match: dict, values: dict) -> list[dict] | dict:
    ids, prop = concrete(dep["id"], found, match), dep["property"]
    out = [{"id": c, "property": prop, "value": value_of(c, prop, found, values)} for c in ids]
    many = dep["id"].startswith("{") and ["ALL"] in json.loads(dep["id"]).values()
    return out if many else (out[0] if out else {"id": dep["id"], "property": prop})


def value_of(cid, prop: str, found: dict, values: dict):
    key = f"{sid(cid)}.{prop}"
    return values[key] if key in values else found.get(sid(cid), (None, {}))[1].get(prop)


def request_body(app, output: str, found: dict, values: dict | None = None) -> dict:
    """A callback request as the renderer sends it, with the layout's values (or `values`,
    keyed `id.property`)."""
    cb, match, values = app.callback_map[output], {}, values or {}
    ins = [entries(d, found, match, values) for d in cb["inputs"]]
    state = [entries(d, found, match, values) for d in cb["state"]]
    declared = cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
    outs = [entries(o.to_dict(), found, match, {}) for o in declared]
    for o in outs:
        for e in o if isinstance(o, list) else [o]:
            e.pop("value", None)
    first = ins[0] if isinstance(ins[0], dict) else {"id": "x", "property": "y"}
    return {
        "output": output,
        "outputs": outs if isinstance(cb["output"], list) else outs[0],
        "inputs": ins,
        "state": state,
        "changedPropIds": [f"{sid(first['id'])}.{first['property']}"],
    }


def with_value(body: dict, field: str, index: int, value) -> dict:
    """`body` with the value of one input or state entry (every entry of a list) replaced."""
    body = json.loads(json.dumps(body))
    item = body[field][index]
    for e in item if isinstance(item, list) else [item]:
        e["value"] = value
    return body


def call(client, body: dict, timeout: float = 30.0):
    """POST a callback request; for a background callback, poll its job to the end.
    Returns the last response."""
    r = client.post(DISPATCH, json=body)
    handles = r.get_json(silent=True) if r.status_code == 200 else None
    if not (isinstance(handles, dict) and "cacheKey" in handles):
        return r
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = client.post(DISPATCH, json=body, query_string=query)
        done = r.get_json(silent=True) if r.status_code == 200 else None
        if r.status_code != 200 or (isinstance(done, dict) and "response" in done):
            return r
        time.sleep(0.1)
    raise TimeoutError(f"job of {body['output'][:60]} still running after {timeout} s")


def answer_text(r) -> str:
    return r.get_data(as_text=True)


# ---- the Host allow-list ------------------------------------------------------------------


def test_host_names_parse_like_the_header():
    assert hosts.host_name("LOCALHOST:8050") == "localhost"
    assert hosts.host_name("[::1]:80") == "[::1]" and hosts.host_name("127.0.0.1") == "127.0.0.1"
    assert hosts.host_name("evil.example.:80") == "evil.example"
    names = hosts.allowed_names(["Lab.Example"], bind="0.0.0.0")
    assert names == ("127.0.0.1", "localhost", "[::1]", "lab.example")
    assert "10.0.0.5" in hosts.allowed_names((), bind="10.0.0.5")
    assert hosts.from_env(" a.example, ,b.example") == [" a.example", "b.example"]


def test_only_allowed_host_names_are_served(tmp_path):
    app = create_app(tmp_path / "results", allow_hosts=["lab.example"])
    client = app.server.test_client()
    for host in ("127.0.0.1:8050", "localhost", "[::1]:9000", "lab.example:8050"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "localhost.evil.example:8050", "127.0.0.1.nip.io", ""):
        for path in ("/", "/_dash-layout", DISPATCH, "/assets/style.css"):
            r = client.get(path, headers={"Host": host})
            assert r.status_code == 400, (host, path)
            assert answer_text(r).count("\n") == 1  # one line
    assert "--allow-host" in answer_text(client.get("/", headers={"Host": "evil.example"}))


# ---- malformed requests: 4xx with one line, never 500 -------------------------------------


def test_malformed_requests_to_every_route_get_a_one_line_4xx(app):
    client = app.server.test_client()
    bodies = [b"not json", b"[1]", b"{}", b'{"output": 5}', b'{"output": "nope.children"}']
    route = next(k for k in app.callback_map if "page.children" in k)
    bodies += [
        json.dumps({"output": route, "inputs": "x", "state": [], "outputs": []}).encode(),
        json.dumps({"output": route, "inputs": [{"id": 1}], "state": [{}], "outputs": []}).encode(),
        json.dumps({"output": route, "inputs": [{"id": "url", "property": "pathname"}],
                    "state": [{"id": "url", "property": "search"}], "outputs": [1]}).encode(),
    ]  # fmt: skip
    for body in bodies:
        r = client.post(DISPATCH, data=body, content_type="application/json")
        assert 400 <= r.status_code < 500, (body, r.status_code)
    big = client.post(DISPATCH, data=b"x" * (5 * 2**20), content_type="application/json")
    assert big.status_code == 413
    for path in ("/_dash-component-suites/dash/nope.js", "/_dash-component-suites/../x",
                 "/assets/../../etc/passwd", "/_dash-layout?x=%00", "/nope?a=%ff"):  # fmt: skip
        assert client.get(path).status_code < 500, path


def test_every_callback_answers_malformed_inputs_without_a_500(app):
    """Each callback of the app, with each of its inputs and states replaced in turn by each
    malformed value, as a real request (background callbacks polled to their end)."""
    client = app.server.test_client()
    found = page_layouts(client, app)
    tried = 0
    for output, cb in app.callback_map.items():
        if "callback" not in cb:  # clientside: the server refuses it (one line, 400)
            r = client.post(DISPATCH, json=request_body(app, output, found))
            assert r.status_code == 400 and "in the browser" in answer_text(r), output
            continue
        base = request_body(app, output, found)
        assert call(client, base).status_code in (200, 204), output  # a well-formed request
        for field in ("inputs", "state"):
            for i in range(len(base[field])):
                for value in BAD_VALUES:
                    r = call(client, with_value(base, field, i, value))
                    # answered (with a message or no change), never a server error
                    assert r.status_code in (200, 204), (output, field, i, repr(value)[:60])
                    tried += 1
    assert tried > 300
    assert not app.server.config["INSTALIGN_JOBS"].live() or wait_reaped(app)


def wait_reaped(app, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while app.server.config["INSTALIGN_JOBS"].live() and time.monotonic() < end:
        time.sleep(0.1)
    return not app.server.config["INSTALIGN_JOBS"].live()


def test_bad_values_get_inline_messages(app):
    client = app.server.test_client()
    found = page_layouts(client, app)
    download = next(k for k in app.callback_map if '"dl"' in k)
    body = request_body(app, download, found)
    for spec, expect in (
        ({"figure": "nope", "source": {"kind": "runs", "search": ""}}, "registry"),
        ({"figure": "metrics_over_time", "source": {"kind": "disk", "search": ""}}, "source"),
        ({"figure": "metrics_over_time", "source": {"kind": "runs", "search": HEAVY}},
         "not computed yet"),
        ({"figure": "phase_diagram", "source": {"kind": "store", "store": "../x"}}, "results"),
        ({"figure": "metrics_over_time", "source": {"kind": "runs", "search": ""},
          "options": {"rm_rf": 1}}, "unknown option"),
    ):  # fmt: skip
        r = call(client, with_value(body, "state", 1, spec))
        assert r.status_code == 200 and expect in answer_text(r), (spec, answer_text(r)[:300])
    r = call(client, with_value(with_value(body, "state", 0, "exe"), "state", 1, {}))
    assert r.status_code < 500


# ---- draws and downloads only read the cache ----------------------------------------------


def explore_draw(app) -> str:
    return next(k for k in app.callback_map if "explore-ts-graph.figure@" in k)


def test_a_crafted_draw_answers_running_at_once_and_runs_nothing(app):
    """The reported attack: a draw for 15,000 uncached steps. The answer is a job request
    (the page then starts a capped background job), in well under a second, with no model
    run in the request thread and no process started."""
    client = app.server.test_client()
    found = page_layouts(client, app)
    body = request_body(app, explore_draw(app), found)
    crafted = {"search": HEAVY, "seeds": ["0"], "seconds": 1.0}
    before = psutil.Process().children()
    started = time.monotonic()
    r = call(client, with_value(body, "inputs", 0, crafted))
    took = time.monotonic() - started
    out = r.get_json()["response"]
    assert took < 2.0, took
    assert out["explore-job"]["data"]["search"] == HEAVY
    assert "running" in json.dumps(out["explore-status"])
    assert psutil.Process().children() == before
    huge = {"search": "?set=steps%3D1000000&set=electorate.n_voters%3D10000000", "seeds": ["0"],
            "seconds": 1.0}  # fmt: skip
    r = call(client, with_value(body, "inputs", 0, huge))
    assert "too much work" in answer_text(r) and "explore-job" not in r.get_json()["response"]
    again = {**crafted, "computed": True}  # a job just ran: no loop of jobs
    r = call(client, with_value(body, "inputs", 0, again))
    assert "no longer cached" in answer_text(r)


def test_a_run_computes_in_a_job_then_draws_from_the_cache(app):
    client = app.server.test_client()
    found = page_layouts(client, app)
    job_cb = next(k for k in app.callback_map if k.startswith("..explore-spec.data@"))
    body = with_value(request_body(app, job_cb, found), "inputs", 0, {"search": SMALL, "click": 1})
    r = call(client, body)
    spec = r.get_json()["response"]["explore-spec"]["data"]
    assert spec["computed"] and spec["seeds"] == ["1"]  # the scenario's seed
    ctx = app.server.config["INSTALIGN_CONTEXT"]
    assert ctx.runs.missing(config_for("baseline_democracy-v1", [("steps", 5),
                                       ("electorate.n_voters", 200)]), [1]) == 0  # fmt: skip
    draw = request_body(app, explore_draw(app), found)
    out = call(client, with_value(draw, "inputs", 0, spec)).get_json()["response"]
    assert "1 run in" in json.dumps(out["explore-status"]) and "explore-job" not in out
    assert wait_reaped(app)


def test_a_cached_view_arrives_drawn_in_the_layout(app):
    """Once a view's runs are cached, Explore's layout for its URL holds its result spec
    and every value the draw callback would send (figures, specs, commands, status), so the
    page needs no Run or draw round trip; before that it holds none and the Run plans a job."""
    from dashboard.pages import explore

    client = app.server.test_client()
    found = page_layouts(client, app)
    draw_cb = explore_draw(app)
    route = next(k for k in app.callback_map if "page.children" in k)

    def layout() -> dict:
        body = request_body(app, route, found, {"url.pathname": "/explore", "url.search": SMALL})
        answer = client.post(DISPATCH, json=body).get_json()
        return components(answer["response"]["page"]["children"], {})

    assert layout()["explore-spec"][1].get("data") is None  # not computed yet
    job_cb = next(k for k in app.callback_map if k.startswith("..explore-spec.data@"))
    body = with_value(request_body(app, job_cb, found), "inputs", 0, {"search": SMALL, "click": 1})
    spec = call(client, body).get_json()["response"]["explore-spec"]["data"]
    drawn = layout()
    assert drawn["explore-spec"][1]["data"]["seeds"] == spec["seeds"]
    sent = call(client, with_value(request_body(app, draw_cb, found), "inputs", 0, spec))
    sent = sent.get_json()["response"]
    graph = explore.panels.graph_id("explore-ts")
    assert drawn[graph][1]["figure"]["data"] == sent[graph]["figure"]["data"]
    assert drawn["explore-cli"][1]["children"] == sent["explore-cli"]["children"]
    assert " in " in drawn["explore-status"][1]["children"]
    assert wait_reaped(app)


# ---- the job cap, joins, abandoned and cancelled jobs --------------------------------------


def heavy_job(app, found, click: int) -> dict:
    job_cb = next(k for k in app.callback_map if k.startswith("..explore-spec.data@"))
    search = "?set=steps%3D100000&set=electorate.n_voters%3D40000"  # 5e9: the largest allowed
    job = {"search": search, "click": click}
    return with_value(request_body(app, job_cb, found), "inputs", 0, job)


def test_the_job_cap_answers_busy_and_jobs_leave_no_process(app):
    client = app.server.test_client()
    found = page_layouts(client, app)
    manager = app.server.config["INSTALIGN_JOBS"]
    handles = [client.post(DISPATCH, json=heavy_job(app, found, i)).get_json() for i in range(4)]
    pids = [int(h["job"].split("~")[0]) for h in handles]
    assert pids[0] > 0 and pids[1] > 0 and pids[2] == pids[3] == jobs.NO_JOB
    assert manager.slots.taken() == 2
    busy = client.post(DISPATCH, json=heavy_job(app, found, 2), query_string=handles[2])
    assert "busy" in answer_text(busy) and "try again" in answer_text(busy)
    joined = client.post(DISPATCH, json=heavy_job(app, found, 0)).get_json()
    assert joined["job"].split("~")[0] == str(pids[0])  # the same request joins its job
    procs = [psutil.Process(p) for p in pids[:2]]
    end = time.monotonic() + 5
    while any(p.nice() < jobs.NICE for p in procs) and time.monotonic() < end:
        time.sleep(0.05)
    assert all(p.nice() >= jobs.NICE for p in procs)  # the web server's threads come first
    cancel = heavy_job(app, found, 1)  # a new request on the same callback cancels the old job
    client.post(DISPATCH, json=cancel, query_string={"oldJob": handles[1]["job"]})
    gone, _ = psutil.wait_procs(procs[1:], timeout=5)
    assert gone, "the cancelled job was killed"
    # nobody polls job 0 (or the job the cancel request started) any more: they stop
    # themselves after `abandon` seconds, are reaped, and free their slots
    assert wait_reaped(app, 15.0), manager.live()
    assert not [c for c in psutil.Process().children() if c.pid in pids]
    assert manager.slots.taken() == 0


def test_the_pages_cancel_stops_its_job_by_the_requests_token(app):
    """Cancel pressed before the page has polled its job once (the browser does not know the
    job's handle yet, so Dash's own cancel reaches nobody) stops the job on the server by
    the token of the page's job request; another token or no token stops nothing."""
    client = app.server.test_client()
    found = page_layouts(client, app)
    body = heavy_job(app, found, 1)
    job = {**body["inputs"][0]["value"], "token": "a1b2c3d4e5f60718"}
    started = client.post(DISPATCH, json=with_value(body, "inputs", 0, job)).get_json()
    proc = psutil.Process(int(started["job"].split("~")[0]))
    cancel_cb = next(k for k in app.callback_map if k.startswith("explore-cancel.title"))
    cancel = request_body(app, cancel_cb, found)
    for other in ({**job, "token": "ffffffffffffffff"}, {"search": job["search"]}, None, 7):
        call(client, with_value(cancel, "state", 0, other))
        assert proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    call(client, with_value(cancel, "state", 0, job))
    gone, _ = psutil.wait_procs([proc], timeout=5)
    assert gone, "the job of the cancelled request was stopped"
    assert wait_reaped(app)


def test_handles_of_finished_or_foreign_processes_are_never_killed(app):
    manager = app.server.config["INSTALIGN_JOBS"]
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        for job in (sleeper.pid, str(sleeper.pid), os.getpid(), 0, -1, "x", None, 1):
            manager.terminate_job(job)
            assert not manager.job_running(job)
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_limits_and_the_work_budget(monkeypatch):
    assert Limits.from_env({}) == Limits()
    assert Limits.from_env({"INSTALIGN_DASHBOARD_JOBS": "4"}).jobs == 4
    for bad in ("0", "-2", "many", "1.5"):
        with pytest.raises(ConfigError, match="INSTALIGN_DASHBOARD_JOBS"):
            Limits.from_env({"INSTALIGN_DASHBOARD_JOBS": bad})
    config = config_for("baseline_democracy-v1", [("steps", 100), ("electorate.n_voters", 990)])
    assert jobs.work(config, 3) == 100 * (990 + jobs.STEP_VOTERS) * 3
    assert jobs.over_budget([(config, 3)], Limits(work=3.3e6)) == ""
    msg = jobs.over_budget([(config, 3), (config, 3)], Limits(work=3.3e6))
    assert "too much work" in msg and "\n" not in msg


# ---- client data: guard, URL state, stores and manifests -----------------------------------


def test_guard_checks_types_and_sizes():
    assert guard.text(None, "x") == "" and guard.texts(None, "x") == []
    for bad in (5, ["a"], "x" * (guard.MAX_TEXT + 1)):
        with pytest.raises(guard.BadInput, match=r"^x"):
            guard.text(bad, "x")
    with pytest.raises(guard.BadInput, match="unknown name"):
        guard.names(["welfare", "nope"], "metrics", {"welfare": 1})
    with pytest.raises(guard.BadInput):
        guard.whole(True, "page", 0, 5)
    with pytest.raises(guard.BadInput, match="search"):
        guard.record({"search": 5}, "job", {"search": str})


def test_url_state_bounds():
    from dashboard.state import MAX_ARMS, MAX_QUERY, CompareState, ExploreState

    state, errors = ExploreState.from_search("?" + "a" * (MAX_QUERY + 1))
    assert state == ExploreState() and "longer than" in errors[0]
    state, errors = ExploreState.from_search("?" + "&".join(["metric=welfare"] * 400))
    assert "fields" in errors[0]
    state, errors = ExploreState.from_search("?metric=welfare&metric=bogus")
    assert state.metrics == ("welfare",) and "bogus" in errors[0]
    arms = "&".join(f"arm=a{i}%3Aelectorate.information%3D0.{i}" for i in range(5))
    state, errors = CompareState.from_search("?" + arms)
    assert len(state.arms) == MAX_ARMS and "at most" in errors[0]


@pytest.mark.parametrize(
    "manifest",
    ["{not json", "[1, 2]", '{"bases": 5}', '{"json_columns": "x", "spec": []}', ""],
)
def test_a_broken_store_is_a_message(tmp_path, manifest):
    results = tmp_path / "results"
    (results / "broken").mkdir(parents=True)
    (results / "broken" / stores.MANIFEST).write_text(manifest)
    with pytest.raises(ConfigError, match="broken"):
        stores.load(results, "broken")
    app = create_app(results)
    client = app.server.test_client()
    found = page_layouts(client, app)  # the Sweeps page lays out with the store's message
    assert "broken" in json.dumps(found["sweeps-errors"][1])
    draw = next(k for k in app.callback_map if "sweeps-phase-graph.figure" in k)
    r = call(client, request_body(app, draw, found, {"sweeps-store.value": "broken"}))
    assert r.status_code == 200 and "broken" in answer_text(r)


# ---- figure export: an interrupted export leaves no browser ------------------------------


def _descendants(proc: psutil.Process, seen: dict) -> None:
    for child in proc.children(recursive=True):
        try:
            seen.setdefault(child.pid, (child, " ".join(child.cmdline())))
        except psutil.Error:
            pass


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian's chromium")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_figures_export_leaves_no_browser(tiny_store, tmp_path, sig):
    """`instalign figures` killed (Ctrl-C, SIGTERM) while kaleido's chromium renders: when
    the command has exited, no process it started is left. The command starts with SIGINT
    at its default, as from a terminal: a shell's background job (`make test &`) inherits
    SIGINT ignored, and a command that ignores Ctrl-C rightly finishes its export."""
    cmd = [str(Path(sys.executable).parent / "instalign"), "figures", str(tiny_store),
           "--out", str(tmp_path / "figs"), "--format", "png,svg,pdf"]  # fmt: skip
    launch = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    launch += "os.execv(sys.argv[1], sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", launch, *cmd],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    me, seen = psutil.Process(proc.pid), {}
    end = time.monotonic() + 90
    while time.monotonic() < end and not any("chrom" in c for _, c in seen.values()):
        _descendants(me, seen)
        time.sleep(0.05)
    assert any("chrom" in c for _, c in seen.values()), "the export started a browser"
    time.sleep(1.0)  # mid-export: chromium and its helpers are up and rendering
    _descendants(me, seen)
    masks = _signal_masks(proc.pid)
    proc.send_signal(sig)
    code = proc.wait(timeout=30)
    left = [c for p, c in seen.values() if _alive(p)]
    assert not left, left
    assert code == (130 if sig == signal.SIGINT else 128 + sig), (proc.stderr.read(), masks)


def _signal_masks(pid: int) -> str:
    """The process's blocked, ignored and caught signal masks, as Linux shows them."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return ""
    return " ".join(x for x in lines if x.startswith(("SigBlk", "SigIgn", "SigCgt")))
