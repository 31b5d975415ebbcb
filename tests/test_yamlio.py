"""The one YAML loader refuses a key written twice (naming both lines) wherever YAML is read:
scenario files, `--set` values and sweep specs; merge keys may still be overridden."""

from __future__ import annotations

import pytest
import yaml

from sim import yamlio
from sim.errors import ConfigError
from sim.scenario import parse_set, read_yaml
from sim.sweep import load_spec


def test_a_repeated_key_names_both_lines():
    with pytest.raises(yaml.YAMLError, match=r"duplicate key 'seed' on lines 2 and 4"):
        yamlio.load("id: x\nseed: 1\nsteps: 3\nseed: 2\n")
    with pytest.raises(yaml.YAMLError, match=r"duplicate key 'kind' on lines 3 and 4"):
        yamlio.load("oversight:\n  layers:\n    - kind: police_patrol\n      kind: fire_alarm\n")
    with pytest.raises(yaml.YAMLError, match="duplicate key 'a'"):
        yamlio.load("{a: 1, b: 2, a: 3}")


def test_keys_that_differ_or_come_from_a_merge_are_fine():
    doc = yamlio.load("base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  x: 5\n1: one\n'1': text\n")
    assert doc["mine"] == {"x": 5, "y": 2} and doc[1] == "one" and doc["1"] == "text"
    assert yamlio.load("a: {k: 1}\nb: {k: 2}\n") == {"a": {"k": 1}, "b": {"k": 2}}


def test_scenario_files_set_values_and_sweep_specs_refuse_repeated_keys(tmp_path):
    scenario = tmp_path / "mine-v1.yaml"
    scenario.write_text("id: mine-v1\nelectorate:\n  information: 0.3\n  information: 0.6\n")
    with pytest.raises(ConfigError) as err:
        read_yaml(scenario)
    assert str(err.value) == f"{scenario}: duplicate key 'information' on lines 3 and 4"
    with pytest.raises(ConfigError, match=r"--set: oversight.layers: .* not valid YAML"):
        parse_set(["oversight.layers=[{kind: police_patrol, kind: fire_alarm}]"])
    spec = tmp_path / "s.yaml"
    spec.write_text("scenario: baseline_democracy-v1\nseed: 1\nsteps: 5\nseed: 2\n")
    with pytest.raises(ConfigError, match=r"s.yaml: duplicate key 'seed' on lines 2 and 4"):
        load_spec(spec)
