"""The recorder (sim/recorder.py) and the columnar event log (sim/events.py) against what they
replace, bit for bit: the frame Mesa's DataCollector collected step by step, and oversight's
list of detection dicts with its dict of open offence spells (issue 16)."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from sim.components import METRICS, ActionBatch
from sim.components.oversight import (
    EVENT_COLUMNS,
    OFFENDER_DTYPES,
    OpenSpells,
    Oversight,
    detection_table,
    offender_table,
)
from sim.events import CATEGORY, EventLog
from sim.model import InstitutionModel
from sim.recorder import DataCollectorView, Recorder, Recording, final_and_mean
from sim.run import RunResult, run
from sim.scenario import discover, load
from sim.testing import small

# each example runs a model: no shrinking (a failure names its scenario, seed and steps)
PROPERTY = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.generate))  # fmt: skip
SCENARIOS = sorted(discover())
OVERSEEN = [s for s in SCENARIOS if Oversight.enabled(load(s))]


def _metric(model, name):
    return model.metric_values[name]


class MesaCollected(InstitutionModel):
    """The model as it was: Mesa's DataCollector beside the recorder, collecting every step."""

    def __init__(self, *args, **kw) -> None:
        self.mesa_dc = None
        super().__init__(*args, **kw)

    def _collect(self) -> None:
        super()._collect()
        if self.mesa_dc is None:
            reporters = {"step": "steps", **{k: _partial(k) for k in METRICS}}
            self.mesa_dc = mesa.DataCollector(model_reporters=reporters)
        self.mesa_dc.collect(self)


def _partial(name):
    from functools import partial

    return partial(_metric, name=name)


def _bitwise(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in a.columns:  # floats bit for bit (assert_frame_equal's check_exact allows -0.0)
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind == "f":
            assert x.dtype == y.dtype and np.array_equal(x.view(np.int64), y.view(np.int64)), c


def _config(scenario: str, steps: int):
    return small(load(scenario), steps=steps)


# --- the recorder against Mesa's DataCollector ----------------------------------------------
@PROPERTY
@given(st.sampled_from(SCENARIOS), st.integers(0, 2**31 - 1), st.integers(1, 12))
def test_recorder_frame_is_the_datacollector_frame(scenario, seed, steps):
    model = MesaCollected(_config(scenario, steps), seed)
    model.run_for(steps)
    legacy = model.mesa_dc.get_model_vars_dataframe()
    _bitwise(model.datacollector.get_model_vars_dataframe(), legacy)
    ours, theirs = model.datacollector.model_vars, model.mesa_dc.model_vars
    assert list(ours) == list(theirs) and ours["step"] == theirs["step"]
    assert all(np.array_equal(ours[k], theirs[k], equal_nan=True) for k in ours)
    assert model.datacollector._collection_steps == model.mesa_dc._collection_steps
    assert list(model.datacollector.model_reporters) == list(model.mesa_dc.model_reporters)


@pytest.mark.parametrize("scenario", ["baseline_democracy-v1", "full_institution-v1"])
def test_run_result_series_and_summary_are_those_of_the_datacollector(scenario):
    config = _config(scenario, 15)
    model = MesaCollected(config, 4)
    model.run_for(15)
    legacy = model.mesa_dc.get_model_vars_dataframe().reset_index(drop=True)
    result = run(config, seed=4)
    assert result.series is result.series  # built once
    _bitwise(result.series, legacy)
    body = legacy[legacy["step"] > 0]
    old = {m: {"final": float(legacy[m].iloc[-1]), "mean": float(body[m].mean())} for m in METRICS}
    new = result.summary()
    assert list(new) == list(old)
    for m in METRICS:  # bit for bit, NaN equal to NaN
        assert np.array_equal([new[m]["final"], new[m]["mean"]],
                              [old[m]["final"], old[m]["mean"]], equal_nan=True), m  # fmt: skip
    framed = RunResult(config, 4, 15, legacy)  # made from a frame (the dashboard's cache)
    again = framed.summary()
    assert all(np.array_equal(list(again[m].values()), list(new[m].values()), equal_nan=True)
               for m in METRICS)  # fmt: skip
    assert np.array_equal(framed.recording.values, result.recording.values, equal_nan=True)


def test_recording_past_the_horizon_grows_the_buffers():
    config = _config("full_institution-v1", 30)
    model = MesaCollected(config, 2, horizon=3)
    assert model.recorder.capacity == 4
    model.run_for(21)
    assert model.recorder.capacity == 32 and len(model.recorder) == 22
    assert model.recorder.steps.tolist() == list(range(22))
    _bitwise(model.datacollector.get_model_vars_dataframe(),
             model.mesa_dc.get_model_vars_dataframe())  # fmt: skip


def test_a_pickled_model_goes_on_recording():
    model = MesaCollected(_config("full_institution-v1", 10), 5, horizon=4)
    model.run_for(3)
    clone = pickle.loads(pickle.dumps(model))
    model.run_for(7)
    clone.run_for(7)
    _bitwise(clone.datacollector.get_model_vars_dataframe(),
             model.mesa_dc.get_model_vars_dataframe())  # fmt: skip
    assert clone.datacollector.recorder is clone.recorder


def test_the_view_is_a_datacollector_and_collect_records_now():
    model = InstitutionModel(_config("baseline_democracy-v1", 5), 1)
    dc = model.datacollector
    assert isinstance(dc, mesa.DataCollector) and isinstance(dc, DataCollectorView)
    model.run_for(2)
    dc.collect(model)  # what DataCollector.collect does: one more row, now
    frame = dc.get_model_vars_dataframe()
    assert frame["step"].tolist() == [0, 1, 2, 2]
    with pytest.raises(UserWarning):
        dc.get_agent_vars_dataframe()


def test_batch_run_reads_the_recorder():
    """mesa.batch_run (in process) gets the recorder's rows through the view."""

    class Tiny(InstitutionModel):
        def __init__(self, information=0.6, rng=None):
            cfg = _config("baseline_democracy-v1", 6)
            super().__init__(cfg.with_overrides({"electorate.information": information}), rng)

    rows = mesa.batch_run(Tiny, {"information": [0.3]}, number_processes=1, rng=[7], max_steps=6,
                          data_collection_period=1, display_progress=False)  # fmt: skip
    model = Tiny(0.3, 7)
    model.run_for(6)
    frame = model.datacollector.get_model_vars_dataframe()
    assert [r["Step"] for r in rows] == [float(s) for s in range(7)]
    for r, (_, row) in zip(rows, frame.iterrows(), strict=True):
        assert np.array_equal([r[m] for m in METRICS], row[list(METRICS)].to_numpy(float),
                              equal_nan=True)  # fmt: skip


def test_final_and_mean_match_pandas():
    rng = np.random.default_rng(0)
    for n in (1, 2, 9, 130, 9000):
        values = rng.standard_normal((n, 5)) * 10.0 ** rng.integers(-4, 4, (n, 5))
        values[rng.random((n, 5)) < 0.2] = np.nan
        values[:, 4] = np.nan
        steps = np.arange(n)
        final, mean = final_and_mean(steps, values)
        frame = Recording(tuple("abcde"), steps, values).frame()
        body = frame[frame["step"] > 0] if n > 1 else frame
        assert np.array_equal(mean, [body[c].mean() for c in "abcde"], equal_nan=True)
        assert np.array_equal(final, values[-1], equal_nan=True)


def test_recorder_rows_and_errors():
    rec = Recorder(("a", "b"), horizon=0)
    for i in range(5):
        rec.record(i, float(i), [i, -i])
    assert rec.capacity == 8 and rec.values.tolist() == [[i, -i] for i in range(5)]
    assert Recording.from_frame(rec.frame()).values.tolist() == rec.values.tolist()
    with pytest.raises(TypeError):
        RunResult(None, 1, 1)


# --- the event log against the list of dicts ------------------------------------------------
class LegacyDetections:
    """Oversight's event recording as it was: one dict per detection and a dict of open
    spells keyed by (producer, actor), filled by a Python loop over the step's actions."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.spells: dict[tuple[str, int], int] = {}

    def record(self, t, docket, caught, batches) -> None:
        names = [b.producer for b in batches]
        code = np.concatenate([np.full(len(b), j) for j, b in enumerate(batches)] or [[]])
        actor = np.concatenate([b.actor for b in batches] or [[]]).astype(np.int64)
        for key in zip(code[docket.harmful].tolist(), actor[docket.harmful].tolist(),
                       strict=True):  # fmt: skip
            self.spells.setdefault((names[key[0]], key[1]), t)
        for i in np.flatnonzero(caught).tolist():
            key = (names[int(code[i])], int(actor[i]))
            delay = t - self.spells.pop(key, t)
            self.events.append({"step": t, "producer": key[0], "actor": key[1],
                                "layer": int(docket.first[i]) + 1, "delay": delay})  # fmt: skip

    def detection_table(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.events, columns=["step", "producer", "actor", "layer", "delay"])
        return frame.astype({"step": "int64", "producer": "str", "actor": "int64",
                             "layer": "int64", "delay": "int64"})  # fmt: skip

    def offender_table(self, end_step: int) -> pd.DataFrame:
        closed = self.detection_table()
        rows = pd.DataFrame({"producer": closed["producer"], "actor": closed["actor"],
                             "first_harm_step": closed["step"] - closed["delay"],
                             "detected_step": closed["step"].astype(float),
                             "layer": closed["layer"].astype(float)})  # fmt: skip
        spells = list(self.spells.items())
        open_ = pd.DataFrame(
            {
                "producer": pd.Series([k[0] for k, _ in spells], dtype="str"),
                "actor": pd.Series([k[1] for k, _ in spells], dtype="int64"),
                "first_harm_step": pd.Series([t for _, t in spells], dtype="int64"),
                "detected_step": np.nan,
                "layer": np.nan,
            }
        )
        out = pd.concat([rows, open_], ignore_index=True) if len(open_) else rows
        return out.astype(OFFENDER_DTYPES).assign(end_step=end_step)


def shadowed(config, seed):
    """A model whose oversight also records the legacy way, step by step."""
    model = InstitutionModel(config, seed)
    oversight, legacy = model.component("oversight"), LegacyDetections()
    record = oversight._record

    def both(docket, caught, batches):
        legacy.record(model.steps, docket, caught, batches)
        record(docket, caught, batches)

    oversight._record = both
    return model, oversight, legacy


MANY = {"oversight.audit_budget": 0.5, "bureaucracy.capture_rate": 0.05}


@PROPERTY
@given(st.sampled_from(OVERSEEN), st.integers(0, 2**31 - 1), st.integers(1, 40),
       st.booleans())  # fmt: skip
def test_event_log_tables_are_the_list_of_dicts_tables(scenario, seed, steps, busy):
    config = small(load(scenario), **(MANY if busy else {}))
    model, oversight, legacy = shadowed(config, seed)
    model.run_for(steps)
    _bitwise(detection_table(oversight), legacy.detection_table())
    _bitwise(offender_table(oversight), legacy.offender_table(int(model.steps)))
    assert len(oversight.spells) == len(legacy.spells)
    snap = oversight.snapshot()["caught_by_layer"]
    first = [e["layer"] - 1 for e in legacy.events]
    assert snap == np.bincount(first, minlength=len(oversight.layers)).tolist()


def test_many_detections_same_tables():
    """A larger run with many catches per step, from both producers."""
    over = {"bureaucracy.branching": 6, "ai_agents.count": 100, "ai_agents.kl_budget": 0.5,
            "ai_agents.risk_tolerance": 1.0, **MANY}  # fmt: skip
    model, oversight, legacy = shadowed(small(load("full_institution-v1"), **over), 3)
    model.run_for(60)
    table = detection_table(oversight)
    assert len(table) > 1_000 and table["producer"].nunique() == 2
    _bitwise(table, legacy.detection_table())
    _bitwise(offender_table(oversight), legacy.offender_table(int(model.steps)))


def test_event_log_columns_growth_and_frame():
    log = EventLog({"step": "int64", "who": CATEGORY, "x": "float64"}, capacity=1)
    log.append(step=0, who="a", x=0.5)
    log.append_many(step=1, who=np.array(["b", "a", "b"]), x=np.array([1.0, 2.0, 3.0]))
    log.append_many(step=np.array([2, 3]), who=log.code("who", "c"), x=4.0)
    log.append_many(step=np.zeros(0, int), who=np.zeros(0, np.int32), x=np.zeros(0))
    assert len(log) == 6 and log.capacity == 8
    frame = log.frame()
    expected = pd.DataFrame({"step": [0, 1, 1, 1, 2, 3],
                             "who": np.array(["a", "b", "a", "b", "c", "c"], dtype=object),
                             "x": [0.5, 1.0, 2.0, 3.0, 4.0, 4.0]})  # fmt: skip
    pd.testing.assert_frame_equal(frame, expected)
    assert log.column("who").dtype == np.int32 and log.nbytes == 8 * (8 + 4 + 8)
    with pytest.raises(ValueError, match="missing"):
        log.append_many(step=1, who="a")
    with pytest.raises(ValueError, match="different lengths"):
        log.append_many(step=np.arange(2), who="a", x=np.zeros(3))


def _bare_oversight(layers: int) -> Oversight:
    """An Oversight with only what `_record` and the tables use (no model)."""
    o = Oversight.__new__(Oversight)
    o.model, o.layers = SimpleNamespace(steps=0), [None] * layers
    o.totals = dict.fromkeys(("harmful", "caught", "benign", "escalated", "delay"), 0)
    o.events, o.spells = EventLog(EVENT_COLUMNS, capacity=2), OpenSpells()
    return o


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_recording_loop_free_is_the_loop(data):
    """Synthetic steps: two producers over a few actor ids (repeats within a step, an actor
    caught twice, spells reopening), against the legacy loop."""
    o, legacy, layers = _bare_oversight(3), LegacyDetections(), 3
    for t in range(1, data.draw(st.integers(1, 6)) + 1):
        batches = []
        for name in data.draw(st.lists(st.sampled_from(["ai", "bureau"]), max_size=3)):
            n = data.draw(st.integers(0, 8))
            ids = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
            batches.append(ActionBatch(name, np.array(ids, dtype=np.int64), np.zeros(n),
                                       np.zeros(n, bool), np.zeros(n)))  # fmt: skip
        a = sum(len(b) for b in batches)
        harmful = np.array(data.draw(st.lists(st.booleans(), min_size=a, max_size=a)), bool)
        caught = harmful & np.array(data.draw(st.lists(st.booleans(), min_size=a, max_size=a)),
                                    bool)  # fmt: skip
        first = np.array(data.draw(st.lists(st.integers(0, layers - 1), min_size=a,
                                            max_size=a)), dtype=np.int64)  # fmt: skip
        flagged = caught | np.array(data.draw(st.lists(st.booleans(), min_size=a, max_size=a)),
                                    bool)  # fmt: skip
        docket = SimpleNamespace(harmful=harmful, flagged=flagged, first=first)
        o.model.steps = t
        legacy.record(t, docket, caught, batches)
        o._record(docket, caught, batches)
    _bitwise(detection_table(o), legacy.detection_table())
    _bitwise(offender_table(o), legacy.offender_table(o.model.steps))
    assert o.totals["delay"] == sum(e["delay"] for e in legacy.events)
