"""The shipped contract checker (sim.testing) over every scenario, strategy and component;
parametrized at collection time, so new scenarios and classes are covered automatically."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.components import COMPONENTS
from sim.scenario import defaults_config, discover, load
from sim.strategies import STRATEGIES, Strategy
from sim.testing import (
    ContractError,
    _check_columns,
    check_all,
    check_class,
    check_scenario,
    strategy_configs,
)


@pytest.mark.parametrize("sid", sorted(discover()))
def test_scenario_meets_the_contract(sid):
    check_scenario(load(sid))


def test_defaults_meet_the_contract():
    check_scenario(defaults_config())


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_meets_the_contract(name):
    check_scenario(strategy_configs()[name])


@pytest.mark.parametrize("cls", [*COMPONENTS, *STRATEGIES.values()], ids=lambda c: c.__name__)
def test_every_class_declares_its_metadata(cls):
    check_class(cls)


@pytest.mark.parametrize("sid", sorted(discover()))
def test_scenario_files_carry_their_documentation(sid):
    cfg = load(sid)
    assert cfg.description and cfg.references and cfg.assumptions and cfg.limitations, sid


def test_the_checker_catches_undeclared_columns():
    bad = pd.DataFrame({"step": [0, 1], "surprise": [0.0, 1.0]})
    with pytest.raises(ContractError, match=r"undeclared \['surprise'\].*report\(\) keys"):
        _check_columns("scenario x", bad, 1)


def test_the_checker_catches_missing_metadata():
    class Lazy(Strategy):  # no name: an abstract helper class, so no check at definition
        pass

    with pytest.raises(ContractError, match="metadata missing"):
        check_class(Lazy)


def test_check_all_reports_one_result_per_subject():
    results = check_all(steps=2)
    subjects = {r.subject for r in results}
    assert "defaults" in subjects and set(discover()) <= subjects
    assert all(r.passed == (r.message == "") for r in results)
