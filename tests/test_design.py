"""Issue 15: `instalign design`. Bad specs are one line and exit 2 before anything is written;
the levers decode from the unit cube as declared; a search is deterministic, stores what it
promises, and a search stopped after a generation resumes to the very same result without
rerunning a finished run; the front is re-evaluated on fresh worlds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.design import encoding
from sim.design.search import run_design
from sim.design.spec import load_design

SPEC = {
    "id": "tiny_design",
    "scenario": "ai_control_protocols-v1",
    "set": {"electorate": {"n_voters": 60}, "ai_agents": {"count": 8}},
    "steps": 15,
    "levers": {
        "ai_agents.audit_budget": {"low": 0.0, "high": 0.2},
        "ai_agents.protocol": ["upfront_auditing", "trusted_monitoring"],
    },
    "uncertainties": {"ai_agents.capability": {"low": 0.5, "high": 2.0}},
    "worlds": 3,
    "objectives": [
        {"metric": "safety", "sense": "max"},
        {"metric": "usefulness", "sense": "max", "stat": "mean"},
    ],
    "robustness": {"kind": "mean"},
    "search": {"population": 6, "evaluations": 12, "seed": 5},
    "reevaluate": {"replications": 2, "worlds": 4},
}


def write(tmp_path, spec: dict, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def edit(**changes) -> dict:
    spec = json.loads(json.dumps(SPEC))
    for dotted, value in changes.items():
        node, *rest = dotted.split("__")
        if rest:
            spec[node][rest[0].replace("_DOT_", ".")] = value
        else:
            spec[node] = value
    return spec


@pytest.mark.parametrize(
    ("spec", "fragments"),
    [
        (edit(levers__ai_agents_DOT_audit_budgt={"low": 0, "high": 1}),
         ("levers.ai_agents.audit_budgt", "did you mean 'ai_agents.audit_budget'")),
        (edit(levers={}), ("levers", "no levers")),
        (edit(objectives=[{"metric": "safty", "sense": "max"}]),
         ("objectives[0].metric", "unknown metric 'safty'", "did you mean 'safety'")),
        (edit(constraints=["usefulness >= 1.5"]),
         ("constraints[0]", "no design can meet", "[0, 1]")),
        (edit(robustness={"kind": "regrett"}), ("robustness.kind", "did you mean 'regret'")),
        (edit(search={"population": 6, "evaluations": 3, "seed": 1}),
         ("search.evaluations", "less than one population")),
        (edit(levers__ai_agents_DOT_protocol=["upfront_auditing", "trusted_monitorin"]),
         ("levers.ai_agents.protocol", "trusted_monitoring")),
        (edit(uncertainties={"ai_agents.audit_budget": {"low": 0, "high": 0.1}}),
         ("both a lever and an uncertainty",)),
    ],
)  # fmt: skip
def test_bad_specs_are_one_line_exit_2_and_write_nothing(cli, tmp_path, spec, fragments):
    out = tmp_path / "out"
    code, _, err = cli("design", str(write(tmp_path, spec)), "--out", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert all(f in err for f in fragments), err
    assert not out.exists()


def test_levers_decode_from_the_unit_cube_as_declared(tmp_path):
    spec = edit(levers={
        "ai_agents.audit_budget": {"low": 0.01, "high": 1.0, "log": True},
        "ai_agents.honeypots": {"low": 0, "high": 10},
        "ai_agents.protocol": ["upfront_auditing", "trusted_monitoring", "trusted_editing"],
        "oversight.layers": {"stack": {"m": {"kind": "ai_monitor"}, "p": {"kind": "panel"}},
                             "min": 1, "max": 3},
    })  # fmt: skip
    design = load_design(write(tmp_path, spec))
    assert encoding.width(design.levers) == 1 + 1 + 1 + 4
    lo = encoding.decode(design.levers, np.zeros(7))
    hi = encoding.decode(design.levers, np.ones(7))
    assert lo["ai_agents.audit_budget"] == pytest.approx(0.01)
    assert hi["ai_agents.audit_budget"] == pytest.approx(1.0)
    mid = encoding.decode(design.levers, np.full(7, 0.5))["ai_agents.audit_budget"]
    assert mid == pytest.approx(0.1)  # log scale: the geometric midpoint
    assert (lo["ai_agents.honeypots"], hi["ai_agents.honeypots"]) == (0, 10)
    assert isinstance(hi["ai_agents.honeypots"], int)
    assert (lo["ai_agents.protocol"], hi["ai_agents.protocol"]) == (
        "upfront_auditing", "trusted_editing")  # fmt: skip
    assert lo["oversight.layers"] == [{"kind": "ai_monitor"}]  # min length, first option
    assert hi["oversight.layers"] == [{"kind": "panel"}] * 3  # max length, last option
    x = np.array([0.5, 0.5, 0.5, 0.4, 0.9, 0.1, 0.99])  # 2 layers: panel then monitor
    assert encoding.decode(design.levers, x)["oversight.layers"] == [
        {"kind": "panel"}, {"kind": "ai_monitor"}]  # fmt: skip


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """The tiny search run once in full, and once in two sessions (stopped after its first
    generation, then resumed)."""
    root = tmp_path_factory.mktemp("design")
    spec = write(root, SPEC)
    full = run_design(spec, root / "full", executor="sequential")
    run_design(spec, root / "split", executor="sequential", budget=6)  # one generation
    parts = sorted((root / "split" / "generations" / "g000" / "summary").glob("*.parquet"))
    stamps = {p: p.stat().st_mtime_ns for p in parts}
    resumed = run_design(spec, root / "split", executor="sequential", resume=True)
    return root, full, resumed, stamps


def test_a_search_writes_its_store_and_meets_the_budget(searched):
    root, full, _, _ = searched
    out = root / "full"
    ev = pd.read_parquet(out / "evaluations.parquet")
    hist = pd.read_parquet(out / "history.parquet")
    worlds = pd.read_parquet(out / "worlds.parquet")
    front = pd.read_parquet(out / "pareto.parquet")
    assert full["status"] == "complete" and hist["evaluations"].iloc[-1] == 12
    assert len(ev) <= 12 and ev["design"].is_unique and len(worlds) == 3 * len(ev)
    assert (np.diff(hist["hypervolume"]) >= -1e-12).all()  # the archive's front only grows
    assert 1 <= len(front) == full["front"] and front["design"].isin(ev["design"]).all()
    for col in ("re mean:safety", "re mean:safety lo", "re mean:safety hi"):
        assert col in front
    assert (front["re mean:safety lo"] <= front["re mean:safety"]).all()
    assert (front["re mean:safety"] <= front["re mean:safety hi"]).all()
    assert (front["re worlds"] == 4).all()
    # every design met the same three worlds (common random numbers across generations)
    assert sorted(worlds["world"].unique()) == [0, 1, 2]


def test_a_stopped_search_resumes_to_the_same_result_without_rerunning(searched):
    root, _, resumed, stamps = searched
    assert resumed["status"] == "complete"
    for name in ("evaluations.parquet", "pareto.parquet", "history.parquet"):
        a, b = (pd.read_parquet(root / d / name) for d in ("full", "split"))
        pd.testing.assert_frame_equal(a, b)
    changed = [p.name for p, t in stamps.items() if p.stat().st_mtime_ns != t]
    assert stamps and not changed, changed  # the first generation's runs were not rerun


def test_a_finished_store_is_not_overwritten(cli, searched):
    root, _, _, _ = searched
    code, _, err = cli("design", str(root / "spec.yaml"), "--out", str(root / "full"))
    assert code == 2 and "already holds a design search" in err and "--resume" in err


def test_a_different_spec_cannot_resume_a_store(cli, searched, tmp_path):
    root, _, _, _ = searched
    other = write(tmp_path, edit(search={"population": 6, "evaluations": 12, "seed": 6}))
    code, _, err = cli("design", str(other), "--out", str(root / "full"), "--resume")
    assert code == 2 and "different design search" in err


def test_a_points_sweep_zips_its_axes_and_refuses_unequal_lengths(tmp_path):
    """`design: points` (the worlds of a design search): point i takes every axis' i-th value."""
    from sim.errors import ConfigError
    from sim.sweep.design import build
    from sim.sweep.spec import load_spec

    spec = {"scenario": "ai_control_protocols-v1", "seed": 1, "design": "points",
            "parameters": {"ai_agents.capability": [0.5, 1.0, 2.0],
                           "ai_agents.audit_budget": [0.01, 0.02, 0.03]}}  # fmt: skip
    points = build(load_spec(write(tmp_path, spec, "ok.yaml"))).points
    assert points["ai_agents.capability"].tolist() == [0.5, 1.0, 2.0]
    assert points["ai_agents.audit_budget"].tolist() == [0.01, 0.02, 0.03]
    spec["parameters"]["ai_agents.audit_budget"] = [0.01, 0.02]
    with pytest.raises(ConfigError, match="2 values where the other axes have 3"):
        build(load_spec(write(tmp_path, spec, "bad.yaml")))


def test_a_search_on_a_dask_cluster_evaluates_the_same_designs(searched):
    """The first generation on a real Dask LocalCluster (2 workers) gives the designs and
    robust values the sequential search gave: the executor changes nothing but speed."""
    root, _, _, _ = searched
    run_design(root / "spec.yaml", root / "dask", executor="dask", workers=2, budget=6)
    a = pd.read_parquet(root / "full" / "evaluations.parquet")
    b = pd.read_parquet(root / "dask" / "evaluations.parquet")
    first = a[a["generation"] == 0].reset_index(drop=True)
    cols = ["design", "mean:safety", "mean:usefulness", "feasible"]
    pd.testing.assert_frame_equal(first[cols], b[cols])


def test_robustness_measures_follow_their_definitions():
    """McPhail et al. 2018's measures on a hand-made outcome cube (2 designs x 4 worlds x 1
    objective, smaller is better): mean, the bad-side percentile, maximum regret against each
    world's best, and the satisficing share (reported negated, as the search minimizes)."""
    from sim.design import robust

    bad = np.array([[[1.0], [2.0], [3.0], [10.0]], [[2.0], [2.0], [2.5], [4.0]]])
    assert robust.robust(bad, "mean")[:, 0].tolist() == [4.0, 2.625]
    assert robust.robust(bad, "percentile", q=100)[:, 0].tolist() == [10.0, 4.0]
    best = robust.best_per_world(bad)
    assert best[:, 0].tolist() == [1.0, 2.0, 2.5, 4.0]
    assert robust.robust(bad, "regret", best=best)[:, 0].tolist() == [6.0, 1.0]
    share = robust.robust(bad, "satisficing", thresholds=np.array([2.5]))
    assert share[:, 0].tolist() == [-0.5, -0.75]
    maxed = robust.badness(np.array([[0.2, 0.9]]), ["min", "max"])
    assert maxed.tolist() == [[0.2, -0.9]]
    f = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.5, 2.5], [0.5, 5.0]])
    ok = np.array([True, True, True, True, False])
    assert robust.nondominated(f, ok).tolist() == [0, 1, 2]  # 3 dominated, 4 infeasible
