"""Golden summaries: every scenario's final and mean metrics still match `tests/goldens/`.

The computation and the comparison rule live in `scripts/goldens.py` (loaded here from its
path, since `scripts/` is not a package); this file only reports what moved.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "goldens.py"
REGENERATE = (
    "behaviour changed: run `scripts/goldens.py --diff`, explain the change in CHANGELOG.md, "
    "then regenerate with `scripts/goldens.py`"
)


def _load_script():
    """Import scripts/goldens.py as a module (registered so its dataclass resolves)."""
    spec = importlib.util.spec_from_file_location("instalign_goldens", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


goldens = _load_script()


@pytest.mark.parametrize("scenario_id", goldens.targets())
def test_golden_summary(scenario_id: str) -> None:
    path = goldens.golden_path(scenario_id)
    if scenario_id not in goldens.scenarios():
        pytest.fail(
            f"{path.name} pins scenario {scenario_id!r}, which no longer exists: say so in "
            "CHANGELOG.md, then run `scripts/goldens.py` (it deletes the stale golden)",
            pytrace=False,
        )
    if not path.exists():
        pytest.fail(
            f"no golden for scenario {scenario_id!r}: run `scripts/goldens.py --only "
            f"{scenario_id}` and commit {path.name}",
            pytrace=False,
        )
    changes = goldens.compare(goldens.read(path), goldens.compute(scenario_id))
    if changes:
        pytest.fail(
            f"{scenario_id}: {len(changes)} golden difference(s) beyond relative "
            f"{goldens.RTOL:g} + absolute {goldens.ATOL:g}:\n{goldens.table(changes)}\n"
            f"{REGENERATE}",
            pytrace=False,
        )
