"""Unit tests of the dashboard's pure parts: state to URL and back, controls generated from the
parameter schema and read back, inline messages for invalid input, path containment of sweep
stores, the reproduce commands, and the run cache (chunked runs equal the CLI's runs)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.figures import Unavailable
from dashboard import controls, sections, stores
from dashboard.pages import explore
from dashboard.reproduce import (
    config_for,
    parse_yaml,
    replications_command,
    run_command,
    scenario_yaml,
)
from dashboard.runs import MAX_ROWS, RunCache, chunk_sizes, execute, run_key, seeds_for, thin
from dashboard.state import (
    CompareState,
    ExploreState,
    SweepsState,
    format_set,
    read_set,
)
from sim.errors import ConfigError
from sim.params import PARAMS
from sim.run import run
from sim.scenario import discover, load, parse_set

SCENARIOS = sorted(discover())


# ---- state <-> URL ------------------------------------------------------------------------


def some_values():
    """Every parameter at its default and at each declared bound (valid, non-default)."""
    out = [(path, p.validate(p.default)) for path, p in PARAMS.items()]
    for path, p in PARAMS.items():
        for bound in (p.low, p.high):
            if p.kind in ("int", "float") and bound is not None:
                out.append((path, p.validate(int(bound) if p.kind == "int" else float(bound))))
        if p.kind == "choice":
            out += [(path, p.validate(c)) for c in p.choices]
            if p.many:
                out.append((path, p.validate(list(p.choices[:2]))))
    return out


@settings(max_examples=60, deadline=None)
@given(
    info=st.floats(0.0, 1.0, allow_nan=False),
    voters=st.integers(2, 10_000_000),
    seed=st.integers(0, 2**63 - 1),
    reps=st.integers(1, 50),
)
def test_explore_state_round_trip(info, voters, seed, reps):
    sets = (("electorate.information", info), ("electorate.n_voters", voters), ("seed", seed))
    state = ExploreState("low_information_electorate-v1", sets, reps, ("approval", "welfare"))
    assert ExploreState.from_search(state.to_search()) == (state, [])


def test_bad_url_entries_are_dropped_with_a_message_naming_the_field():
    search = "?scenario=x&set=electorate.informaton%3D0.2&set=electorate.n_voters%3D1&reps=99"
    state, errors = ExploreState.from_search(search)
    assert state.sets == () and state.reps == 1
    text = "\n".join(errors)
    assert "electorate.informaton" in text and "electorate.information" in text  # suggestion
    assert "electorate.n_voters" in text and "out of range" in text
    assert "reps" in text


def test_compare_state_round_trip_and_bad_arms():
    arms = (
        ("informed", (("electorate.information", 0.9),)),
        ("many-parties", (("politicians.count", 4), ("seed", 3))),
    )
    state = CompareState("baseline_democracy-v1", (("steps", 50),), arms, 12, ("welfare",))
    assert CompareState.from_search(state.to_search()) == (state, [])
    _, errors = CompareState.from_search("?arm=bad%20name:seed%3D1&arm=ok:nosuch%3D1")
    assert any("bad intervention" in e for e in errors) and any("nosuch" in e for e in errors)


def test_sweeps_state_round_trip():
    state = SweepsState("sub/demo", "welfare", "a.b", "c.d", "catastrophes > 0", 3)
    assert SweepsState.from_search(state.to_search()) == (state, [])
    assert SweepsState.from_search("?page=x")[1] == ["page: expected an integer, got 'x'"]


def test_every_parameter_value_survives_the_url_and_reads_back_like_the_cli():
    base = load("baseline_democracy-v1")
    for path, value in some_values():
        state = ExploreState(sets=((path, value),), reps=3, metrics=("welfare",))
        assert ExploreState.from_search(state.to_search()) == (state, []), (path, value)
        text = format_set(path, value)
        assert read_set(text) == (path, value)
        assert base.with_overrides(parse_set([text]))[path] == value


# ---- controls from the schema -------------------------------------------------------------


def test_every_parameter_gets_a_control_that_reads_back_its_value():
    for scenario in SCENARIOS:
        config = load(scenario)
        for path, p in PARAMS.items():
            comp = controls.component(p, config[path])
            assert comp.id == {"type": "param", "path": path}
            assert controls.coerce(p, comp.value) == config[path], (scenario, path)


def test_controls_follow_the_declared_kind_range_and_scale():
    kinds = {path: controls.widget(p) for path, p in PARAMS.items()}
    assert kinds["electorate.information"] == "slider"
    assert kinds["electorate.n_voters"] == "number"  # declared log: no linear slider
    assert kinds["politicians.strategy"] == "dropdown"
    assert kinds["seed"] == "bigint"  # 63-bit: would lose digits as a JavaScript number
    for path, p in PARAMS.items():
        comp = controls.component(p, p.validate(p.default))
        if kinds[path] == "slider":
            assert (comp.min, comp.max) == (p.low, p.high)
        if kinds[path] == "dropdown":
            assert comp.options == list(p.choices) and comp.multi == p.many
        text = controls.help_text(p)
        assert p.description in text and p.allowed() in text and p.unit in text


def _paths(tree) -> list[str]:
    """The parameter paths of every control row in a component tree."""
    node = tree.to_plotly_json() if hasattr(tree, "to_plotly_json") else tree
    if isinstance(node, list | tuple):
        return [p for item in node for p in _paths(item)]
    if not isinstance(node, dict):
        return []
    props = node.get("props", {})
    here = [props["data-path"]] if "data-path" in props else []
    return here + _paths(props.get("children"))


def test_sections_hold_every_parameter_once():
    config = load("full_institution-v1")  # every component on
    rows = [p for name in sections.grouped() for p in _paths(sections.body(name, config))]
    assert sorted(rows) == sorted(PARAMS)


def test_closed_sections_render_no_controls_and_off_components_only_their_switch():
    """Lazy sidebar: the run section and sections holding an override render their controls;
    the others render none until opened; a component that is off shows only its on-switch."""
    config = load("baseline_democracy-v1")
    boxes = {b.id["name"]: b for b in sections.sections(config, ["electorate.information"])}
    shown = {name: _paths(box) for name, box in boxes.items()}
    assert shown["run"] == ["steps", "seed"] and "electorate.information" in shown["electorate"]
    assert shown["politicians"] == []  # closed: rendered when opened
    assert shown["ai_agents"] == ["ai_agents.count"]  # off: just the switch
    assert shown["bureaucracy"] == ["bureaucracy.depth"]
    assert shown["oversight"] == ["oversight.layers"]
    assert sum(map(len, shown.values())) < 20  # of 89 parameters


def test_a_run_reads_pending_overrides_for_sections_never_rendered():
    pending = sections.pending([("electorate.information", 0.2), ("politicians.count", 3)])
    ids = [{"type": "param", "path": "steps"}, {"type": "param", "path": "politicians.count"}]
    state, config, errors = explore.prepare("baseline_democracy-v1", 1, ids, [7, 2], pending)
    assert not errors and config["electorate.information"] == 0.2  # never rendered: pending
    assert config["politicians.count"] == 2 and config["steps"] == 7  # rendered: the control
    assert dict(state.sets) == {"steps": 7, "electorate.information": 0.2}  # 2 is the default


def test_invalid_control_values_give_a_message_naming_the_field():
    assert controls.check("electorate.n_voters", 10) == ""
    msg = controls.check("electorate.n_voters", 0)
    assert msg.startswith("electorate.n_voters") and "out of range" in msg and "[2, " in msg
    assert "no value" in controls.check("electorate.information", None)
    assert "expected an integer" in controls.check("seed", "12x")
    assert controls.coerce(PARAMS["seed"], "4901673970096119456") == 4901673970096119456
    assert "unknown value" in controls.check("politicians.strategy", ["nosuch"])
    yaml_params = [p for p, q in PARAMS.items() if controls.widget(q) == "yaml"]
    for path in yaml_params:
        assert "malformed YAML" in controls.check(path, "[unclosed")


def test_read_controls_and_overrides():
    base = load("baseline_democracy-v1")
    ids = [{"type": "param", "path": p} for p in ("electorate.information", "steps", "seed")]
    values, errors = controls.read(ids, [0.25, 200, "1"])
    assert errors == {} and controls.overrides(base, values) == {"electorate.information": 0.25}
    _, errors = controls.read(ids, [2.0, None, "1"])
    assert set(errors) == {"electorate.information", "steps"}


def test_explore_prepare_names_every_bad_field():
    ids = [{"type": "param", "path": "electorate.n_voters"}]
    state, _, errors = explore.prepare("baseline_democracy-v1", 0, ids, [1])
    assert state is None and len(errors) == 2
    assert any("reps" in e for e in errors) and any("electorate.n_voters" in e for e in errors)
    state, config, errors = explore.prepare("baseline_democracy-v1", 2, ids, [500])
    assert errors == [] and state.sets == (("electorate.n_voters", 500),) and state.reps == 2
    assert config["electorate.n_voters"] == 500
    _, _, errors = explore.prepare("nosuch-v1", 1, ids, [500])
    assert "unknown scenario" in errors[0]


def test_pasted_yaml_errors_name_the_line_or_field():
    config, msg = parse_yaml("id: a-v1\nelectorate: {n_voters: [")
    assert config is None and "malformed YAML at line" in msg
    config, msg = parse_yaml("id: a-v1\nelectorate:\n  n_voters: 1\n")
    assert config is None and "electorate.n_voters" in msg
    config, msg = parse_yaml(scenario_yaml(load("regulatory_capture-v1")))
    assert msg == "" and config.values == load("regulatory_capture-v1").values


# ---- stores: only below the results folder --------------------------------------------------


def test_store_paths_are_contained(tmp_path):
    root = tmp_path / "results"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "manifest.json").write_text("{}")
    (root / ".dashboard-cache" / "x").mkdir(parents=True)
    (root / ".dashboard-cache" / "x" / "manifest.json").write_text("{}")
    (root / "plain").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "manifest.json").write_text("{}")
    os.symlink(outside, root / "link")
    assert stores.discover(root) == ["a/b"]  # hidden folders and symlinks are not walked
    assert stores.resolve(root, "a/b") == (root / "a" / "b").resolve()
    for bad, why in (
        ("../outside", "not inside"),
        (str(outside), "not inside"),
        ("link", "leads outside"),
        ("plain", "not a sweep store"),
        ("nope", "no folder"),
        ("", "no sweep store"),
    ):
        with pytest.raises(ConfigError, match=why) as err:
            stores.resolve(root, bad)
        assert err.value.path == "store"


# ---- reproduce -----------------------------------------------------------------------------


def test_the_cli_command_reproduces_the_config():
    sets = {"electorate.information": 0.3, "politicians.strategy": ("hunter", "sticker")}
    config = config_for("baseline_democracy-v1", sets.items())
    cmd = run_command(config, 7, sets)
    args = shlex.split(cmd)  # as the shell reads it
    overrides = parse_set(args[i + 1] for i, a in enumerate(args) if a == "--set")
    again = load(args[2], {**overrides, "seed": int(args[4]), "steps": int(args[6])})
    assert again.values == config.with_overrides({"seed": 7}).values
    loop = replications_command(config, [3, 4, 5], sets)
    assert loop.startswith("for s in $(seq 3 5)") and '--seed "$s"' in loop
    assert "results/informed-seed$s.parquet" in replications_command(
        config, [3, 4], sets, "informed"
    )


def test_unknown_scenarios_and_paths_are_refused():
    with pytest.raises(ConfigError, match="unknown scenario"):
        config_for("../../etc/passwd.yaml")


# ---- runs ----------------------------------------------------------------------------------


def test_chunks_add_up():
    for steps in (1, 7, 20, 21, 200, 100_001):
        parts = chunk_sizes(steps)
        assert sum(parts) == steps and min(parts) >= 1 and parts[0] == min(parts)


def test_long_runs_are_thinned_for_plotting_keeping_the_final_step():
    import pandas as pd

    short = pd.DataFrame({"step": range(201), "welfare": np.arange(201.0)})
    assert thin(short) is short
    long = pd.DataFrame({"step": range(100_001), "welfare": np.arange(100_001.0)})
    kept = thin(long)
    assert len(kept) <= MAX_ROWS + 1 and kept["step"].iloc[0] == 0
    assert kept.iloc[-1].tolist() == long.iloc[-1].tolist()
    assert kept["step"].diff().dropna().max() <= -(-len(long) // MAX_ROWS)


def test_chunked_run_equals_the_cli_run_and_is_cached(tmp_path):
    config = load("bureaucratic_drift-v1", {"steps": 25, "electorate.n_voters": 300})
    frames = []
    fresh = execute(config, 4, 25, lambda df, done: frames.append(done))
    assert frames == list(np.cumsum(chunk_sizes(25)))
    reference = run(config, seed=4).series
    assert fresh.series.equals(reference)
    assert len(fresh.snapshot["voters"]["x"]) == 300
    cache = RunCache(tmp_path / "runs")
    _, hit = cache.run(config, 4, 25)
    again, hit2 = cache.run(config, 4, 25)
    assert (hit, hit2) == (False, True) and again.series.equals(reference)
    assert run_key(config, 4, 25) != run_key(config, 5, 25)
    other = config.with_overrides({"electorate.information": 0.5})
    assert run_key(config, 4, 25) != run_key(other, 4, 25)
    assert seeds_for(config, 3) == [1, 2, 3]


def test_the_app_builds_and_serves(tmp_path):
    from dashboard.app import create_app, route

    app = create_app(tmp_path / "results")
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert (tmp_path / "results" / ".dashboard-cache").is_dir()
    body, classes = route("/nope", "", None)
    assert "no page" in str(body) and "active" not in " ".join(classes)
    assert Path(app.config.assets_folder).name == "assets"


# ---- the figure modules the dashboard added to analysis/figures ------------------------------


def grid_frames(values, reps=3, kind="grid", params=("electorate.information", "steps")):
    """Frames of a synthetic sweep: welfare = x + 10 y + (replication - 1) / 10."""
    import pandas as pd

    from analysis.data import Frames

    rows = [(x, y, r) for x, y in values for r in range(reps)]
    design = pd.DataFrame(rows, columns=[*params, "replication"])
    design.insert(0, "run_id", range(len(design)))
    welfare = design[params[0]] + 10 * design[params[1]] + (design["replication"] - 1) / 10
    summary = pd.DataFrame({"run_id": design["run_id"], "welfare": welfare})
    return Frames(design, summary, kind=kind, params=list(params))


def test_phase_diagram_cells_hold_the_mean_of_their_runs():
    from analysis.figures import FIGURES

    mod = FIGURES["phase_diagram"]
    df = mod.data(grid_frames([(0.2, 10), (0.2, 20), (0.8, 10), (0.8, 20)]))
    cell = df.set_index(["x", "y"])
    assert cell.loc[(0.8, 20), "mean"] == pytest.approx(200.8)  # replications average out
    assert (cell["n"] == 3).all() and not df.attrs["binned_x"]
    assert (cell["lo"] < cell["mean"]).all() and (cell["mean"] < cell["hi"]).all()
    fig = mod.draw(df)
    assert fig.layout.xaxis.type == "category"
    one = grid_frames([(0.2, 10), (0.8, 10)])
    one.params = one.params[:1]
    with pytest.raises(Unavailable, match="two varied parameters"):
        mod.data(one)


def test_phase_diagram_bins_continuous_designs_on_the_declared_scale():
    from analysis.figures import FIGURES

    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, 300), np.exp(rng.uniform(np.log(10), np.log(10**6), 300))
    pts = zip(x, y, strict=True)
    params = ("electorate.information", "electorate.n_voters")  # n_voters is declared log
    df = FIGURES["phase_diagram"].data(grid_frames(list(pts), reps=1, kind="lhs", params=params))
    assert df.attrs["binned_x"] and df.attrs["binned_y"]
    ys = np.sort(df["y"].unique())
    assert np.allclose(np.diff(np.log10(ys)), np.diff(np.log10(ys))[0])  # geometric centres
    assert df["n"].sum() == 300 and df["x"].nunique() <= 15


def test_bureaucracy_tree_positions_and_capture():
    from analysis.figures import FIGURES

    snap = {"layers": {"bureaucracy": {
        "parent": [-1, -1, 0, 0, 1, 1], "level": [1, 1, 2, 2, 2, 2],
        "drift": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "discretion": [0.0] * 6,
        "captured_by": [-1, 0, -1, -1, 0, -1],
    }}}  # fmt: skip
    df = FIGURES["bureaucracy_tree"].data(snap).set_index("node")
    assert df.loc[[2, 3, 4, 5], "slot"].tolist() == [0, 1, 2, 3]  # leaves evenly spaced
    assert df.loc[[0, 1], "slot"].tolist() == [0.5, 2.5]  # each office above its children
    assert df.loc[-1, "slot"] == 1.5 and df["captured"].sum() == 2
    FIGURES["bureaucracy_tree"].draw(df.reset_index())
    with pytest.raises(Unavailable, match="no bureaucracy"):
        FIGURES["bureaucracy_tree"].data({"layers": {}})


def test_oversight_funnel_counts():
    from analysis.figures import FIGURES

    snap = {"layers": {"oversight": {
        "actions": 1000, "harmful": 50, "caught": 20, "benign_escalated": 7,
        "layers": ["fire_alarm", "ai_monitor"], "caught_by_layer": [15, 5],
    }}}  # fmt: skip
    df = FIGURES["oversight_funnel"].data(snap)
    funnel = df[df["part"] == "funnel"].set_index("label")
    assert funnel["count"].tolist() == [1000, 50, 20] and funnel.loc["caught", "share"] == 0.02
    layers = df[df["part"] == "layer"]
    assert layers["share"].tolist() == [0.75, 0.25]
    FIGURES["oversight_funnel"].draw(df)


def test_voter_map_sends_a_sample():
    from analysis.figures import FIGURES
    from dashboard.snapshot import MAX_VOTERS
    from sim.run import build

    model = build(load("baseline_democracy-v1", {"electorate.n_voters": 5000, "steps": 2}), 3)
    model.run_for(2)
    snap = snapshot_of(model)
    df = FIGURES["voter_map"].data(snap)
    assert (df["kind"] == "voter").sum() == MAX_VOTERS and df.attrs["n_total"] == 5000
    assert (df["kind"] == "politician").sum() == 2
    assert snap == snapshot_of(model)  # the same run shows the same sample


def snapshot_of(model):
    from dashboard.snapshot import snapshot

    return snapshot(model)


def test_a_views_figure_carries_its_finding_and_keeps_its_meta():
    import plotly.graph_objects as go

    from dashboard import views

    fig = go.Figure(layout={"meta": {"source": "x"}})
    assert views.with_finding(fig, "Welfare fell by 0.1.").layout.meta == {
        "source": "x",
        "finding": "Welfare fell by 0.1.",
    }
    assert views.with_finding(go.Figure(), "").layout.meta == {"finding": ""}


def test_metric_options_tooltips_and_defaults_come_from_the_declarations():
    from dashboard import glossary
    from sim.components import METRICS

    ai = load("ai_control_protocols-v1")
    assert glossary.defaults(ai)[:2] == ["safety", "usefulness"]
    options = {o["value"]: o for o in glossary.options(ai)}
    assert METRICS["safety"].description in options["safety"]["title"]
    base = load("baseline_democracy-v1")
    assert "safety" not in {o["value"] for o in glossary.options(base)}  # no AI agents: no AI
    assert "drift_by_level" not in glossary.recorded(base)  # no bureaucracy
    assert "goodhart_gap" in str(glossary.glossary(base))
