"""The EMA Workbench adapter (sim/ema.py; Kwakkel 2017): EMA's `perform_experiments` on a
few small runs gives exactly the outcomes of running instalign directly with the same values
and the documented seed; uncertainties and levers both work; bad names fail at build time."""

import hashlib
import importlib
import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim.ema
from sim.ema import ema, ema_name, experiment_seed, instalign_model
from sim.errors import ConfigError
from sim.params import PARAMS, Param
from sim.run import run
from sim.scenario import load

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "ai_control_protocols-v1"
SMALL = {"electorate.n_voters": 100}
STEPS = 20
UNC = {"ai_agents.capability": (0.5, 2.0)}
LEV = {"ai_agents.audit_budget": (0.0, 0.2), "ai_agents.protocol": None}
METRICS = ["safety", "usefulness"]


def small_model(**kw):
    """The test scenario, 100 voters and 20 steps, as an EMA model."""
    args = {"uncertainties": UNC, "levers": LEV, "outcomes": METRICS, "steps": STEPS, "set": SMALL}
    return instalign_model(SCENARIO, **{**args, **kw})


def experiment(model, evaluator=ema.SequentialEvaluator, scenarios=3, policies=2, **kw):
    """EMA's perform_experiments with seeded LHS samplers (the same experiments each call)."""
    with evaluator(model, **kw) as ev:
        return ema.perform_experiments(
            model,
            scenarios,
            policies,
            evaluator=ev,
            uncertainty_sampling_kwargs={"rng": 11},
            lever_sampling_kwargs={"rng": 12},
        )


def direct(row, paths, world, replication=0, master=1):
    """Run instalign itself on one EMA experiment row: its values as overrides, the seed
    from the uncertainty values (`world`) as documented in sim/ema.py."""
    values = {p: row[ema_name(p)] for p in paths}
    values = {p: v.item() if isinstance(v, np.generic) else v for p, v in values.items()}
    config = load(SCENARIO, {**SMALL, **values})
    seed = experiment_seed(master, {p: config[p] for p in world}, replication)
    return run(config, seed=seed, steps=STEPS).series


def test_sequential_outcomes_equal_direct_runs():
    """3 scenarios x 2 policies: every final value and series is instalign's own."""
    experiments, outcomes = experiment(small_model(series=True))
    assert len(experiments) == 6 and set(outcomes) == {
        *METRICS,
        "safety_series",
        "usefulness_series",
    }
    assert experiments["ai_agents__protocol"].isin(PARAMS["ai_agents.protocol"].choices).all()
    for i, row in experiments.iterrows():
        series = direct(row, [*UNC, *LEV], world=UNC)
        for m in METRICS:
            assert outcomes[m][i] == series[m].iloc[-1], (i, m)
            np.testing.assert_array_equal(outcomes[f"{m}_series"][i], series[m].to_numpy())


def test_same_experiments_are_bit_identical_and_the_master_seed_matters():
    """Seeds depend on values, not on EMA's process-wide sample counters."""
    _, first = experiment(small_model())
    _, again = experiment(small_model())  # fresh EMA objects: new sample names and ids
    _, other = experiment(small_model(seed=2))
    for m in METRICS:
        np.testing.assert_array_equal(first[m], again[m])
    assert any(not np.array_equal(first[m], other[m]) for m in METRICS)


def test_levers_share_the_world_seed_unless_common_random_numbers_is_off():
    """Common random numbers: lever values enter the seed only when asked."""
    crn = {"levers": {"ai_agents.audit_budget": (0.0, 0.2)}, "uncertainties": {}}
    experiments, shared = experiment(small_model(**crn), scenarios=1, policies=3)
    experiments, own = experiment(
        small_model(**crn, common_random_numbers=False), scenarios=1, policies=3
    )
    for i, row in experiments.iterrows():
        lever = ["ai_agents.audit_budget"]
        assert shared["safety"][i] == direct(row, lever, world=[])["safety"].iloc[-1]
        assert own["safety"][i] == direct(row, lever, world=lever)["safety"].iloc[-1]


@pytest.mark.parametrize("role", ["uncertainties", "levers"])
def test_a_path_works_as_an_uncertainty_or_as_a_lever(role):
    """As a lever, several policies on one scenario also cover EMA 3.0.0 handing a model
    without uncertainties the previous policy's values (sim/ema.py drops them)."""
    path = {"ai_agents.audit_budget": (0.0, 0.2)}
    other = "levers" if role == "uncertainties" else "uncertainties"
    n = (
        {"scenarios": 3, "policies": 0}
        if role == "uncertainties"
        else {"scenarios": 1, "policies": 3}
    )
    experiments, outcomes = experiment(small_model(**{role: path, other: {}}), **n)
    assert len(experiments) == 3 and experiments["ai_agents__audit_budget"].nunique() == 3
    world = list(path) if role == "uncertainties" else []
    for i, row in experiments.iterrows():
        assert outcomes["safety"][i] == direct(row, list(path), world=world)["safety"].iloc[-1]


@pytest.mark.slow  # each spawned worker imports EMA and instalign: ~8 s on 2 idle cores
def test_multiprocessing_evaluator_equals_sequential(monkeypatch):
    """Two spawned workers (not forked: the model itself is pickled to them, as on macOS,
    Windows and Python 3.14's default) give the sequential outcomes bit for bit."""
    spawn = multiprocessing.get_context("spawn")
    monkeypatch.setattr(multiprocessing, "Pool", spawn.Pool)  # what EMA's evaluator calls
    monkeypatch.setattr(multiprocessing, "Queue", spawn.Queue)  # its log queue, same context
    model = small_model(uncertainties=UNC, levers={"ai_agents.protocol": None})
    _, serial = experiment(model, scenarios=3, policies=2)
    _, parallel = experiment(model, ema.MultiprocessingEvaluator, 3, 2, n_processes=2)
    for m in METRICS:
        np.testing.assert_array_equal(serial[m], parallel[m])


def test_replications_average_runs_with_their_own_seeds():
    """A ReplicatorModel: the mean of the final values, the series stacked."""
    model = small_model(replications=2, levers={}, series=True)
    assert type(model).__name__ == "ReplicatorModel"
    experiments, outcomes = experiment(model, scenarios=2, policies=0)
    assert outcomes["safety_series"].shape == (2, 2, STEPS + 1)
    for i, row in experiments.iterrows():
        runs = [direct(row, list(UNC), UNC, replication=r)["safety"] for r in (0, 1)]
        assert outcomes["safety"][i] == np.mean([s.iloc[-1] for s in runs])
        np.testing.assert_array_equal(outcomes["safety_series"][i], np.stack(runs))


def test_declarations_give_the_parameter_kinds_and_ranges(monkeypatch):
    """float, int, choice, bool and log declarations map to EMA's parameter classes."""
    model = small_model(
        uncertainties={"ai_agents.capability": None, "politicians.count": None},
        levers={"ai_agents.protocol": None, "ai_agents.defer_threshold": [0.1, 0.2]},
        outcomes={"safety": "max", "catastrophes": "min"},
    )
    unc, lev = model.uncertainties, model.levers
    cap, cnt = PARAMS["ai_agents.capability"], PARAMS["politicians.count"]
    assert isinstance(unc["ai_agents__capability"], ema.RealParameter)
    assert (unc["ai_agents__capability"].lower_bound, unc["ai_agents__capability"].upper_bound) == (
        cap.low,
        cap.high,
    )
    assert isinstance(unc["politicians__count"], ema.IntegerParameter)
    assert unc["politicians__count"].upper_bound == cnt.high
    protocol = lev["ai_agents__protocol"]
    assert isinstance(protocol, ema.CategoricalParameter)
    assert [c.value for c in protocol.categories] == list(PARAMS["ai_agents.protocol"].choices)
    assert [c.value for c in lev["ai_agents__defer_threshold"].categories] == [0.1, 0.2]
    assert model.outcomes["catastrophes"].kind == ema.ScalarOutcome.MINIMIZE
    log = small_model(uncertainties={"ai_agents.base_harm_rate": (1e-4, 1e-2)}, levers={})
    assert log.uncertainties["ai_agents__base_harm_rate"].dist.dist.name == "loguniform"
    flag = Param("ai_agents.test_flag", "bool", False, "a test-only boolean")
    monkeypatch.setitem(PARAMS._params, flag.path, flag)  # no bool is declared yet
    assert isinstance(sim.ema._parameter(flag.path, None, "levers"), ema.BooleanParameter)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        (
            {"uncertainties": {"ai_agents.audit_budjet": (0, 0.1)}},
            [
                "ai_agents.audit_budjet",
                "did you mean 'ai_agents.audit_budget'",
                "electorate.information",
            ],
        ),
        ({"levers": ["ai_agent.protocol"]}, ["levers", "did you mean 'ai_agents.protocol'"]),
        ({"outcomes": ["safty"]}, ["unknown metric 'safty'", "did you mean 'safety'", "welfare"]),
        ({"outcomes": {"safety": "maximize"}}, ["unknown sense", "did you mean 'max'"]),
        ({"uncertainties": {"ai_agents.audit_budget": (0.0, 2.0)}}, ["out of range", "[0, 1]"]),
        ({"uncertainties": {"ai_agents.audit_budget": (0.1, 0.1)}}, ["empty range"]),
        ({"uncertainties": {"ai_agents.protocol": ["none"]}}, ["two or more distinct"]),
        ({"uncertainties": {"oversight.audit_cost": None}}, ["no finite declared range"]),
        ({"uncertainties": {"media.coverage": None}}, ["media.coverage", "component is off"]),
        ({"uncertainties": {"seed": (1, 9)}}, ["seed is derived", "seed=MASTER"]),
        ({"levers": {"steps": (10, 20)}}, ["horizon is fixed", "steps=N"]),
        ({"levers": {"ai_agents.capability": (1, 2)}}, ["both an uncertainty and a lever"]),
        ({"uncertainties": {"electorate.n_voters": (50, 200)}}, ["set in `set`"]),
        ({"replications": 0}, ["replications", "int >= 1"]),
    ],
)
def test_bad_paths_metrics_and_ranges_are_config_errors(kw, words):
    """Each mistake is a ConfigError at build time that names what to do next."""
    with pytest.raises(ConfigError) as err:
        small_model(**kw)
    for word in words:
        assert word in str(err.value), str(err.value)


def test_the_simulator_never_imports_ema_workbench():
    """EMA is an optional extra: sim, the CLI and a run load none of it."""
    code = (
        "import sys, sim, sim.cli; from sim.scenario import load; from sim.run import run; "
        "run(load('ai_control_protocols-v1', {'electorate.n_voters': 100}), steps=3); "
        "print('ema_workbench' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"


def test_a_missing_extra_says_how_to_install_it(monkeypatch):
    """Without ema_workbench, importing sim.ema says which extra to install."""
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # import fails as if absent
    monkeypatch.delitem(sys.modules, "sim.ema")
    with pytest.raises(ImportError, match=r"pip install 'instalign\[ema\]'"):
        importlib.import_module("sim.ema")


def test_the_seed_is_the_documented_seed_sequence():
    """The recipe of sim/ema.py's docstring, by hand: SHA-256 of the sorted JSON of the
    uncertainty values, its eight little-endian 32-bit words and the replication index as
    spawn key, the master seed as entropy, the first 64-bit word shifted to 63 bits."""
    world = {"electorate.information": 0.25, "ai_agents.protocol": "none"}
    digest = hashlib.sha256(json.dumps(world, sort_keys=True).encode()).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()
    seq = np.random.SeedSequence(7, spawn_key=(*words, 3))
    assert experiment_seed(7, world, 3) == int(seq.generate_state(1, np.uint64)[0]) >> 1
    assert experiment_seed(7, world, 3) != experiment_seed(7, world, 2)
