"""Compare's comparison as data and as a command: the saved YAML (every field checked, one
line naming it and the closest valid name), the URL state (arms on other scenarios, the old
`arm=name:path=value` form), the reform editor's form, saved files (never outside the
results folder, never overwritten unasked), identical arms, honest metrics, labels kept in
the plot, and `instalign compare` giving the page's paired differences to 1e-12."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from analysis import arms as spec
from analysis import comparison
from analysis.arms import Arm, Comparison
from dashboard import arms
from dashboard.context import Context
from dashboard.pages import compare, compare_results
from dashboard.pages import compare_editor as ed
from dashboard.pages import compare_form as form
from dashboard.runs import seeds_for
from dashboard.state import CompareState
from sim import yamlio
from sim.errors import ConfigError

BASE = "baseline_democracy-v1"
SMALL = (("steps", 12), ("electorate.n_voters", 300))
INFORMED = ("informed", (("electorate.information", 0.9),))
STATE = CompareState(BASE, SMALL, (INFORMED,), 3, ("approval", "welfare"))


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """`instalign compare ARGS` through the real entry (`sim.cli.main`: errors to exit 2)."""
    from sim.cli import app, main

    if not any(c.name == "compare" for c in app.registered_commands):
        comparison.register(app)  # until analysis.cli registers it (then already there)
    capsys.readouterr()
    code = main(["compare", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_comparison_file_round_trips_and_every_bad_field_is_named(tmp_path, capsys):
    comp = arms.comparison(STATE)
    assert spec.from_data(yamlio.load(comp.to_yaml())) == comp
    assert arms.state_of(comp) == STATE
    cases = {  # a mistake -> what the one-line message must name
        "baseline: {scenario: baseline_democrazy-v1}\narms: [{name: a}]": "baseline_democracy-v1",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a, set: {{electorate.informaton: 1}}}}]":
            "electorate.information",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a, set: {{electorate.information: 7}}}}]":
            "arms[0].set.electorate.information",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: 'a b'}}]": "arms[0].name",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a}}, {{name: a}}]": "two interventions",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: baseline}}]": "not 'baseline'",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a}}]\nreps: 1": "reps",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a}}]\nrepz: 3": "'reps'",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a, set: {{seed: 3}}}}]": "seed",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a}}]\nmetrics: [welfar]": "'welfare'",
        f"baseline: {{scenario: {BASE}}}\narms: [{{name: a, scenario: nosuch-v1}}]":
            "arms[0].scenario",
    }  # fmt: skip
    for i, (text, named) in enumerate(cases.items()):
        path = tmp_path / f"c{i}.yaml"
        path.write_text(text)
        with pytest.raises(ConfigError, match=None) as err:
            spec.read(path)
        assert named in str(err.value) and str(path) in str(err.value), (text, str(err.value))
        code, out, errors = cli(capsys, str(path))
        assert code == 2 and out == "" and len(errors.strip().splitlines()) == 1, errors


def test_the_cli_refuses_a_missing_file_and_a_bad_format(tmp_path, capsys):
    assert cli(capsys, str(tmp_path / "nope.yaml"))[0] == 2
    good = tmp_path / "ok.yaml"
    good.write_text(arms.comparison(STATE).to_yaml())
    code, _, errors = cli(capsys, str(good), "--format", "jpg", "--out", str(tmp_path / "o"))
    assert code == 2 and "--format" in errors and not (tmp_path / "o").exists()


def test_the_seed_rule_is_the_dashboards():
    for config in arms.configs(STATE).values():
        assert spec.seeds(config, 7) == seeds_for(config, 7)


def test_an_arm_on_another_scenario_runs_its_own_defaults_plus_its_overrides():
    state = CompareState(BASE, SMALL, (("low", (("steps", 12),)),), 3, (),
                         (("low", "low_information_electorate-v1"),))  # fmt: skip
    assert CompareState.from_search(state.to_search()) == (state, [])
    configs = arms.configs(state)
    assert configs["low"].id == "low_information_electorate-v1"
    assert configs["low"]["electorate.n_voters"] != 300  # the baseline's overrides stay home
    old = "?scenario=baseline_democracy-v1&arm=informed%3Aelectorate.information%3D0.9"
    assert CompareState.from_search(old)[0].arms == (INFORMED,)  # the old URL form still reads


def test_identical_arms_are_reported():
    state = CompareState(BASE, SMALL, (INFORMED, ("same", ()), ("again", INFORMED[1])), 3)
    found = spec.identical(arms.configs(state))
    assert found == {
        "same": "arm same is identical to the baseline (same scenario and values)",
        "again": "arm again is identical to arm informed (same scenario and values)",
    }
    text = str(ed.summary(state)[2])
    assert "identical to the baseline" in text


def test_the_editor_reads_marks_and_checks_its_form():
    ids = [{"type": ed.ARM, "slot": 0, "path": "steps"},
           {"type": ed.ARM, "slot": 1, "path": "electorate.information"},
           {"type": ed.ARM, "slot": 1, "path": "politicians.count"}]  # fmt: skip
    state, errors = form.read(BASE, 3.0, ["informed"], [""], ids, [12, 0.9, "x"])
    assert state.sets == (("steps", 12),) and state.reps == 3
    assert state.arms == (INFORMED,) and "politicians.count" in errors[0]
    added = form.apply(state, {"type": ed.ADD, "slot": 1}, "politicians.count")
    assert dict(added.arms[0][1])["politicians.count"] == 2  # at the baseline's value
    outputs = [[{"id": {"slot": 0}}, {"id": {"slot": 1}}],
               [{"id": {"slot": 1, "path": "electorate.information"}},
                {"id": {"slot": 1, "path": "politicians.count"}}]]  # fmt: skip
    _, classes = form.marks(added, outputs)
    assert classes == ["param arm-change changed", "param arm-change"]
    more = form.apply(form.apply(added, "compare-add-arm", 1), "compare-add-arm", 1)
    assert [n for n, _ in more.arms] == ["informed", "arm1", "arm2"]
    assert len(form.apply(more, "compare-add-arm", 1).arms) == spec.MAX_ARMS
    assert [n for n, _ in form.apply(more, {"type": ed.REMOVE, "slot": 2}, 1).arms] == [
        "informed", "arm2"]  # fmt: skip
    bad = CompareState(BASE, (), (("", ()), ("a b", ())), 3)
    assert "arms[0].name" in form.check(bad)[0]
    assert "add at least one" in form.check(CompareState(BASE))[0]


def test_saved_comparisons_stay_in_the_results_folder(tmp_path):
    for bad in ("../evil", "a/b", "", None, ".hidden", "x" * 41):
        with pytest.raises(ConfigError, match="comparison name"):
            arms.save(tmp_path, bad, STATE)
    path = arms.save(tmp_path, "reform-1", STATE)
    assert path == tmp_path / "comparisons" / "reform-1.yaml"
    with pytest.raises(arms.Exists):
        arms.save(tmp_path, "reform-1", STATE)
    arms.save(tmp_path, "reform-1", STATE, overwrite=True)
    assert [p.name for p in path.parent.iterdir()] == ["reform-1.yaml"]  # no temp file left
    assert arms.saved(tmp_path) == ["reform-1"] and arms.load(tmp_path, "reform-1") == STATE
    with pytest.raises(ConfigError, match="reform-1"):
        arms.load(tmp_path, "reform-2")


def test_verdicts_are_plain_and_honest():
    assert comparison.verdict("welfare", 0.031, 0.012, 0.05) == (
        "raises welfare by 0.031 [0.012, 0.05]")  # fmt: skip
    assert comparison.verdict("welfare", -0.03, -0.05, -0.01).startswith("lowers welfare by 0.03")
    assert comparison.verdict("welfare", 0.01, -0.01, 0.03).startswith("no detectable change")
    assert "not recorded" in comparison.verdict("safety", float("nan"), 0.0, 0.0)
    assert comparison.verdict("welfare", 0.0, 0.0, 0.0).startswith("no change in welfare")


def test_point_labels_stay_inside_and_coincident_points_share_one():
    fig = go.Figure(go.Scatter(x=[0.1, 0.5, 0.5], y=[1.0, 2.0, 2.0], mode="markers+text",
                               text=["baseline", "a", "b"]))  # fmt: skip
    comparison.unclipped(fig)
    assert list(fig.data[0].text) == ["baseline", "a = b", ""]
    lo, hi = fig.layout.xaxis.range
    assert lo < 0.1 and hi > 0.5 and fig.layout.yaxis.range[1] > 2.0 + 0.2
    assert list(fig.data[0].textposition) == ["top left", "top right", "bottom left"]
    front = go.Scatter(x=[1], y=[2], mode="lines+markers", name="Pareto front")
    twins = go.Figure([front, *(go.Scatter(x=[1], y=[2], mode="markers", name=n) for n in "ab")])
    comparison.unclipped(twins)  # b sits exactly on a: drawn as a ring around it
    assert [t.marker.symbol for t in twins.data] == [None, None, "circle-open"]


def test_the_cli_gives_the_pages_paired_differences(tmp_path, capsys):
    """The page path (the job's chunked runs into the run cache, drawing the metrics over
    time by arm before the last run ends; then compare_results.build) against `instalign
    compare` on the file Save writes: the same numbers to 1e-12."""
    ctx = Context.create(tmp_path / "results")
    state = CompareState(BASE, SMALL, (INFORMED, ("many", (("politicians.count", 4),))), 3,
                         ("approval", "welfare", "detection_rate"))  # fmt: skip
    plan, names = compare.plan_for(state)
    frames = []
    compare.execute(frames.append, ctx, plan, names, list(state.metrics))
    live = [fig for done, total, fig in frames if int(done) < int(total)]
    assert live and live[0].data  # drawn while the runs go on, from the partial series
    assert {t.name for t in frames[-1][2].data} >= {"baseline", "informed", "many"}
    page = compare_results.build(state, ctx)
    assert any("detection_rate is not recorded by any arm" in n for n in page.notes)
    path = arms.save(ctx.results, "three", state)
    code, out, _ = cli(capsys, str(path), "--json")
    rows = json.loads(out)["effects"]
    assert code == 0 and len(rows) == len(page.rows) == 4
    for mine, theirs in zip(page.rows, rows, strict=True):
        assert mine["arm"] == theirs["arm"] and mine["metric"] == theirs["metric"]
        for key in ("diff", "lo", "hi"):
            assert abs(mine[key] - theirs[key]) <= 1e-12, (mine, theirs)


def test_honest_metrics_name_the_arm_that_does_not_record_one():
    from analysis.data import frames

    series = __import__("pandas").DataFrame({"step": [0, 1], "welfare": [0.1, 0.2],
                                             "safety": [float("nan")] * 2})  # fmt: skip
    with_safety = series.assign(safety=[0.5, 0.6])
    f = frames({"baseline": [series, series], "ai": [with_safety, with_safety]})
    chosen, notes = comparison.choose(f, ["welfare", "safety", "usefulness"])
    assert chosen == ["welfare", "safety"]
    assert notes == ["safety is not recorded by baseline: no effect for it",
                     "usefulness is not recorded by any arm: not shown"]  # fmt: skip


def test_an_arm_object_keeps_its_scenario():
    comp = Comparison(BASE, SMALL, (Arm("low", (), "low_information_electorate-v1"),), 2)
    assert "scenario: low_information_electorate-v1" in comp.to_yaml()
    assert spec.from_data(yamlio.load(comp.to_yaml())) == comp
