"""The AMS level trajectory figure (issue 14, analysis/tail_figure.py) from a real small AMS
estimate of the closed-form system of tests/test_tail.py (one aligned agent, Binomial(20,
0.05) catastrophes): the table is the payload's trajectory, the figure draws exactly it and
the final p with its CI, the caption's numbers are the data's, and `instalign tail --figure`
writes it with provenance (kaleido and Debian's chromium) for AMS and exits 2 for any other
method before anything runs."""

from __future__ import annotations

import json
import re
import time

import pytest
from test_tail import BINOMIAL, SCENARIO, SETS

from analysis import findings, metadata, tail_figure

EVENT, BUDGET, SEED = "catastrophes >= 4", 30, 2


@pytest.fixture(scope="module")
def result() -> dict:
    """The `instalign tail --json` object of a real AMS estimate (30 particles)."""
    from sim.rare.tail import estimate, payload, prepare
    from sim.scenario import load

    config = load(SCENARIO, BINOMIAL)
    system = prepare(config, EVENT, None, "ams")
    est = estimate(system, "ams", BUDGET, SEED)
    return json.loads(json.dumps(payload(config, system, est, BUDGET, SEED)))  # as JSON reads


def test_the_table_is_the_trajectory_of_the_estimate(result):
    traj = result["trajectory"]
    df = tail_figure.data(result)
    assert len(df) == len(traj["levels"]) >= 2  # AMS had levels to climb
    assert df["level"].tolist() == traj["levels"] and df["killed"].tolist() == traj["killed"]
    assert df["reach"].tolist() == pytest.approx(traj["reach"])
    product = 1.0
    for kept, reach in zip(df["kept"], df["reach"], strict=True):  # the running product
        product *= kept
        assert reach == pytest.approx(product)
    assert result["p"] <= df["reach"].iloc[-1] + 1e-15  # p = last reach x share that hit
    a = df.attrs
    assert (a["p"], a["n"], a["metric"], a["threshold"]) == (result["p"], BUDGET, "catastrophes", 4)


def test_the_figure_draws_the_data(result):
    df = tail_figure.data(result)
    fig = tail_figure.draw(df)
    levels, reach, final = fig.data
    assert list(levels.y) == df["value"].tolist() and list(levels.x) == df["iteration"].tolist()
    assert list(reach.y) == [1.0, *df["reach"]] and reach.x[0] == 0  # from 1 at the start
    assert list(final.y) == [result["p"]] and list(final.x) == [len(df) + 1]
    lo, hi = result["ci"]
    assert final.error_y.array[0] == pytest.approx(hi - result["p"])
    assert final.error_y.arrayminus[0] == pytest.approx(result["p"] - lo)
    assert fig.layout.yaxis2.type == "log"
    assert any(s.y0 == 4 for s in fig.layout.shapes)  # the event's threshold
    assert df.attrs["finding"] in fig.layout.title.subtitle.text.replace("<br>", " ")


def test_the_caption_numbers_match_the_data(result):
    df = tail_figure.data(result)
    text = df.attrs["finding"]
    m = re.fullmatch(
        r"AMS climbed (\d+) levels of catastrophes in (\d+) iterations; the chance of reaching "
        r"the event \(catastrophes >= 4 by step 20\) is (\S+) \[(\S+), (\S+)\]\.",
        text,
    )
    assert m, text
    assert int(m[1]) == len(set(result["trajectory"]["levels"]))
    assert int(m[2]) == len(result["trajectory"]["levels"])
    lo, hi = result["ci"]
    assert m.groups()[2:] == tuple(findings.num(x) for x in (result["p"], lo, hi))
    assert float(m[3]) == pytest.approx(result["p"], rel=5e-3)


def test_a_result_without_a_trajectory_is_refused(result):
    mc = {**result, "method": "mc", "trajectory": None}
    with pytest.raises(tail_figure.NotAMS, match="needs --method ams"):
        tail_figure.data(mc)


def test_figure_with_mc_exits_2_before_anything_runs(cli, tmp_path):
    out = tmp_path / "ams.png"
    started = time.monotonic()
    code, _, err = cli("tail", SCENARIO, *SETS, "--event", EVENT, "--method", "mc",
                       "--budget", "100000", "--figure", str(out))  # fmt: skip
    assert time.monotonic() - started < 5  # 100,000 paths were not run
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "--figure" in err and "needs --method ams" in err, err
    assert not out.exists()
    code, _, err = cli(
        "tail", SCENARIO, *SETS, "--event", EVENT, "--figure", str(tmp_path / "a.jpg")
    )
    assert code == 2 and "--figure" in err and ".png or .svg or .pdf" in err, err


def test_figure_is_written_with_provenance(cli, tmp_path):
    out = tmp_path / "figs" / "ams.svg"
    argv = ["--event", EVENT, "--method", "ams", "--budget", str(BUDGET), "--seed", str(SEED)]
    code, stdout, err = cli("tail", SCENARIO, *SETS, *argv, "--json", "--figure", str(out))
    assert code == 0, err
    assert f"figure written to {out}" in err
    data = out.read_bytes()
    prov = metadata.read(data, "svg")
    result = json.loads(stdout)
    assert prov["figure"] == "ams_trajectory" and prov["master_seed"] == SEED
    assert prov["tail"]["p"] == result["p"] and prov["tail"]["event"] == EVENT
    assert (
        prov["run"]["overrides"]["ai_agents.base_harm_rate"] == BINOMIAL["ai_agents.base_harm_rate"]
    )
    assert b"AMS climbed" in data and b"scenario ai_control_protocols v1" in data  # caption lines
