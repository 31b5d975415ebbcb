"""Dependencies point one way: dashboard/ -> analysis/ -> sim/. sim/ imports no plotting or UI
library, and analysis/ never imports the dashboard."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "sim": {"plotly", "dash", "kaleido", "analysis", "dashboard", "matplotlib"},
    "analysis": {"dashboard", "dash"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_against_the_flow(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no sources found under {package}/"
    bad = [
        f"{f.relative_to(ROOT)} imports {sorted(imported_roots(f) & FORBIDDEN[package])}"
        for f in files
        if imported_roots(f) & FORBIDDEN[package]
    ]
    assert not bad, "\n".join(bad)


def test_running_a_scenario_loads_no_plotting_library():
    code = (
        "import sys; from sim.scenario import load; from sim.run import run; "
        "run(load('baseline_democracy-v1', {'electorate.n_voters': 200}), steps=3); "
        "print(sorted(m for m in ('plotly', 'dash', 'kaleido') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.strip()
    assert out == "[]", f"sim loaded {out}"
