"""The parameter registry: one declaration per parameter drives validation everywhere."""

from __future__ import annotations

import re

import pytest

from sim.errors import ConfigError
from sim.params import PARAMS
from sim.params.core import Param, Registry
from sim.scenario import defaults_config, from_mapping

PUBLIC = (
    "world.dimensions",
    "electorate.n_voters",
    "electorate.information",
    "electorate.polarization",
    "politicians.count",
    "politicians.strategy",
    "politicians.optimization_pressure",
    "elections.interval",
    "elections.rule",
    "steps",
    "seed",
)


@pytest.mark.parametrize("path", PUBLIC)
def test_public_paths_are_declared(path):
    assert path in PARAMS


@pytest.mark.parametrize("path", list(PARAMS))
def test_every_declaration_is_complete(path):
    p = PARAMS[path]
    assert p.description.strip(), f"{path} has no description"
    assert p.validate(p.default) is not None
    if p.kind in ("int", "float") and p.low is not None and p.high is not None:
        assert p.low <= p.validate(p.default) <= p.high


def test_registry_refuses_a_second_declaration():
    reg = Registry()
    reg.declare("a.b", "int", 1, "first")
    with pytest.raises(ValueError, match="declared twice"):
        reg.declare("a.b", "int", 2, "second")


def test_a_declaration_with_an_invalid_default_is_a_bug():
    with pytest.raises(ConfigError):
        Param("a.c", "int", 20, "out of its own range", low=0, high=10)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("electorate.n_voters", 500, 500),
        ("electorate.n_voters", 500.0, 500),  # YAML may spell an int as 500.0
        ("electorate.information", 1, 1.0),
        ("politicians.strategy", "hunter", "hunter"),
        ("politicians.strategy", ["sticker", "hunter"], ("sticker", "hunter")),
        ("politicians.optimization_pressure", 1024, 1024),
    ],
)
def test_values_are_normalized(path, value, expected):
    got = PARAMS[path].validate(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("electorate.n_voters", 2.5, "expected int"),
        ("electorate.n_voters", True, "expected int"),
        ("electorate.n_voters", "many", "expected int"),
        ("electorate.information", 1.5, "out of range"),
        ("electorate.information", -0.1, "out of range"),
        ("world.dimensions", 6, "out of range"),
        ("elections.rule", "plurity", "did you mean 'plurality'"),
        ("politicians.strategy", ["hunter", "huntr"], "did you mean 'hunter'"),
        ("politicians.strategy", [], "empty list"),
    ],
)
def test_invalid_values_name_the_path(path, value, fragment):
    with pytest.raises(ConfigError) as err:
        PARAMS[path].validate(value)
    assert path in str(err.value) and fragment in str(err.value)


def test_unknown_path_suggests_the_closest():
    with pytest.raises(ConfigError, match=re.escape("did you mean 'electorate.information'")):
        PARAMS.lookup("electorate.informaton")


def test_overrides_are_validated_like_the_file():
    cfg = defaults_config().with_overrides({"electorate.information": 0.3})
    assert cfg["electorate.information"] == 0.3
    assert cfg.changed() == {"electorate.information": 0.3}
    with pytest.raises(ConfigError, match=re.escape("--set: electorate.information")):
        defaults_config().with_overrides({"electorate.information": 3})


def test_a_config_round_trips_through_its_nested_form():
    cfg = defaults_config().with_overrides(
        {"politicians.strategy": ["sticker", "hunter"], "world.dimensions": 3}
    )
    nested = cfg.to_nested()
    nested["id"] = "round_trip-v1"
    again = from_mapping(nested, "<round trip>")
    assert dict(again.values) == dict(cfg.values)
