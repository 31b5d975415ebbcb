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


def test_public_paths_are_declared():
    assert set(PUBLIC) <= set(PARAMS), sorted(set(PUBLIC) - set(PARAMS))


def test_every_declaration_is_complete():
    """Over the whole registry: a description, and a default that validates (within range)."""
    bad = []
    for path, p in PARAMS.items():
        if not p.description.strip():
            bad.append(f"{path}: no description")
        value = p.validate(p.default)
        if p.kind in ("int", "float") and not _within(p, value):
            bad.append(f"{path}: default {value!r} outside [{p.low}, {p.high}]")
    assert not bad, bad


def _within(p: Param, value) -> bool:
    return (p.low is None or value >= p.low) and (p.high is None or value <= p.high)


def _edges(p: Param) -> tuple[list, list]:
    """(values at and between the declared bounds, values just beyond them)."""
    kind = int if p.kind == "int" else float
    low = p.low if p.low is not None else -1e12
    high = p.high if p.high is not None else 1e12
    inside = [kind(low), kind(high), kind((low + high) / 2)]
    step = 1 if p.kind == "int" else 1e-9 * max(1.0, abs(low), abs(high))
    outside = [kind(b + d) for b, d in ((p.low, -step), (p.high, step)) if b is not None]
    return inside, outside


def test_numbers_are_normalized_within_the_range_and_refused_outside_it():
    """Every int and float parameter, at its bounds and between them: the value comes back as
    the declared type (an int spelled 500.0, as YAML may, included); just beyond a bound it is
    refused naming the path and the allowed range; a bool or a string is a type error."""
    numeric = [p for p in PARAMS.values() if p.kind in ("int", "float")]
    assert len(numeric) > 10
    for p in numeric:
        kind = int if p.kind == "int" else float
        inside, outside = _edges(p)
        for value in inside + [float(v) for v in inside if abs(v) < 2**53]:
            got = p.validate(value)
            assert got == value and type(got) is kind, (p.path, value, got)
        for value in outside:
            with pytest.raises(ConfigError, match="out of range") as err:
                p.validate(value)
            assert p.path in str(err.value) and p.allowed() in str(err.value), p.path
        for wrong in (True, "many"):
            with pytest.raises(ConfigError, match=f"expected {p.kind}") as err:
                p.validate(wrong)
            assert p.path in str(err.value)


def test_choices_are_accepted_and_unknown_names_refused():
    """Every choice parameter: each declared name validates to itself, the list of them
    (where `many`) to a tuple; a misspelt name is refused, naming the path."""
    choices = [p for p in PARAMS.values() if p.kind == "choice"]
    assert choices
    for p in choices:
        for name in p.choices:
            assert p.validate(name) == name
            with pytest.raises(ConfigError, match="unknown value") as err:
                p.validate(name + "x" if name + "x" not in p.choices else name + "zz")
            assert p.path in str(err.value)
        if p.many:
            assert p.validate(list(p.choices)) == p.choices


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
        ("electorate.information", 1, 1.0),
        ("politicians.strategy", ["sticker", "hunter"], ("sticker", "hunter")),
    ],
)
def test_values_are_normalized(path, value, expected):
    got = PARAMS[path].validate(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("electorate.n_voters", 2.5, "expected int"),
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
