"""`instalign run / scenarios / describe / validate` through the real CLI entry point."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.components import METRICS
from sim.params import PARAMS
from sim.params.sections import section_fields
from sim.scenario import discover

ISSUE_2 = (
    "baseline_democracy-v1",
    "low_information_electorate-v1",
    "downs_two_party-v1",
    "party_competition-v1",
)
SMALL = ("--set", "electorate.n_voters=300")


def test_run_json_has_the_documented_shape(cli):
    code, out, err = cli(
        "run", "downs_two_party-v1", "--steps", "5", "--seed", "3", *SMALL, "--json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"scenario", "seed", "steps", "metrics", "provenance"}
    prov = payload["provenance"]
    assert {"parameters", "instalign_version", "git_commit", "git_dirty"} <= set(prov)
    assert (prov["scenario"], prov["seed"], prov["steps"]) == ("downs_two_party-v1", 3, 5)
    assert (payload["scenario"], payload["seed"], payload["steps"]) == ("downs_two_party-v1", 3, 5)
    assert set(payload["metrics"]) == set(METRICS)
    for stats in payload["metrics"].values():
        assert set(stats) == {"final", "mean"}
    assert isinstance(payload["metrics"]["welfare"]["final"], float)


def test_run_json_is_reproducible_and_seed_sensitive(cli):
    args = ("run", "low_information_electorate-v1", "--steps", "4", *SMALL, "--json")
    first, again = cli(*args, "--seed", "1")[1], cli(*args, "--seed", "1")[1]
    other = cli(*args, "--seed", "2")[1]
    assert first == again and first != other


def test_run_prints_a_summary_table(cli):
    code, out, _ = cli("run", "baseline_democracy-v1", "--steps", "3", *SMALL)
    assert code == 0
    assert "baseline_democracy-v1" in out and "seed=1" in out and "steps=3" in out
    for name in ("welfare", "approval", "goodhart_gap", "kl_from_base"):
        assert name in out


def test_run_accepts_a_path_and_list_overrides(cli, tmp_path):
    path = discover()["party_competition-v1"]
    code, out, err = cli(
        "run",
        str(path),
        "--steps",
        "2",
        *SMALL,
        "--set",
        "politicians.strategy=[hunter, sticker]",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["scenario"] == "party_competition-v1"


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_run_out_writes_the_series_with_provenance(cli, tmp_path, suffix):
    target = tmp_path / f"series{suffix}"
    code, _, err = cli(
        "run", "baseline_democracy-v1", "--steps", "4", "--seed", "9", *SMALL, "--out", str(target)
    )
    assert code == 0, err
    if suffix == ".parquet":
        frame = pd.read_parquet(target)
        prov = json.loads(pq.read_schema(target).metadata[b"instalign"])
    else:
        frame = pd.read_csv(target)
        prov = json.loads(target.with_name(target.name + ".provenance.json").read_text())
    assert list(frame["step"]) == list(range(5))
    assert set(METRICS) <= set(frame.columns)
    assert prov["scenario"] == "baseline_democracy-v1" and prov["seed"] == 9 and prov["steps"] == 4
    assert prov["parameters"]["electorate.n_voters"] == 300
    assert prov["overrides"]["electorate.n_voters"] == 300
    assert {"git_commit", "instalign_version", "python"} <= set(prov)


def test_bad_out_suffix_is_a_user_error(cli, tmp_path):
    code, _, err = cli(
        "run", "baseline_democracy-v1", "--steps", "1", *SMALL, "--out", str(tmp_path / "x.txt")
    )
    assert code == 2 and "--out" in err and "Traceback" not in err


def test_scenarios_lists_ids_and_descriptions(cli):
    code, out, _ = cli("scenarios", "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert set(ISSUE_2) <= set(rows)
    assert all(rows[s]["description"] for s in ISSUE_2)
    code, text, _ = cli("scenarios")
    assert code == 0 and all(s in text for s in ISSUE_2)


def test_describe_lists_every_parameter(cli):
    code, out, _ = cli("describe", "low_information_electorate-v1", "--json")
    assert code == 0
    payload = json.loads(out)
    rows = {r["path"]: r for r in payload["parameters"]}
    assert set(rows) == set(PARAMS)
    info = rows["electorate.information"]
    assert info["value"] == "0.15"  # the scenario's own value
    assert info["default"] == str(PARAMS["electorate.information"].default)
    assert info["allowed"] == "float in [0, 1]" and info["unit"] == "share" and info["description"]
    assert payload["references"]


def test_validate_runs_one_anchor(cli):
    code, out, _ = cli("validate", "--only", "A2", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows and all(r["anchor"] == "A2" and r["passed"] for r in rows)
    assert {"expected", "measured", "tolerance", "source"} <= set(rows[0])


def test_validate_unknown_anchor_suggests(cli):
    code, _, err = cli("validate", "--only", "A9")
    assert code == 2 and "unknown anchor 'A9'" in err


def test_describe_lists_sections_then_one_section_at_80_columns(cli):
    code, out, _ = cli("describe", "baseline_democracy-v1")
    assert code == 0
    bureau = len(section_fields("bureaucracy"))  # the section's declared parameter count
    assert re.search(rf"^ bureaucracy +{bureau} ", out, re.M), out
    assert "enabled components: electoral, opinion" in out
    assert "electorate.information" not in out  # parameters only with --section or --all
    code, out, _ = cli("describe", "baseline_democracy-v1", "--section", "electorate")
    assert code == 0 and "information_concentration" in out  # names are never cut
    assert "optimization_pressure" not in out  # another section's parameter
    assert max(len(line) for line in out.splitlines()) <= 80
    code, every, _ = cli("describe", "baseline_democracy-v1", "--all")
    assert code == 0 and "information_concentration" in every and "optimization_pressure" in every


def test_describe_prints_scenario_text_and_values_as_they_are(cli, tmp_path):
    path = tmp_path / "markup.yaml"
    path.write_text(
        "id: markup-v1\ndescription: keeps [bold]tags[/bold] and [brackets]\n"
        "politicians: {strategy: [hunter, sticker]}\n"
    )
    code, out, err = cli("describe", str(path), "--section", "politicians")
    assert code == 0, err
    assert "[bold]tags[/bold] and [brackets]" in out and "[hunter, sticker]" in out


def test_run_table_lists_enabled_components_first_and_hides_undefined(cli):
    args = ("run", "baseline_democracy-v1", "--steps", "2", *SMALL)
    code, out, _ = cli(*args)
    assert code == 0 and "policy_drift" not in out and "--all-metrics" in out
    code, full, _ = cli(*args, "--all-metrics")
    assert code == 0 and full.index("goodhart_gap") < full.index("policy_drift")


def test_run_metric_order_follows_the_enabled_components():
    from sim.cli.run import ordered_metrics
    from sim.components import COMPONENTS
    from sim.scenario import load

    config = load("baseline_democracy-v1")
    nan = {"final": float("nan"), "mean": float("nan")}
    summary = {m: nan for m in METRICS} | {"welfare": {"final": 1.0, "mean": 1.0}}
    enabled = [m.name for c in COMPONENTS if c.enabled(config) for m in c.metrics]
    everything = ordered_metrics(config, summary, everything=True)
    assert everything[: len(enabled)] == enabled and set(everything) == set(METRICS)
    assert ordered_metrics(config, summary, everything=False) == ["welfare"]


def test_figures_default_metrics_are_defined_in_every_arm():
    from analysis.figures._common import defined_in_every_level

    runs = pd.DataFrame(
        {
            "arm": ["a", "a", "b", "b"],
            "welfare": [1.0, 2.0, 3.0, 4.0],
            "policy_drift": [0.1, 0.2, float("nan"), float("nan")],  # off in arm b
        }
    )
    assert defined_in_every_level(runs, ["welfare", "policy_drift"], "arm") == ["welfare"]
