"""The figures of a design store (analysis/design_figures/, `instalign design-figures`) on a
tiny real store made once through `sim.design.search.run_design`: every figure builds, each
one's sentence states numbers read back from the store's own files, the regret is the gap to
the best design per world, the CLI's exit codes, and an export carries its provenance. Edge
cases (three objectives, a front not re-evaluated, a design that held up) on hand-made
stores."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import design_figures as dfig
from analysis import findings
from sim.cli import main

SPEC = """\
id: tiny_design
scenario: ai_control_protocols-v1
set: {electorate.n_voters: 60, ai_agents.count: 10}
steps: 15
levers:
  ai_agents.audit_budget: {low: 0.0, high: 0.2}
  ai_agents.defer_threshold: {low: 0.0, high: 0.5}
  ai_agents.protocol: [upfront_auditing, trusted_monitoring, trusted_editing]
uncertainties:
  ai_agents.capability: {low: 0.5, high: 2.0}
worlds: 3
objectives:
  - {metric: safety, sense: max}
  - {metric: usefulness, sense: max, stat: mean}
robustness: {kind: mean}
search: {population: 6, evaluations: 12, seed: 3}
replications: 1
reevaluate: {replications: 1, worlds: 4}
"""


def make_store(folder):
    """Write the tiny spec into `folder` and run the design search into `folder/store`."""
    from sim.design.search import run_design

    spec = folder / "tiny.yaml"
    spec.write_text(SPEC)
    run_design(spec, folder / "store", executor="sequential")
    return folder / "store"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    """The tiny design store, made once for the module."""
    return make_store(tmp_path_factory.mktemp("design"))


@pytest.fixture(scope="module")
def store(store_dir):
    """The tiny design store, opened."""
    return dfig.open_design(store_dir)


def test_every_figure_builds_from_a_real_store(store):
    built = dfig.build(store)
    assert list(built.figures) == list(dfig.NAMES) and not built.skipped
    for name, df in built.data.items():
        assert df.attrs["finding"].endswith("."), name


def test_front_sentence_states_the_front_and_the_winners_curse_from_the_files(store):
    df, fig = dfig.figure(store, "pareto_front")
    pareto = pd.read_parquet(store.path / "pareto.parquet")
    ev = pd.read_parquet(store.path / "evaluations.parquet")
    assert set(df.loc[df["on_front"], "design"]) == set(pareto["design"])
    text = df.attrs["finding"]
    assert f"{len(pareto)} of {len(ev)} designs" in text or len(pareto) == 1
    best = pareto.loc[pareto["mean:safety"].idxmax()]
    before, after = best["mean:safety"], best["re mean:safety"]
    assert f"{findings.num(before)} → {findings.num(after)}" in text
    assert "on 4 fresh worlds" in text
    if before > after:
        assert f"lost {findings.num(before - after)} safety" in text
    # the figure: one arrow per re-evaluated front design, CIs as error bars
    re = next(t for t in fig.data if t.name.startswith("front re-evaluated"))
    assert len(fig.layout.annotations) == len(pareto)
    hi = pareto.set_index("design").loc[list(re.customdata[:, 1]), "re mean:safety hi"]
    assert np.allclose(np.asarray(re.x) + np.asarray(re.error_x.array), hi)


def test_parallel_coordinates_code_the_categorical_lever_with_its_names(store):
    df, fig = dfig.figure(store, "parallel_levers")
    dims = {d.label.replace("<br>", " "): d for d in fig.data[0].dimensions}
    proto = dims["protocol"]
    levels = df.attrs["categorical"]["ai_agents.protocol"]
    assert list(proto.ticktext) == [v.replace("_", " ") for v in levels]
    codes = [levels.index(v) for v in df["ai_agents.protocol"]]
    assert list(proto.values) == codes
    front = df[df["on_front"]]
    top = front["ai_agents.protocol"].value_counts()
    assert f"use protocol {top.index[0]} in {top.iloc[0]} of {len(front)}" in df.attrs["finding"]


def test_regret_is_the_gap_to_the_best_design_in_each_world(store):
    df, fig = dfig.figure(store, "regret_heatmap", objective="usefulness")
    w = pd.read_parquet(store.path / "worlds.parquet")
    best = w.groupby("world")["usefulness_mean"].max()
    for _, r in df.iterrows():
        mine = w[(w["design"] == r["design"]) & (w["world"] == r["world"])]["usefulness_mean"]
        assert r["regret"] == pytest.approx(best[r["world"]] - mine.mean())
    assert (df["regret"] >= 0).all()
    worst = df.loc[df["regret"].idxmax()]
    assert f"largest usefulness regret is {findings.num(worst['regret'])}" in df.attrs["finding"]
    labels = [dfig._world_label(x) for x in store.manifest["worlds"]]
    assert set(fig.data[0].x) == set(labels)  # columns named by the manifest's worlds


def test_convergence_sentence_reads_the_history(store):
    df, fig = dfig.figure(store, "convergence")
    h = pd.read_parquet(store.path / "history.parquet")
    text = df.attrs["finding"]
    assert f"from {findings.num(h['hypervolume'].iloc[0])} after generation 0" in text
    assert f"{int(h['feasible_designs'].iloc[-1])} feasible designs" in text
    assert list(fig.data[0].y) == list(h["hypervolume"])


def test_cli_bad_inputs_exit_2_with_one_line(tmp_path, store_dir, capsys):
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "manifest.json").write_text("{}")
    out = str(tmp_path / "figs")
    for argv, says in (
        ([str(tmp_path / "nope"), "--out", out], "no such folder"),
        ([str(tmp_path / "sweep"), "--out", out], "not a design store (no evaluations.parquet)"),
        ([str(store_dir), "--out", out, "--only", "front"], "unknown figure 'front'"),
        ([str(store_dir), "--out", out, "--objective", "safty"], "did you mean 'safety'"),
    ):
        assert main(["design-figures", *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert says in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "figs").exists()


@pytest.mark.timeout(120)
def test_cli_writes_figures_with_provenance(tmp_path, store_dir):
    from analysis import metadata

    out = tmp_path / "figs"
    argv = ["design-figures", str(store_dir), "--out", str(out), "--format", "svg"]
    assert main([*argv, "--only", "convergence,pareto_front"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "convergence.csv", "convergence.svg", "pareto_front.csv", "pareto_front.svg",
    ]  # fmt: skip
    prov = metadata.read((out / "pareto_front.svg").read_bytes(), "svg")
    assert prov["design"] == "tiny_design" and prov["figure"] == "pareto_front"
    assert prov["master_seed"] == 3 and len(prov["worlds"]) == 3
    assert "design tiny_design" in (out / "pareto_front.svg").read_text()


# ---- hand-made stores: the branches a small real search may not reach ------------------------


def fake(objectives=("safety", "usefulness"), reevaluated=True, shift=-0.2):
    """A store of four designs, two on the front, with made-up values."""
    ev = pd.DataFrame({
        "design": list("abcd"), "generation": [0, 0, 1, 1],
        "label": [f"x={i}" for i in range(4)], "feasible": [True, True, True, False],
        "levers": [json.dumps({"p.x": i}) for i in range(4)], "p.x": [0.0, 1.0, 2.0, 3.0],
    })  # fmt: skip
    vals = {"safety": [0.9, 0.5, 0.4, 0.2], "usefulness": [0.5, 0.9, 0.4, 0.2],
            "cost": [0.3, 0.1, 0.5, 0.9]}  # fmt: skip
    for m in objectives:
        ev[f"mean:{m}"] = vals[m]
    pareto = ev[ev["design"].isin(["a", "b"])].copy() if reevaluated else pd.DataFrame()
    if reevaluated:
        for m in objectives:
            pareto[f"re mean:{m}"] = pareto[f"mean:{m}"] + shift
            pareto[f"re mean:{m} lo"] = pareto[f"re mean:{m}"] - 0.05
            pareto[f"re mean:{m} hi"] = pareto[f"re mean:{m}"] + 0.05
        pareto["re worlds"], pareto["re replications"] = 5, 1
    sense = {"cost": "min"}
    spec = {
        "scenario": "x-v1",
        "levers": {"p.x": {"low": 0, "high": 3}},
        "objectives": [{"metric": m, "sense": sense.get(m, "max")} for m in objectives],
    }
    return dfig.DesignStore(None, {"spec": spec, "worlds": [{}]}, ev, pd.DataFrame(),
                            pd.DataFrame(), pareto)  # fmt: skip


def test_three_objectives_draw_a_scatter_matrix():
    """One panel per pair of objectives (3 pairs), as plain scatters: the dashboard's partial
    plotly.js bundle has no splom (tests/test_plotly_bundle.py)."""
    _, fig = dfig.figure(fake(("safety", "usefulness", "cost")), "pareto_front")
    assert {t.type for t in fig.data} == {"scatter"}
    re = [t for t in fig.data if t.name.startswith("front re-evaluated")]
    assert len(re) == 3  # one per panel
    assert list(re[0].x) == pytest.approx([0.7, 0.3])  # safety of a and b, re-evaluated


def test_a_front_that_was_not_re_evaluated_is_computed_and_says_so():
    store = fake(reevaluated=False)
    assert sorted(store.front()) == ["a", "b"]  # non-dominated among the feasible
    text = dfig.figure(store, "pareto_front")[0].attrs["finding"]
    assert text.endswith("the front was not re-evaluated.") and "2 of 4 designs" in text


def test_winners_curse_is_named_only_when_the_search_value_leaves_the_ci():
    cursed = dfig.figure(fake(), "pareto_front")[0].attrs["finding"]
    assert "lost 0.2 safety (0.9 → 0.7 [0.65, 0.75]: winner's curse)" in cursed
    noise = dfig.figure(fake(shift=-0.03), "pareto_front")[0].attrs["finding"]
    assert "lost 0.03 safety (0.9 → 0.87 [0.82, 0.92]), within its 95% CI" in noise
    assert "winner's curse" not in noise
    held = dfig.figure(fake(shift=0.0), "pareto_front")[0].attrs["finding"]
    assert "held up in safety" in held and "winner's curse" not in held


def test_a_folder_that_is_not_a_design_store_is_a_config_error(tmp_path):
    from sim.errors import ConfigError

    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"no evaluations\.parquet"):
        dfig.open_design(tmp_path)
