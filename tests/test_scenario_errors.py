"""Bad input through the real CLI: exit code 2, one line naming the file and the field path,
no traceback."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim import yamlio
from sim.scenario import load, parse_set

GOOD = """\
id: tmp_case-v1
description: a test scenario
electorate:
  n_voters: 300
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return str(path)


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("id: bad-v1\nelectorate: [1, 2\n", ["malformed YAML: line "]),
        (
            GOOD.replace("n_voters", "n_voter"),
            ["electorate.n_voter", "unknown parameter", "did you mean 'electorate.n_voters'"],
        ),
        (GOOD.replace("300", "lots"), ["electorate.n_voters", "expected int"]),
        (GOOD.replace("300", "1"), ["electorate.n_voters", "out of range", "int in [2,"]),
        (
            GOOD + "politicians:\n  strategy: huntr\n",
            ["politicians.strategy", "did you mean 'hunter'"],
        ),
        (GOOD.replace("tmp_case-v1", "no version"), ["id", "invalid or missing id"]),
        (GOOD + "metrics: [welfare, safty]\n", ["metrics[1]", "did you mean 'safety'"]),
        (
            GOOD + "try:\n  - text: more voters\n    set: {electorate.n_votrs: 500}\n",
            ["try[0].set", "electorate.n_votrs", "did you mean 'electorate.n_voters'"],
        ),
        (GOOD + "try:\n  - {txt: more voters}\n", ["try[0]", "expected a sentence"]),
    ],
    ids=[
        "malformed",
        "unknown-key",
        "wrong-type",
        "out-of-range",
        "bad-choice",
        "bad-id",
        "bad-metric",
        "bad-try-set",
        "bad-try",
    ],
)
def test_bad_scenario_file(cli, tmp_path, text, fragments):
    path = write(tmp_path, text)
    code, out, err = cli("run", path, "--steps", "1")
    line = one_line_error(err)
    assert code == 2 and out == ""
    assert path in line
    for frag in fragments:
        assert frag in line


def test_missing_file(cli, tmp_path):
    path = str(tmp_path / "nowhere.yaml")
    code, _, err = cli("run", path)
    assert code == 2 and f"{path}: file not found" in one_line_error(err)


def test_unknown_scenario_id_suggests_the_closest(cli):
    code, _, err = cli("run", "baseline_democrcy-v1")
    line = one_line_error(err)
    assert code == 2
    assert "unknown scenario 'baseline_democrcy-v1'" in line
    assert "did you mean 'baseline_democracy-v1'" in line


@pytest.mark.parametrize(
    ("override", "fragments"),
    [
        ("electorate.information", ["--set", "bad override", "path=value"]),
        ("=0.3", ["--set", "bad override"]),
        ("electorate.informaton=0.3", ["--set", "electorate.informaton", "did you mean"]),
        ("electorate.information=2", ["--set", "electorate.information", "out of range"]),
        ("politicians.strategy=[hunter, 3]", ["--set", "politicians.strategy", "unknown value"]),
        ("electorate.information=[0.3", ["--set", "electorate.information", "not valid YAML"]),
    ],
    ids=["no-equals", "no-path", "unknown-path", "out-of-range", "bad-list", "bad-yaml"],
)
def test_bad_override(cli, override, fragments):
    code, _, err = cli("run", "baseline_democracy-v1", "--steps", "1", "--set", override)
    line = one_line_error(err)
    assert code == 2
    for frag in fragments:
        assert frag in line


def test_describe_reports_a_bad_file_the_same_way(cli, tmp_path):
    path = write(tmp_path, GOOD.replace("n_voters", "n_votes"))
    code, _, err = cli("describe", path)
    assert code == 2 and "electorate.n_votes" in one_line_error(err)


def test_the_installed_command_prints_no_traceback(tmp_path):
    path = write(tmp_path, GOOD.replace("300", "0.5"))
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", path],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "electorate.n_voters" in one_line_error(proc.stderr)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("5e-1", 0.5), ("5E-1", 0.5), ("-2e-3", -0.002), ("1e4", 1e4), ("1.0e4", 1e4), ("-.5", -0.5)],
)
def test_set_reads_yaml_1_2_floats_as_numbers(raw, value):
    """PyYAML alone (YAML 1.1) reads `5e-1` as the string '5e-1', which `--set` refused."""
    got = parse_set([f"electorate.information={raw}"])["electorate.information"]
    assert type(got) is float and got == value


def test_a_scenario_file_reads_exponent_floats(cli, tmp_path):
    path = write(tmp_path, GOOD + "  information: 5e-1\n")
    assert load(path)["electorate.information"] == 0.5
    run = ("run", "baseline_democracy-v1", "--steps", "1", "--json")
    code, out, _ = cli(*run, "--set", "electorate.information=5e-1")
    assert code == 0 and json.loads(out)["provenance"]["overrides"]["electorate.information"] == 0.5


def test_the_yaml_loader_keeps_ints_strings_and_special_floats():
    text = "[5, -5, 0x1e5, 1_000.5, '1e-4', 1e, e5, .inf, -.inf]"
    assert yamlio.load(text) == [5, -5, 485, 1000.5, "1e-4", "1e", "e5", math.inf, -math.inf]
    assert math.isnan(yamlio.load(".nan"))
    assert yaml.safe_load("1e-4") == "1e-4"  # PyYAML's own safe loader is left as it was


def test_scenario_metrics_and_things_to_try_are_declared_and_apply():
    """Every built-in scenario names its default metrics (declared ones, from components
    the scenario turns on) and things to try whose overrides load on it."""
    from dashboard.glossary import recorded
    from dashboard.reproduce import with_sets
    from sim.scenario import discover

    for sid in discover():
        config = load(sid)
        assert config.metrics and set(config.metrics) <= set(recorded(config)), sid
        assert len(config.tries) >= 3, sid
        for text, sets in config.tries:
            assert text and sets, sid
            with_sets(config, sets).check_unused()
    assert load("ai_control_protocols-v1").metrics[:2] == ("safety", "usefulness")
