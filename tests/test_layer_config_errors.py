"""Bad `oversight.layers` (and AI-agent) configurations through the real CLI: exit code 2, one
line naming the source and the field path (`oversight.layers[1].audit_budget`), the allowed
values and the closest valid name; no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.params import PARAMS
from sim.scenario import defaults_config

HEAD = """\
id: layer_case-v1
description: a test scenario
electorate:
  n_voters: 200
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "case.yaml"
    path.write_text(HEAD + text)
    return str(path)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


CASES = {
    "unknown-kind": (
        "oversight:\n  layers:\n    - kind: polce_patrol\n",
        ["oversight.layers[0].kind", "unknown layer kind 'polce_patrol'", "'police_patrol'?"],
    ),
    "missing-kind": (
        "oversight:\n  layers:\n    - audit_budget: 0.1\n",
        ["oversight.layers[0].kind", "missing layer kind", "police_patrol"],
    ),
    "budget-above-1": (
        "oversight:\n  layers:\n    - kind: ai_monitor\n    - kind: police_patrol\n"
        "      audit_budget: 1.5\n",
        ["oversight.layers[1].audit_budget", "out of range", "float in [0, 1]"],
    ),
    "budget-below-0": (
        "oversight:\n  layers:\n    - kind: ai_monitor\n      flag_rate: -0.1\n",
        ["oversight.layers[0].flag_rate", "out of range", "float in [0, 1]"],
    ),
    "unknown-field": (
        "oversight:\n  layers:\n    - kind: police_patrol\n      audit_budgte: 0.1\n",
        ["oversight.layers[0].audit_budgte", "unknown field", "'audit_budget'?"],
    ),
    "wrong-type": (
        "oversight:\n  layers:\n    - kind: panel\n      size: many\n",
        ["oversight.layers[0].size", "expected int"],
    ),
    "bad-choice": (
        "oversight:\n  layers:\n    - kind: ai_monitor\n      trust: trustd\n",
        ["oversight.layers[0].trust", "'trusted'?"],
    ),
    "trusted-colludes": (
        "oversight:\n  layers:\n    - kind: ai_monitor\n      collusion: 0.5\n",
        ["oversight.layers[0].collusion", "a trusted monitor cannot collude"],
    ),
    "not-a-list": (
        "oversight:\n  layers: police_patrol\n",
        ["oversight.layers", "expected a list of layers"],
    ),
    "item-not-mapping": (
        "oversight:\n  layers:\n    - police_patrol\n",
        ["oversight.layers[0]", "expected a mapping"],
    ),
    "missing-role-group": (
        "oversight:\n  layers:\n    - kind: fire_alarm\n"
        "      complainants: [voter, interest_group]\n",
        [
            "oversight.layers[0].complainants",
            "role 'interest_group'",
            "bureaucracy.interest_groups",
        ],
    ),
    "missing-role-ai": (
        "oversight:\n  layers:\n    - kind: police_patrol\n    - kind: ai_monitor\n"
        "      watches: ai_agent\n",
        ["oversight.layers[1].watches", "role 'ai_agent'", "ai_agents.count > 0"],
    ),
    "unknown-role": (
        "oversight:\n  layers:\n    - kind: police_patrol\n      watches: bureaucrats\n",
        ["oversight.layers[0].watches", "'bureaucrat'?"],
    ),
    "bad-alignment": (
        "ai_agents:\n  count: 3\n  alignment: [aligned, schemng]\n",
        ["ai_agents.alignment", "'scheming'?"],
    ),
}


@pytest.mark.parametrize(("text", "fragments"), CASES.values(), ids=CASES.keys())
def test_bad_layer_config_in_a_file(cli, tmp_path, text, fragments):
    path = write(tmp_path, text)
    code, out, err = cli("run", path, "--steps", "1")
    line = one_line(err)
    assert code == 2 and out == ""
    assert path in line
    for frag in fragments:
        assert frag in line


def test_bad_layer_from_set_names_the_override(cli):
    code, _, err = cli(
        "run", "baseline_democracy-v1", "--steps", "1",
        "--set", "oversight.layers=[{kind: panel}, {kind: debate, judge_accuracy: 1.2}]",
    )  # fmt: skip
    line = one_line(err)
    assert code == 2 and line.startswith("error: --set: oversight.layers[1].judge_accuracy")


def test_missing_role_from_set_names_the_override(cli):
    code, _, err = cli(
        "run", "baseline_democracy-v1", "--steps", "1",
        "--set", "oversight.layers=[{kind: police_patrol, watches: bureaucrat}]",
    )  # fmt: skip
    line = one_line(err)
    assert code == 2 and "--set: oversight.layers[0].watches" in line
    assert "bureaucracy.depth > 0" in line


def test_a_role_that_exists_is_accepted(cli, tmp_path):
    text = (
        "bureaucracy:\n  depth: 2\n  interest_groups: 1\n"
        "oversight:\n  layers:\n    - kind: fire_alarm\n"
        "      complainants: [voter, interest_group]\n"
    )
    code, _, err = cli("run", write(tmp_path, text), "--steps", "2")
    assert code == 0, err


def test_normalized_layers_fill_every_field():
    layers = PARAMS["oversight.layers"].validate([{"kind": "police_patrol", "audit_budget": 0.2}])
    (spec,) = layers
    assert spec["audit_budget"] == 0.2 and spec["accuracy"] == 0.9 and spec["scope"] == "all"
    assert spec["watches"] == "all" and spec["capture_rate"] == 0.0


def test_layers_survive_overrides_and_nested_output():
    cfg = defaults_config().with_overrides({"oversight.layers": [{"kind": "debate"}]})
    nested = cfg.to_nested(only_changed=True)
    assert nested["oversight"]["layers"][0]["kind"] == "debate"
    again = defaults_config().with_overrides({"oversight.layers": nested["oversight"]["layers"]})
    assert again["oversight.layers"] == cfg["oversight.layers"]


def test_too_many_layers():
    with pytest.raises(ConfigError, match=r"oversight\.layers: 7 layers.*at most 6"):
        PARAMS["oversight.layers"].validate([{"kind": "panel"}] * 7)


def test_missing_role_is_caught_when_the_scenario_loads(cli, tmp_path):
    """Cross-section checks run at load time, so `describe` refuses the file too, and an
    override that creates the role makes the same file valid."""
    path = tmp_path / "roles.yaml"
    path.write_text(
        "id: roles-v1\noversight:\n  layers: [{kind: police_patrol, watches: [bureaucrat]}]\n"
    )
    code, _, err = cli("describe", str(path))
    assert code == 2 and "oversight.layers[0].watches" in err and "bureaucracy.depth > 0" in err
    assert str(path) in err and "Traceback" not in err
    code, _, err = cli(
        "run",
        str(path),
        "--steps",
        "2",
        "--set",
        "electorate.n_voters=200",
        "--set",
        "bureaucracy.depth=1",
    )
    assert code == 0, err
