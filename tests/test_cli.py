"""`instalign run / scenarios / describe / validate` through the real CLI entry point."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.components import METRICS
from sim.params import PARAMS
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
    assert info["value"] == "0.15" and info["default"] == "0.6"
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
