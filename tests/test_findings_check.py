"""`instalign findings`: every shipped finding holds at check size, a finding whose ablation
cuts nothing fails (exit 1), and bad finding files are refused in one line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from analysis.earned import discover
from sim.yamlio import load

SHIPPED = discover()


def test_every_shipped_finding_holds_at_check_size(cli):
    code, out, err = cli("findings", "--check", "--json")
    rows = json.loads(out)
    assert code == 0, err
    assert sorted(r["id"] for r in rows) == sorted(SHIPPED)
    for r in rows:
        assert r["verdict"] == "holds", r
        assert r["paired"] and r["n"] >= 2
        assert r["provenance"]["seed"] is not None and r["provenance"]["code"]


def finding(tmp_path: Path, name: str = "no_cut", **changes) -> Path:
    """The drift_turnover finding as a new file in `tmp_path`, with `changes` applied
    (a dotted key sets a nested field; None deletes it)."""
    data = load(SHIPPED["drift_turnover"].read_text())
    data["id"] = name
    for key, value in changes.items():
        *parents, leaf = key.split(".")
        node = data
        for p in parents:
            node = node[p]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_an_ablation_that_cuts_nothing_fails(cli, tmp_path):
    # the approval cutoff is read by the retrospective rule only: under plurality (this
    # scenario's rule) it changes nothing, so the drift effect survives the "ablation"
    small = {"replications": 4, "steps": 80, "n_voters": 200}
    path = finding(tmp_path, **{"ablation.set": {"elections.approval_cutoff": 0.7}}, check=small)
    figs = tmp_path / "figs"
    code, out, err = cli("findings", "--check", "--json", "--file", str(path), "--figures",
                         str(figs), "--format", "svg")  # fmt: skip
    (row,) = json.loads(out)
    assert code == 1, err
    assert row["verdict"] == "FAILS"
    assert row["effect"]["lo"] > 0 and row["ablation"]["lo"] > 0, row  # present in both
    assert "survives" in row["why"]
    # the ablation figure says what it shows, from the same numbers, provenance embedded
    pairs = row["pairs"]["finding"]
    assert len(pairs) == row["n"] and abs(np.mean(pairs) - row["effect"]["diff"]) < 1e-12
    svg = (figs / "no_cut.svg").read_text()
    assert "so the cut removes" in svg and "master seed" in svg


BAD = [
    ({"claimm": "x"}, "claimm", "did you mean 'claim'"),
    ({"expect": None}, "expect", "required field is missing"),
    ({"check.replications": "six"}, "check.replications", "must be an integer"),
    ({"contrast.metric": "incumbent_turnovr"}, "contrast.metric", "incumbent_turnover"),
    ({"contrast.summary": "median"}, "contrast.summary", "allowed: end, mean"),
    ({"ablation.set": {"elections.valence_weigh": 0}}, "elections.valence_weigh", "valence_weight"),
    (
        {"ablation.set": {"elections.valence_weight": 99}},
        "ablation.set.elections.valence_weight",
        "",
    ),
    ({"contrast.factor": "electorate.information"}, "contrast.factor", "bureaucracy.drift_rate"),
    ({"contrast.treatment": 0.5}, "contrast.treatment", "allowed: 0.0, 0.01"),
]


@pytest.mark.parametrize(("changes", "field", "hint"), BAD, ids=[b[1] for b in BAD])
def test_bad_finding_files_are_refused_in_one_line(cli, tmp_path, changes, field, hint):
    path = finding(tmp_path, "bad", **changes)
    code, out, err = cli("findings", "--check", "--file", str(path))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0] and field in lines[0] and hint in lines[0], lines[0]


def _arms(rng, n: int, shift: float, keys: bool = True):
    """Control and treatment runs of one sweep: a shared per-seed noise, `shift` apart."""
    import pandas as pd

    base = rng.normal(0.0, 1.0, n)
    frames = []
    for d in (0.0, shift):
        f = pd.DataFrame({"m": base + d + rng.normal(0.0, 0.1, n)})
        if keys:
            f["seed"], f["replication"] = np.arange(n) + 100, np.arange(n)
        frames.append(f)
    return {"arms": tuple(frames), "metric": "m"}


def test_the_cut_must_remove_something_not_only_widen_the_ablation():
    """The verdict's third test: an ablation whose CI contains 0 only because it is wide
    fails; the difference of differences is paired on the seeds both sweeps share, and
    falls back to Welch on four independent arms."""
    from analysis.earned_run import interaction, verdict

    rng = np.random.default_rng(7)
    effect, ablation = _arms(rng, 12, 1.0), _arms(rng, 12, 0.0)
    cut = interaction(effect, ablation)
    (ea, eb), (aa, ab) = effect["arms"], ablation["arms"]
    dd = (eb.m - ea.m) - (ab.m - aa.m)  # the same seeds, row for row
    assert cut["paired"] and cut["n"] == 12 and abs(cut["diff"] - dd.mean()) < 1e-12
    ok = {"lo": 0.8, "hi": 1.2}
    assert verdict("increase", ok, {"lo": -0.1, "hi": 0.1}, cut)[0] == "holds"
    weak = verdict("increase", ok, {"lo": -5.0, "hi": 5.0}, {"lo": -4.0, "hi": 6.0})
    assert weak == ("FAILS", "the cut did not change the effect (effect - ablation's CI "
                    "contains 0)")  # fmt: skip
    unpaired = interaction(_arms(rng, 12, 1.0, keys=False), _arms(rng, 12, 0.0, keys=False))
    assert not unpaired["paired"] and unpaired["lo"] < unpaired["diff"] < unpaired["hi"]
    # unpaired, the shared per-seed noise (sd 1) no longer cancels: a far wider interval
    assert unpaired["hi"] - unpaired["lo"] > 5 * (cut["hi"] - cut["lo"])
