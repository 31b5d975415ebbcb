"""Issue 14: the simulator as a rare-event system (sim/rare/model_system.py, sim/rare/event.py)
and `instalign tail`. Event parsing errors; one `step` is one model step (scheduled events
included); clones share the past, draw a fresh future and are reproducible; declared importance
functions; CLI exit codes; and an end-to-end check against a probability known in closed form:
one aligned AI agent, no protocol, one task a step at harm rate q, so every harmful draw is a
catastrophe and catastrophes by step T ~ Binomial(T, q)."""

from __future__ import annotations

import io
import json
import math
import pickle
import random

import numpy as np
import pytest
from scipy.stats import binom

from sim.components import COMPONENTS, METRICS
from sim.errors import ConfigError
from sim.rare import ams, mc
from sim.rare.event import parse
from sim.rare.model_system import ModelSystem, clone_model, importance_for
from sim.scenario import load

SCENARIO, T, Q = "ai_control_protocols-v1", 20, 0.05
BINOMIAL = {
    "electorate.n_voters": 100,
    "ai_agents.count": 1,
    "ai_agents.alignment": "aligned",
    "ai_agents.protocol": "none",
    "ai_agents.tasks_per_step": 1,
    "ai_agents.base_harm_rate": Q,
    "steps": T,
}
SETS = [x for k, v in BINOMIAL.items() for x in ("--set", f"{k}={v}")]


@pytest.fixture(scope="module")
def config():
    return load(SCENARIO, BINOMIAL)


def system(config, text: str = "catastrophes >= 4", horizon: int = T) -> ModelSystem:
    event = parse(text)
    return ModelSystem(config, event, horizon, importance_for(event, config))


def series(model):
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


# --- the event ------------------------------------------------------------------------------
def test_event_parses_and_holds():
    ev = parse("  catastrophes>=1 ")
    assert (ev.metric, ev.op, ev.threshold, ev.direction) == ("catastrophes", ">=", 1.0, 1)
    assert ev.holds({"catastrophes": 1.0}) and not ev.holds({"catastrophes": 0.0})
    assert not parse("safety < 0.5").holds({"safety": math.nan})  # NaN is never the event
    assert str(parse("safety<=1e-1")) == "safety <= 0.1"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("catastrophe >= 1", ("--event: unknown metric", "did you mean 'catastrophes'", "safety")),
        ("catastrophes >> 1", ("--event: cannot read", ">=, >, <=, <, ==")),
        ("catastrophes >= many", ("--event:", "not a finite number")),
        ("catastrophes >= inf", ("--event:", "not a finite number")),
        ("", ("--event: cannot read",)),
    ],
)
def test_bad_events_name_the_option_the_allowed_and_the_closest(text, fragments):
    with pytest.raises(ConfigError) as err:
        parse(text)
    assert all(f in str(err.value) for f in fragments), str(err.value)


# --- importance functions declared by components --------------------------------------------
def test_declared_importance_names_own_metrics_and_known_events():
    for cls in COMPONENTS:
        own = {m.name for m in cls.metrics}
        for event_metric, climbing in cls.importance:
            assert event_metric.removeprefix("-") in METRICS, (cls.name, event_metric)
            assert climbing in own, (cls.name, climbing)
    assert any(cls.importance for cls in COMPONENTS)


def test_importance_declared_default_and_none(config):
    safety = importance_for(parse("safety <= 0.5"), config)
    assert (safety.metric, safety.sign, safety.declared_by) == ("catastrophes", 1, "ai_deployment")
    assert importance_for(parse("catastrophes >= 1"), config).metric == "catastrophes"
    assert importance_for(parse("usefulness < 0.1"), config).sign == -1
    assert importance_for(parse("catastrophes == 2"), config) is None


# --- one step, cloning ----------------------------------------------------------------------
def test_step_is_one_model_step_with_its_scheduled_events(config):
    """Stepping the system T times gives `instalign run`'s series bit for bit (elections and
    the metric collection are scheduled events)."""
    from sim.run import run

    sys_ = system(config)
    model = sys_.start(5)
    for t in range(1, T + 1):
        sys_.step(model)
        assert sys_.time(model) == t and len(series(model)) == t + 1
    assert series(model).equals(run(config, seed=5).series)


def streams_of(model) -> list:
    """Every random stream pickle writes for `model` (the census cloning relies on)."""
    found = []

    class Census(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, np.random.Generator | random.Random):
                found.append(obj)
            return NotImplemented

    Census(io.BytesIO()).dump(model)
    return found


def state_of(stream) -> str:
    return repr(
        stream.getstate() if isinstance(stream, random.Random) else stream.bit_generator.state
    )


def test_clone_shares_the_past_draws_a_fresh_future_and_is_reproducible(config):
    sys_ = system(config)
    parent = sys_.start(3)
    for _ in range(5):
        sys_.step(parent)
    past = series(parent)
    a, b = sys_.clone(parent, 11), sys_.clone(parent, 11)
    now = [list(m.metric_values.values()) for m in (a, parent)]
    assert series(a).equals(past) and np.array_equal(*now, equal_nan=True)
    old = {state_of(s) for s in streams_of(parent)}
    fresh = streams_of(a)
    assert len(fresh) >= 7 and not old & {state_of(s) for s in fresh}  # every stream replaced
    assert a.random is a._all_agents.random  # a shared stream stays shared
    twin = sys_.clone(parent, 12)
    for model in (parent, a, b, twin):
        for _ in range(T - 5):
            sys_.step(model)
    assert series(a).equals(series(b))  # same seed: bit-identical futures
    assert series(a).iloc[:6].equals(past)  # the past is kept
    assert not series(a).equals(series(parent)) and not series(a).equals(series(twin))


def test_cloning_leaves_the_parent_unchanged(config):
    sys_ = system(config)
    one, two = sys_.start(8), sys_.start(8)
    for t in range(12):
        if t == 4:
            clone_model(one, 1)
        sys_.step(one)
        sys_.step(two)
    assert series(one).equals(series(two))


# --- end to end: a probability known in closed form -----------------------------------------
def test_ams_and_mc_reproduce_a_binomial_tail(config):
    """P(catastrophes >= 4 by step 20) = P(Binomial(20, 0.05) >= 4) = 0.0159: AMS (100
    particles) within 3 of its standard errors, MC (400 paths) too, and their 95% CIs
    overlap. Seeds fixed; measured: AMS p 0.0122, rel. error 0.36."""
    exact = binom.sf(3, T, Q)
    sys_ = system(config)
    a = ams.estimate(sys_, 100, 10, seed=1)
    m = mc.estimate(sys_, 400, seed=2)
    for est in (a, m):
        assert abs(est.p - exact) <= 3 * est.se, (est.method, est.p, est.se, exact)
    assert a.ci[0] <= m.ci[1] and m.ci[0] <= a.ci[1]
    assert a.extra["status"] == "done" and a.model_steps < 400 * T


# --- the command ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--event", "catastrophe >= 1"], "did you mean 'catastrophes'"),
        (["--event", "catastrophes => 1"], "--event: cannot read"),
        (["--event", "catastrophes >= 1", "--by-step", "21"], "--by-step: step 21 is outside"),
        (["--event", "catastrophes >= 1", "--by-step", "0"], "--by-step"),
        (["--event", "catastrophes == 1"], "--method: no importance function"),
        (["--event", "catastrophes >= 1", "--method", "amss"], "did you mean 'ams'"),
        (["--event", "catastrophes >= 1", "--budget", "1"], "--budget"),
        (["--event", "catastrophes >= 1", "--seed", "-1"], "--seed: -1 is negative"),
        (["--event", "capture_index >= 1"], "turn it on with bureaucracy.depth"),
        (["--event", "catastrophes >= 1", "--out", "{tmp}/x.csv"], "--out"),
    ],
)
def test_tail_bad_input_is_one_line_and_exit_2(cli, tmp_path, args, fragment):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    args += [] if "--out" in args else ["--out", str(tmp_path / "t.json")]
    code, _, err = cli("tail", SCENARIO, *SETS, *args)
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1, err
    assert not any(tmp_path.iterdir())  # nothing written


def test_is_without_tilted_draws_is_refused(cli, tmp_path):
    """Elections alone declare no tilted draws: importance sampling is refused, naming the
    components that do."""
    code, _, err = cli("tail", "baseline_democracy-v1", "--event", "mandate_distance >= 3",
                       "--method", "is", "--out", str(tmp_path / "t.json"))  # fmt: skip
    assert code == 2 and "--method: importance sampling needs tilted draws" in err, err
    assert "AI deployment" in err and len(err.strip().splitlines()) == 1, err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("method", ["mc", "ams"])
def test_tail_json_has_the_documented_shape_and_is_reproducible(cli, tmp_path, method):
    argv = ["tail", SCENARIO, *SETS, "--event", "catastrophes >= 2", "--method", method]
    argv += ["--budget", "20", "--seed", "4", "--json", "--out", str(tmp_path / "t.json")]
    code, out, _ = cli(*argv)
    assert code == 0
    got = json.loads(out)
    keys = ["p", "ci", "rel_error", "ess", "model_steps", "bits", "method"]
    assert list(got)[:7] == keys and got["method"] == method and len(got["ci"]) == 2
    assert got["status"] == "done" and got["importance"] == "catastrophes" and got["by_step"] == T
    prov = got["provenance"]
    assert prov["seed"] == 4 and prov["scenario"] == SCENARIO and "git_commit" in prov
    assert prov["overrides"]["ai_agents.base_harm_rate"] == Q
    assert json.loads((tmp_path / "t.json").read_text()) == got
    assert json.loads(cli(*argv)[1]) == got


def test_tail_prints_a_table(cli):
    argv = [*SETS, "--event", "catastrophes >= 1", "--method", "mc", "--budget", "5"]
    code, out, _ = cli("tail", SCENARIO, *argv, "--by-step", "3")
    assert code == 0
    assert all(c in out for c in ("95% CI", "rel. error", "model steps", "bits", "by step 3"))
