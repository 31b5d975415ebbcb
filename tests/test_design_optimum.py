"""The design search finds an optimum known in closed form (issue 15; ANCHORS H).

scenarios/designs/closed_form_optimum.yaml: the size n of a Condorcet panel (Condorcet 1785;
anchor C1, sim/oversight/panel.py) reviewing AI agents' harmful actions, against a cost per
member charged to the voters. The simulator's measured welfare is, up to a constant shared by
every design, -(harm), and the expected harm makes the best panel maximize
V(n) = P_n - kappa n, P_n = P(Binomial(n, a) > n/2), kappa = T w c / ((T - 1) H) (the spec's
header derives it). The closed form supplies only the expected answer, computed here from the
spec's own parameters; the search runs the simulator (NSGA-II, sequential executor).
Tolerance |n - n*| <= 2 (one odd size either side), from the noise and the flatness: the
header's numbers give V(n*) - V(n* +- 2) within about 2 SE of a paired difference, V(n* +- 4)
more than 7 SE below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from scipy.stats import binom

from sim.design.search import run_design
from sim.design.spec import load_design

SPEC = Path(__file__).resolve().parents[1] / "scenarios" / "designs" / "closed_form_optimum.yaml"
TOLERANCE = 2  # panel members (one odd size either side of n*)


def panel_size(levers: str) -> int:
    """The panel's size in a design's `levers` JSON (the second layer of the stack)."""
    layers = json.loads(levers)["oversight.layers"]
    return int(next(layer["size"] for layer in layers if layer["kind"] == "panel"))


def closed_form_optimum(spec: Path) -> tuple[int, dict[int, float]]:
    """n* = argmax over the spec's odd sizes of P_n - kappa n, from the spec's parameters."""
    design = load_design(spec)
    v = design.base.values
    steps = int(v["steps"])
    sizes, accuracy, member_cost = [], None, None
    for choice in design.levers[0].choices:
        panel = next(layer for layer in choice if layer["kind"] == "panel")
        sizes.append(int(panel["size"]))
        accuracy, member_cost = panel["accuracy"], panel["cost"]
    kappa = steps * v["oversight.cost_weight"] * member_cost / ((steps - 1) * v["ai_agents.harm"])
    value = {n: float(binom.sf(n // 2, n, accuracy) - kappa * n) for n in sizes}
    return max(value, key=value.get), value


def test_closed_form_sets_an_interior_optimum():
    best, value = closed_form_optimum(SPEC)
    assert best == 9
    assert min(value) < best < max(value)
    # the flatness the tolerance rests on (numbers of the spec's header)
    assert value[best] - value[best - 2] < 0.003 and value[best] - value[best + 2] < 0.004
    assert value[best] - value[best - 4] > 0.012 and value[best] - value[best + 4] > 0.012


def test_search_finds_the_closed_form_optimum(tmp_path):
    best, _ = closed_form_optimum(SPEC)
    run_design(SPEC, tmp_path / "out", executor="sequential")
    table = pd.read_parquet(tmp_path / "out" / "evaluations.parquet")
    found = panel_size(table.loc[table["mean:welfare"].idxmax(), "levers"])
    assert abs(found - best) <= TOLERANCE, (found, best)
    front = pd.read_parquet(tmp_path / "out" / "pareto.parquet")
    assert [panel_size(x) for x in front["levers"]] == [found]
