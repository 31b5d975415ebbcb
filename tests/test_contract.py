"""The shipped contract checker (sim.testing) over every scenario, strategy and component;
`check_all` discovers them, so new scenarios and classes are covered automatically."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.components import COMPONENTS
from sim.scenario import discover, load
from sim.strategies import STRATEGIES, Strategy
from sim.testing import ContractError, _check_columns, check_all, check_class


def test_every_scenario_strategy_and_class_meets_the_contract():
    """`check_all` over every discovered scenario, the defaults, one config per strategy and
    every component and strategy class: one result per subject, all passed (the messages of
    any that failed say what is most likely wrong)."""
    results = check_all()
    subjects = {r.subject for r in results}
    classes = {f"class {c.__name__}" for c in (*COMPONENTS, *STRATEGIES.values())}
    strategies = {f"strategy:{name}" for name in STRATEGIES}
    assert {"defaults", *discover(), *strategies, *classes} <= subjects
    assert len(results) == len(subjects)
    assert all(r.passed == (r.message == "") for r in results)
    failed = [r.message for r in results if not r.passed]
    assert not failed, "\n".join(failed)


def test_scenario_files_carry_their_documentation():
    missing = []
    for sid in sorted(discover()):
        cfg = load(sid)
        if not (cfg.description and cfg.references and cfg.assumptions and cfg.limitations):
            missing.append(sid)
    assert not missing, f"description, references, assumptions or limitations missing: {missing}"


def test_the_checker_catches_undeclared_columns():
    bad = pd.DataFrame({"step": [0, 1], "surprise": [0.0, 1.0]})
    with pytest.raises(ContractError, match=r"undeclared \['surprise'\].*report\(\) keys"):
        _check_columns("scenario x", bad, 1)


def test_the_checker_catches_missing_metadata():
    class Lazy(Strategy):  # no name: an abstract helper class, so no check at definition
        pass

    with pytest.raises(ContractError, match="metadata missing"):
        check_class(Lazy)
