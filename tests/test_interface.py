"""The declared component interface (issue 9): typed parameter sections, declared world-state
reads and writes checked at build time and traced at run time, no reach-ins between
components, nothing unused, no import cycles, and docs generated from the declarations."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.components import COMPONENTS, Component, WiringError, check_wiring
from sim.errors import ConfigError
from sim.interface import BEGIN, END, block
from sim.scenario import load
from sim.testing import ContractError, TracedWorld, _check_traced, small

ROOT = Path(__file__).resolve().parents[1]


def test_docs_interface_table_is_generated_from_the_declarations():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == block(), (
        "docs/model.md's interface table is stale: run "
        "`python -m sim.interface --write docs/model.md`"
    )


def _component_class(body: str, tmp_path: Path, monkeypatch, name: str) -> None:
    """Import a module that defines a component class with `body` (as a real module would)."""
    src = (
        "from sim.components.base import Component\n"
        "class Probe(Component):\n"
        "    name = 'probe_component'\n    role = 'r'\n    observes = 'o'\n"
        "    stochastic = False\n    references = ('test',)\n    order = 95\n" + body
    )
    (tmp_path / f"{name}.py").write_text(src, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module(name)


STEP = "    params = ('bureaucracy',)\n    def step(self):\n"


def test_a_misspelt_parameter_is_an_error_when_the_class_is_defined(tmp_path, monkeypatch):
    def define(body: str, name: str) -> None:
        _component_class(body, tmp_path, monkeypatch, name)

    with pytest.raises(WiringError, match="dpeth"):
        define(STEP + "        return self.p.bureaucracy.dpeth\n", "probe_typo")
    with pytest.raises(WiringError, match="drift_rat"):
        define(STEP + "        c = self.p.bureaucracy\n        return c.drift_rat\n", "probe_alias")
    with pytest.raises(WiringError, match="declares params"):
        define("    def step(self):\n        return self.p.bureaucracy.depth\n", "probe_undeclared")
    with pytest.raises(WiringError, match="WorldState lacks"):
        define("    reads = ('mandat',)\n", "probe_field")


def test_build_time_check_names_a_read_before_its_writer():
    by_name = {c.name: c for c in COMPONENTS}

    class Early(Component):  # reads the policy before anything in the step writes it
        name = "early_reader"
        role, observes, stochastic, references = "r", "o", False, ("test",)
        order = 5
        reads = ("implemented",)

    COMPONENTS_ORDER = [Early, by_name["electoral"], by_name["opinion"]]
    with pytest.raises(WiringError, match=r"reads world\.implemented this step"):
        check_wiring(COMPONENTS_ORDER)
    check_wiring([by_name["electoral"], by_name["opinion"]])  # the real order passes


def test_traced_run_catches_an_undeclared_world_access(monkeypatch):
    """The contract checker's trace: a component that touches a field it does not declare."""
    cfg = small(load("full_institution-v1"))
    _check_traced("full_institution-v1", cfg, 3, 3)  # the real declarations pass
    opinion = next(c for c in COMPONENTS if c.name == "opinion")
    monkeypatch.setattr(
        opinion, "reads", ("implemented", "visible_effort", "effort_budget")
    )  # no `harm`
    with pytest.raises(ContractError, match=r"opinion' reads world\.harm"):
        _check_traced("full_institution-v1", cfg, 3, 3)


def test_traced_world_records_reads_and_writes():
    w = TracedWorld(mandate=np.zeros(2), implemented=np.zeros(2))
    w._active = "x"
    _ = w.mandate
    w.harm = 1.0
    assert w.__dict__["_trace"] == {("x", "read", "mandate"), ("x", "write", "harm")}


REACH_INS = ("component", "extra", "components")  # model.component(...), world.extra, ...


def _attribute_uses(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in REACH_INS:
            out.append((node.lineno, node.attr))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr":
            out.append((node.lineno, "getattr"))
        if isinstance(node, ast.Attribute) and node.attr == "electorate":
            out.append((node.lineno, "electorate"))
    return out


def test_components_never_reach_into_each_other():
    """Inside the model's parts (components, layers, mechanisms, strategies, agents), nothing
    looks another component up, reads `world.extra`, pokes at attributes by name, or reads
    the electorate except the components that own voters (electoral, opinion)."""
    owners = {"electoral.py", "opinion.py", "agents.py"}
    files = [
        *(ROOT / "sim" / "components").glob("*.py"),
        *(ROOT / "sim" / "oversight").glob("*.py"),
        *(ROOT / "sim" / "mechanisms").glob("*.py"),
        *(ROOT / "sim" / "strategies").glob("*.py"),
        *(ROOT / "sim" / "levers").glob("*.py"),
        *(ROOT / "sim").glob("agents*.py"),
    ]
    found = []
    for f in files:
        for line, what in _attribute_uses(f):
            if what == "electorate" and f.name in owners:
                continue
            found.append(f"{f.relative_to(ROOT)}:{line}: {what}")
    assert not found, "reach-ins between components:\n" + "\n".join(found)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> modules it imports (function-level and TYPE_CHECKING-free lazy imports
    included), within `packages`."""
    files = {(_module_name(p)): p for pkg in packages for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in files else node.module
                    for a in node.names
                ]
            graph[mod].update(t for t in targets if t in files and t != mod)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_in_sim_or_analysis():
    cycles = _cycles(_import_graph(("sim", "analysis")))
    assert not cycles, f"import cycles (lazy imports included): {cycles}"


def test_setting_a_parameter_of_a_disabled_component_exits_2():
    with pytest.raises(ConfigError, match=r"bureaucracy component is off.*bureaucracy\.depth"):
        load("baseline_democracy-v1", {"bureaucracy.drift_rate": 0.9})
    load("baseline_democracy-v1", {"bureaucracy.depth": 0})  # the gate itself may be set
    # turning a component off with an override is an ablation: the file's settings stay legal
    load("patrol_vs_alarm-v1", {"oversight.layers": []})
    with pytest.raises(ConfigError, match="oversight component is off"):
        load("patrol_vs_alarm-v1", {"oversight.layers": [], "oversight.audit_recall": 0.5})
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", "baseline_democracy-v1", "--steps", "2",
         "--set", "ai_agents.kl_budget=0.5"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "ai_agents.count=1 or more" in lines[0], proc.stderr


def test_a_sweep_axis_over_an_unused_parameter_is_refused(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "id: t\nscenario: baseline_democracy-v1\nsteps: 2\nreplications: 1\nseed: 1\n"
        "parameters:\n  bureaucracy.drift_rate: [0.1, 0.2]\n"
    )
    from sim.sweep.spec import load_spec

    with pytest.raises(ConfigError, match=r"parameters\.bureaucracy\.drift_rate.*component is off"):
        load_spec(spec)
    spec.write_text(spec.read_text() + "  bureaucracy.depth: [0, 2]\n")
    load_spec(spec)  # another axis turns the component on: allowed


def test_a_misspelt_layer_field_is_an_error_when_the_layer_is_defined(tmp_path, monkeypatch):
    """Oversight layers read their declared fields as a typed object (`self.f.<field>`)."""
    src = (
        "from sim.oversight.base import Layer\n"
        "class Probe(Layer):\n"
        "    name = 'probe_layer_typo'\n    role = 'r'\n    observes = 'o'\n"
        "    stochastic = False\n    references = ('test',)\n"
        "    def examine(self, docket, cand, rng):\n"
        "        return cand, cand, float(self.f.rotaton)\n"
    )
    (tmp_path / "probe_layer_typo.py").write_text(src, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match="rotaton"):
        importlib.import_module("probe_layer_typo")


def test_report_is_pure_even_right_after_an_election():
    """report() reads state and changes nothing: twice in a row gives the same values, also
    on the step an election replaced the incumbent (it used to reset the turnover flag)."""
    from sim.model import InstitutionModel

    model = InstitutionModel(small(load("baseline_democracy-v1")), seed=4)
    electoral = model.component("electoral")
    turnovers = 0
    for _ in range(400):
        model.step()
        first = electoral.report()
        assert electoral.report() == first
        turnovers += first["incumbent_turnover"] == 1.0
        if turnovers >= 2:
            break
    assert turnovers >= 2, "no election changed the incumbent in 400 steps"
