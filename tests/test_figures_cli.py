"""`instalign figures DIR --out FIGDIR` on a tiny real sweep store made through the sweep API:
the figures the sweep supports, their files and data, and clear messages (never a traceback)
for a partial store, a metric not recorded, a wrong folder or a bad option."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import make_tiny_store

from analysis import metadata
from sim.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store(tiny_store) -> Path:
    return tiny_store


def test_figures_builds_the_set_the_sweep_supports(store, tmp_path, capsys):
    out = tmp_path / "figs"
    assert main(["figures", str(store), "--out", str(out), "--format", "svg,png"]) == 0
    err = capsys.readouterr().err
    made = {p.stem for p in out.glob("*.svg")}
    assert made == {
        "metrics_over_time",
        "final_metrics",
        "paired_effects",
        "goodhart_frontier",
        "welfare_vs_approval",
        "scenario_discovery",
        "response",
    }
    assert {p.stem for p in out.glob("*.png")} == made == {p.stem for p in out.glob("*.csv")}
    assert "skipped sobol_indices: needs a sobol design" in err
    svg = (out / "paired_effects.svg").read_bytes()
    assert b"master seed 7" in svg  # the caption line (see --no-caption below)
    prov = metadata.read(svg, "svg")
    manifest = json.loads((store / "manifest.json").read_text())
    assert prov["sweep"] == "tiny_analysis" and prov["master_seed"] == 7
    assert prov["git_commit"] == manifest["git_commit"] and len(prov["seeds"]) == 10
    assert prov["scenarios"][0]["version"] == "v1"


def test_finding_as_subtitle_and_pool_on_request(store, tmp_path):
    """--finding prints each figure's result under its title; --pool averages over the
    factors kept apart otherwise, and the figure says so (its data: one row per level)."""
    import pandas as pd

    from analysis.build import build
    from analysis.storeio import open_store

    out = tmp_path / "figs"
    base = ["figures", str(store), "--out", str(out), "--format", "svg", "--only", "response"]
    assert main([*base, "--finding"]) == 0
    said = build(open_store(store), ["response"]).data["response"].attrs["finding"]
    svg = (out / "response.svg").read_text()
    # the arm where approval and welfare diverge most, then the other arm's welfare change
    assert said.startswith("At intervention none, raising information from 0.2 to 0.8")
    assert "; at intervention pressure (0.2 to 0.8) it " in said
    assert "raising information from 0.2 to 0.8" in svg
    apart = pd.read_csv(out / "response.csv")
    assert main([*base, "--pool"]) == 0
    pooled = pd.read_csv(out / "response.csv")
    assert len(pooled) == len(apart) // 2 and "intervention" not in pooled  # 2 arms pooled
    assert "averaged over" in (out / "response.svg").read_text()


def test_a_partial_store_makes_what_it_can_and_only_what_was_asked(tmp_path, monkeypatch, capsys):
    store = make_tiny_store(tmp_path, faults="0,5", monkeypatch=monkeypatch)
    out = tmp_path / "figs"
    argv = ["figures", str(store), "--out", str(out), "--format", "svg", "--no-caption"]
    assert main([*argv, "--only", "final_metrics,oversight_pareto"]) == 1
    err = capsys.readouterr().err
    assert "2 run(s) failed (e.g. run 0: InjectedFault" in err and "18 finished" in err
    assert "skipped oversight_pareto: metric not recorded: safety" in err
    assert [p.name for p in out.glob("*.svg")] == ["final_metrics.svg"]  # --only
    assert b"master seed" not in (out / "final_metrics.svg").read_bytes()  # --no-caption
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["figures", "/nonexistent/store", "--out", "x"], "no such folder"),
        (["figures", "{store}", "--out", "x", "--only", "paired_efects"], "'paired_effects'"),
        (["figures", "{store}", "--out", "x", "--format", "gif"], "unknown format"),
        (["figures", "{empty}", "--out", "x"], "not a sweep store"),
        (["figures", "{broken}", "--out", "x"], "design.parquet"),  # names what is damaged
        (["report", "{store}", "--out", "r.pdf"], "must end in .html"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(store, tmp_path, capsys, argv, message):
    broken = tmp_path / "broken"
    shutil.copytree(store, broken)
    (broken / "design.parquet").unlink()
    (tmp_path / "empty").mkdir()
    names = {"store": store, "empty": tmp_path / "empty", "broken": broken}
    argv = [a.format(**names) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error:") and "Traceback" not in err
