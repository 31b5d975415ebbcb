"""The watch panel's data (dashboard/snapshot.py, playback.py, watch.py, analysis/snapshots.py)
and the per-agent figures that take a frame (voter_map, bureaucracy_tree, oversight_funnel):
frames are recorded at the declared steps and hold the model's state at those steps, the
last one equal to the end-of-run snapshot; every figure builds for every frame; what the
browser recomposes from a payload is exactly each frame's figure data; the funnel's shares
never pass 100% of the stage above; each replication shows its own seed's state."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from analysis import snapshots
from analysis.figures import FIGURES, Unavailable
from dashboard import playback, views, watch
from dashboard.context import Context
from dashboard.runs import execute, replicate, seeds_for
from dashboard.snapshot import MAX_FRAMES, MAX_OFFICES, Recorder, frame_steps, snapshot
from dashboard.state import ExploreState
from sim.run import build, run
from sim.scenario import load

FULL = "full_institution-v1"  # voters, bureaucracy, AI agents and oversight: every layer
SMALL = {"steps": 24, "electorate.n_voters": 600}
AGENTS = ("voter_map", "bureaucracy_tree", "oversight_funnel")


@pytest.fixture(scope="module")
def config():
    return load(FULL, SMALL)


@pytest.fixture(scope="module")
def recorded(config):
    return execute(config, 5, 24)


def state_at(config, seed: int, step: int) -> dict:
    """The single-frame snapshot of a fresh model run straight to `step`."""
    model = build(config, seed)
    if step:
        model.run_for(step)
    return snapshot(model)


def same_frame(frame: dict, state: dict) -> None:
    """A recorded frame equals a single-frame snapshot (approvals to float32 precision)."""
    assert frame["step"] == state["step"]
    np.testing.assert_allclose(frame["voters"]["approval"], state["voters"]["approval"],
                               rtol=1e-6, atol=1e-7)  # fmt: skip
    for key in ("x", "y", "information"):
        np.testing.assert_allclose(frame["voters"][key], state["voters"][key], rtol=1e-6)
    assert frame["politicians"] == state["politicians"]
    assert [frame[k] for k in ("mandate", "implemented", "optimum")] == [
        state[k] for k in ("mandate", "implemented", "optimum")
    ]
    assert frame["layers"].keys() == state["layers"].keys()
    for name, layer in state["layers"].items():
        for key, value in layer.items():
            got = frame["layers"][name][key]
            if isinstance(value, list) and value and isinstance(value[0], str):
                assert list(got) == value, (name, key)
            else:
                got, value = np.asarray(got, float), np.asarray(value, float)
                np.testing.assert_allclose(got, value, 1e-6, 1e-7, err_msg=f"{name}.{key}")


def test_frame_steps_are_evenly_spaced_and_keep_both_ends():
    for steps in (1, 7, 39, 40, 200, 100_000):
        got = frame_steps(steps)
        assert got[0] == 0 and got[-1] == steps and len(got) <= MAX_FRAMES
        assert len(got) == min(MAX_FRAMES, steps + 1)
        gaps = np.diff(got)
        assert gaps.max() - gaps.min() <= 1  # evenly spaced, up to rounding


def test_frames_are_the_state_at_their_steps_and_the_last_is_the_end_state(config, recorded):
    snap = recorded.snapshot
    assert snapshots.steps(snap) == frame_steps(24)
    assert recorded.series.equals(run(config, seed=5).series)  # recording changes nothing
    same_frame(snapshots.frame(snap), state_at(config, 5, 24))  # the old end-of-run snapshot
    middle = snapshots.steps(snap)[11]
    same_frame(snapshots.frame(snap, middle), state_at(config, 5, middle))
    assert snapshots.frame(snap, middle + 0)["step"] == middle
    assert (
        snapshots.index(snap, -5) == 0 and snapshots.index(snap, 10**6) == len(snap["frames"]) - 1
    )


def test_frames_are_compact(recorded):
    frames = recorded.snapshot["frames"]
    assert all(f["approval"].dtype == np.float32 for f in frames)
    tree = [f["layers"]["bureaucracy"] for f in frames]
    assert tree[0]["parent"] is tree[-1]["parent"]  # the structure is stored once
    assert tree[-1]["drift"].dtype == np.float32 and tree[-1]["captured_by"].dtype == np.int32
    per_frame = len(pickle.dumps(recorded.snapshot)) / len(frames)
    assert per_frame < 8 * 600 + 8_000  # ~4 bytes per voter's approval plus small layers


def test_frames_of_a_large_bureaucracy_keep_the_levels_that_fit():
    big = {"steps": 2, "electorate.n_voters": 200, "bureaucracy.depth": 4}
    cfg = load("bureaucratic_drift-v1", {**big, "bureaucracy.branching": 7})
    model = build(cfg, 1)
    rec = Recorder(model, [0, 2])
    rec.run_to(model, 2)
    layer = rec.snapshot()["frames"][-1]["layers"]["bureaucracy"]
    assert len(layer["level"]) == 7 + 49 + 343 <= MAX_OFFICES  # 2401 leaves do not fit
    assert len(layer["drift"]) == len(layer["parent"]) == len(layer["level"])


def test_every_agent_figure_builds_for_every_frame(recorded):
    snap = recorded.snapshot
    for name in AGENTS:
        mod = FIGURES[name]
        for step in snapshots.steps(snap):
            df = mod.data(snap, step=step)
            assert df.attrs["step"] == step and isinstance(df.attrs["finding"], str)
            fig = mod.draw(df)
            assert len(fig.data) == len(mod.traces(df))
        assert f"step {step}" in fig.layout.title.text
        assert df.attrs["finding"].startswith(("At step 24", "By step 24"))


def test_figures_still_read_a_single_frame_snapshot(config):
    single = state_at(config, 5, 24)
    for name in AGENTS:
        df = FIGURES[name].data(single)
        FIGURES[name].draw(df)
    with pytest.raises(Unavailable, match="no bureaucracy"):
        FIGURES["bureaucracy_tree"].data({"frames": [{"step": 0, "layers": {}}], "voters": {}})


def test_the_browser_recomposes_exactly_each_frame(config, recorded):
    """What assets/watch.js shows at slider position i (the base figure's traces with the
    i-th patch) is the figure module's own traces of frame i, field by field."""
    data = playback.payload(recorded, "?scenario=" + FULL, config)
    steps = data["steps"]
    assert steps == frame_steps(24) and set(data["figs"]) == {"voters", "tree", "funnel"}
    for key, (name, _) in playback.FIGS.items():
        mod = FIGURES[name]
        last = playback._plain(mod.traces(mod.data(recorded.snapshot)))
        assert [t.get("name") for t in data["figs"][key]["data"]] == [t.get("name") for t in last]
        for i, step in enumerate(steps):
            want = playback._plain(mod.traces(mod.data(recorded.snapshot, step=step)))
            patch = data["patches"][key][i]
            shown = [merge(copy.deepcopy(b), p) for b, p in zip(last, patch, strict=True)]
            assert shown == want, (key, step)
            assert data["findings"][key][i] == mod.data(recorded.snapshot, step).attrs["finding"]
        assert data["patches"][key][-1] == [{}] * len(last)  # the base is the last frame
    voters = data["patches"]["voters"]
    assert all("x" not in p[0] for p in voters)  # voters' positions are sent once
    assert any(set(p[0].get("marker", {})) == {"color"} for p in voters[:-1])  # approvals move
    offices = data["patches"]["tree"]
    assert all("size" not in p[1].get("marker", {}) for p in offices)  # static: sent once


def merge(target: dict, patch: dict) -> dict:
    """What assets/watch.js `merge` does: nested objects field by field, the rest replaced."""
    for k, v in patch.items():
        both = isinstance(v, dict) and isinstance(target.get(k), dict)
        target[k] = merge(target[k], v) if both else v
    return target


def test_monitors_and_election_marks(config, recorded):
    data = playback.payload(recorded, "", config)
    m = data["monitors"]
    assert m["labels"][:3] == ["step", "incumbent", "caught / harmful"]
    assert "approval" in m["labels"] and "policy drift" in m["labels"]
    assert all(len(v) == len(m["labels"]) for v in m["values"])
    assert m["values"][-1][0] == "24 / 24" and ":" in m["values"][-1][1]
    series = recorded.series.set_index("step")
    j = m["labels"].index("approval")
    assert m["values"][5][j] == f"{series.at[data['steps'][5], 'approval']:.3g}"
    interval = config.section("elections").interval  # 20: one election in 24 steps
    at = int(np.searchsorted(data["steps"], interval))
    assert data["marks"][at]["label"] == "▲" and "every 20 steps" in data["elections"]
    lost = series.at[interval, "incumbent_turnover"] == 1
    assert data["marks"][at]["style"]["color"] == (playback.LOST if lost else playback.KEPT)


def test_cards_of_components_that_are_off_are_left_out():
    cfg = load("baseline_democracy-v1", {"steps": 6, "electorate.n_voters": 300})
    data = playback.payload(execute(cfg, 1, 6), "", cfg)
    assert set(data["figs"]) == {"voters"} and set(data["specs"]) == {"voters"}
    assert "caught / harmful" not in data["monitors"]["labels"]


def test_each_replication_shows_its_own_seed(tmp_path, monkeypatch):
    ctx = Context.create(tmp_path / "results")
    state = ExploreState(scenario=FULL, sets=tuple(SMALL.items()), reps=2)
    search = state.to_search()
    cfg = load(FULL, SMALL)
    result = {"search": search, "seconds": 0.0, "seeds": [str(s) for s in seeds_for(cfg, 2)]}
    empty, options, _, note = watch.load(result, None, ctx, picked=False)
    assert empty is None and "press Run" in note and len(options) == 2  # nothing computed
    replicate(ctx.runs, cfg, 2)
    first, _, seed1, _ = watch.load(result, None, ctx, picked=False)
    second, _, seed2, _ = watch.load(result, result["seeds"][1], ctx, picked=True)
    assert (seed1, seed2) == tuple(result["seeds"])
    a, b = (d["patches"]["voters"][0][0]["marker"]["color"] for d in (first, second))
    assert a != b  # another seed: other voters, other approvals
    assert first["specs"]["voters"]["source"]["seed"] != second["specs"]["voters"]["source"]["seed"]
    monkeypatch.setattr(watch, "payload", lambda *a: pytest.fail("payload made twice"))
    again, *_ = watch.load(result, None, ctx, picked=False)  # from the cache beside the run
    assert again == first
    bad, *_, note = watch.load({"search": 3}, None, ctx, picked=False)
    assert bad is None and "Nothing to watch" in note


def test_a_download_rebuilds_the_frame_on_screen(tmp_path):
    """The card's view spec carries the step: the export path (views.check + views.build)
    draws exactly that frame."""
    ctx = Context.create(tmp_path / "results")
    cfg = load(FULL, SMALL)
    replicate(ctx.runs, cfg, 1)
    search = ExploreState(scenario=FULL, sets=tuple(SMALL.items())).to_search()
    data, *_ = watch.load({"search": search, "seconds": 0.0, "seeds": ["1"]}, None, ctx, False)
    step = data["steps"][7]
    spec = {**data["specs"]["funnel"], "options": {"step": step}}  # as assets/watch.js sets it
    df, fig = views.build(views.check(spec), ctx)
    assert df.attrs["step"] == step and fig.layout.title.text.endswith(f"step {step})")
    assert fig.layout.meta["finding"] == data["findings"]["funnel"][7]


def test_funnel_shares_never_pass_the_stage_above_and_false_positives_stand_apart(recorded):
    # the old figure said "flagged 110% of harmful": 55 flags, of which 10 benign, 50 harmful
    snap = {"layers": {"oversight": {
        "actions": 1000, "harmful": 50, "flagged": 55, "audited": 30, "caught": 20,
        "benign_escalated": 10, "layers": ["fire_alarm"], "caught_by_layer": [20],
    }}}  # fmt: skip
    df = FIGURES["oversight_funnel"].data(snap)
    funnel = df[df["part"] == "funnel"].set_index("label")
    assert funnel["count"].tolist() == [1000, 50, 45, 20]
    assert funnel.loc["flagged harmful", "of_above"] == pytest.approx(0.9)
    fp = df[df["part"] == "false positives"].iloc[0]
    assert (fp["count"], fp["share"]) == (10, pytest.approx(10 / 950))
    assert "45 of them (90%)" in df.attrs["finding"] and "10 benign" in df.attrs["finding"]
    for step in snapshots.steps(recorded.snapshot):
        f = FIGURES["oversight_funnel"].data(recorded.snapshot, step=step)
        shares = f.loc[f["part"] == "funnel", "of_above"].dropna()
        assert (shares <= 1).all() and "110%" not in " ".join(
            FIGURES["oversight_funnel"].stage_text(f[f["part"] == "funnel"])
        )
        counts = f.loc[f["part"] == "funnel", "count"].to_numpy()
        assert (np.diff(counts) <= 0).all()  # a funnel: each stage within the one above


def test_tree_leaves_have_room_at_125_offices():
    """Radial layout at the export size: neighbouring implementers on the outer ring are
    further apart than their markers (outline included) are wide, and each office sits at
    its children's mean slot."""
    from analysis import theme

    mod = FIGURES["bureaucracy_tree"]
    cfg = load("bureaucratic_drift-v1", {"steps": 1, "electorate.n_voters": 200})
    df = mod.data(execute(cfg, 2, 1).snapshot)
    leaves = df[df["level"] == 3]
    assert len(leaves) == 125
    fig = mod.draw(df)
    margin = theme.template().layout.margin
    low, high = fig.layout.yaxis.range  # the plot is square: its height spans this range
    px = (theme.HEIGHT - margin.t - margin.b) / (high - low)
    step = np.diff(np.sort(leaves["angle"].to_numpy())).min()
    gap = 2 * 3 * px * np.sin(step / 2)  # chord between neighbours on ring 3
    assert gap >= leaves["size"].max() + mod.OUTLINE
    kids = leaves.groupby("parent")["slot"].mean()
    mid = df.set_index("node").loc[kids.index, "slot"]
    np.testing.assert_allclose(mid.to_numpy(), kids.to_numpy())


@pytest.mark.browser
def test_agent_figures_have_no_overlapping_text(chromium, recorded):
    """At the export size (provenance caption included) and in the watch cards at phone and
    desktop widths, no two text boxes of the three figures intersect (boxes measured by
    plotly.js in chromium: tests/textboxes.py)."""
    import plotly.graph_objects as go
    import textboxes

    from analysis.export import with_caption

    snap = recorded.snapshot
    steps = snapshots.steps(snap)
    ctx, page = textboxes.open_page(chromium)
    try:
        for name in AGENTS:
            mod = FIGURES[name]
            for step in (steps[2], None):
                fig = with_caption(mod.draw(mod.data(snap, step=step)), "instalign 1.0 (abc)")
                found = textboxes.boxes(page, fig)
                assert found and not textboxes.collisions(found), (name, step)
            card = go.Figure(playback.frames_of(name, snap, steps)[0])
            for width in (340, 1100):
                found = textboxes.boxes(page, card, width, 450)
                hits = textboxes.collisions(found)
                assert found and not hits, (name, width, hits)
    finally:
        ctx.close()
