"""Any instalign scenario as an EMA Workbench model (the `ema` extra).

The EMA Workbench (Kwakkel 2017, "The Exploratory Modeling Workbench: An open source toolkit
for exploratory modeling, scenario discovery, and (multi-objective) robust decision making",
Environmental Modelling & Software 96:239-250) separates what varies (uncertainties: the
world; levers: what a designer chooses), what is measured (outcomes) and how experiments run
(evaluators). `instalign_model` declares a scenario in those terms; EMA's samplers,
evaluators, optimizers and analyses (PRIM, feature scoring, ...) then work on it unchanged::

    from ema_workbench import SequentialEvaluator, perform_experiments
    from sim.ema import instalign_model

    model = instalign_model(
        "ai_control_protocols-v1",
        uncertainties={"ai_agents.capability": (0.5, 2.0)},
        levers={"ai_agents.audit_budget": (0.0, 0.2), "ai_agents.protocol": None},
        outcomes={"safety": "max", "usefulness": "max"},
        steps=40,
        set={"electorate.n_voters": 500},
    )
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, 8, 2, evaluator=evaluator)

Parameters come from their declarations (`sim.params.PARAMS`): a float is a `RealParameter`
(log-uniform when declared `log`), an int an `IntegerParameter` (uniform), a choice a
`CategoricalParameter`, a bool a `BooleanParameter`. A range `(low, high)` narrows a number;
a list gives the categories (any kind, each validated); `None` takes the declared range
(it must be finite) or the declared choices. EMA 3 wants identifiers as names, so a path's
EMA name is the path with "." replaced by "__" (`ema_name`; the column of EMA's experiments
table); the model function receives the dotted path itself.

Outcomes are metrics (`sim.components.METRICS`): each one's final value, and with
`series=True` also its whole time series (steps 0..n) as the array outcome
`<metric>_series`. With `replications > 1` the model is a `ReplicatorModel`: a scalar
outcome is the mean over replications, a series outcome an array (replications x steps+1).

Seeds: EMA passes no seed, so each run's seed is derived (`experiment_seed`): the JSON of
the experiment's validated uncertainty values (sorted by path) is hashed with SHA-256; its
eight 32-bit words and the replication index form the `spawn_key` of a
`numpy.random.SeedSequence` whose entropy is the master seed (the scenario's `seed` unless
given); the run's seed is its first 64-bit word shifted to 63 bits. Seeds depend on values,
never on EMA's process-wide sample counters, so the same experiments give bit-identical
outcomes under any evaluator. By default (`common_random_numbers=True`) levers do not enter
the seed: every policy meets the same random world in a given scenario and replication, so
comparisons between policies are paired (as in `instalign sweep`); with `False` the lever
values are hashed too.

Importing `sim` or running the simulator never imports this module or EMA.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.components import METRICS
from sim.errors import ConfigError, unknown_name
from sim.params import PARAMS
from sim.run import run
from sim.scenario import Config, load, plain

try:
    with warnings.catch_warnings():  # EMA warns at import that ipyparallel (unused) is missing
        warnings.filterwarnings("ignore", "ipyparallel not installed", UserWarning)
        import ema_workbench as ema
except ImportError as err:  # the optional extra is missing
    raise ImportError("sim.ema needs the EMA Workbench: pip install 'instalign[ema]'") from err

SENSES = {"info": ema.ScalarOutcome.INFO, "min": ema.ScalarOutcome.MINIMIZE,
          "max": ema.ScalarOutcome.MAXIMIZE}  # fmt: skip
# paths a model never samples: what to do instead
RESERVED = {"seed": ("each experiment's seed is derived from the master seed", "seed=MASTER"),
            "steps": ("the horizon is fixed for the model", "steps=N")}  # fmt: skip
REPLICATION = "replication"  # the keyword that tells the model function its replication


def ema_name(path: str) -> str:
    """A parameter path as an EMA 3 name (an identifier): "." becomes "__"."""
    return path.replace(".", "__")


def experiment_seed(master: int, world: Mapping[str, Any], replication: int = 0) -> int:
    """The 63-bit seed of one run, from numpy's SeedSequence (the seeding of `instalign
    sweep`): the master seed as entropy; as spawn key, the SHA-256 of the sorted JSON of
    `world` (path -> validated value) as eight 32-bit words, then the replication index."""
    text = json.dumps({p: plain(v) for p, v in world.items()}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]
    seq = np.random.SeedSequence(int(master), spawn_key=(*words, int(replication)))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class Experiment:
    """The model function EMA calls (picklable, so any evaluator can ship it): applies the
    sampled values as overrides, runs `sim.run.run` with the derived seed and returns each
    outcome metric's final value (and its series)."""

    config: Config  # the scenario with `set` applied
    paths: tuple[str, ...]  # every sampled path (uncertainties and levers)
    seeded: tuple[str, ...]  # the paths whose values enter the seed
    metrics: tuple[str, ...]
    steps: int
    master: int
    series: bool

    def __call__(self, **values: Any) -> dict[str, Any]:
        """Run one replication of one experiment (EMA passes path=value keywords)."""
        replication = int(values.pop(REPLICATION, 0))
        # EMA 3.0.0's callback merges each policy into its scenario in place (`Sample.__or__`
        # shares the dict), so a model without uncertainties receives the previous policy's
        # values again under their EMA names: drop those, the paths carry the current ones.
        stale = {ema_name(p) for p in self.paths} - set(self.paths)
        config = self.config.with_overrides(
            {p: _python(p, v) for p, v in values.items() if p not in stale},
            source="EMA experiment",
        )
        config.check_unused()
        world = {p: config[p] for p in self.seeded}
        result = run(
            config, seed=experiment_seed(self.master, world, replication), steps=self.steps
        )
        out: dict[str, Any] = {m: float(result.series[m].iloc[-1]) for m in self.metrics}
        if self.series:
            out.update({f"{m}_series": result.series[m].to_numpy(np.float64)
                        for m in self.metrics})  # fmt: skip
        return out


def instalign_model(
    scenario: str | Config,
    uncertainties: Mapping[str, Any] | Iterable[str] = (),
    levers: Mapping[str, Any] | Iterable[str] = (),
    outcomes: Mapping[str, str] | Iterable[str] | None = None,
    *,
    steps: int | None = None,
    replications: int = 1,
    set: Mapping[str, Any] | None = None,  # named like the CLI's --set
    seed: int | None = None,
    series: bool = False,
    common_random_numbers: bool = True,
    name: str | None = None,
) -> ema.Model | ema.ReplicatorModel:
    """`scenario` (an id, a YAML path or a Config) as an EMA Workbench model (Kwakkel 2017):
    declared parameters as uncertainties and levers, metrics as outcomes (a list, or metric
    -> "min" | "max" | "info"; default the scenario's `metrics:`). `set` fixes other values;
    `seed` is the master seed (default the scenario's). See the module docstring."""
    config = scenario if isinstance(scenario, Config) else load(scenario)
    if set:
        config = config.with_overrides(dict(set), source="set")
    unc = _parameters(uncertainties, "uncertainties", set or {})
    lev = _parameters(levers, "levers", set or {})
    _check_disjoint(unc, lev)
    _probe(config, [*unc, *lev])
    steps = PARAMS["steps"].validate(config["steps"] if steps is None else steps)
    if not isinstance(replications, int) or replications < 1:
        raise ConfigError(f"{replications!r} replications", path="replications",
                          allowed="int >= 1")  # fmt: skip
    metrics, kinds = _outcomes(outcomes, config)
    paths = tuple(p.variable_name[0] for p in [*unc, *lev])
    seeded = paths if not common_random_numbers else paths[: len(unc)]
    master = PARAMS["seed"].validate(config["seed"] if seed is None else seed)
    function = Experiment(config, paths, seeded, metrics, steps, master, series)
    cls = ema.Model if replications == 1 else ema.ReplicatorModel
    model = cls(name or config.id.replace("-", "_"), function=function)
    model.uncertainties = unc
    model.levers = lev
    model.outcomes = _ema_outcomes(metrics, kinds, replications, series)
    if replications > 1:
        model.replications = [{REPLICATION: i} for i in range(replications)]
    return model


# ---- parameters -------------------------------------------------------------------------


def _parameters(spec: Mapping[str, Any] | Iterable[str], role: str, fixed: Mapping) -> list:
    """EMA parameters for `spec` (path -> range, categories or None)."""
    if isinstance(spec, str):
        spec = [spec]
    items = spec.items() if isinstance(spec, Mapping) else ((p, None) for p in spec)
    out = []
    for path, given in items:
        if path in RESERVED:
            why, instead = RESERVED[path]
            raise ConfigError(why, source=role, path=path, allowed=instead)
        if path not in PARAMS:
            raise unknown_name("parameter", path, PARAMS, source=role, path=path)
        if path in fixed:
            raise ConfigError(f"set in `set` and sampled as one of the {role}", path=path,
                              allowed="one or the other")  # fmt: skip
        out.append(_parameter(path, given, role))
    return out


def _parameter(path: str, given: Any, role: str):
    """One EMA parameter from the declaration of `path` and the user's range or values."""
    p, name = PARAMS[path], ema_name(path)
    if isinstance(given, list):
        return ema.CategoricalParameter(name, _categories(path, given, role), variable_name=path)
    if p.kind in ("int", "float"):
        low, high = _range(path, given, role)
        if p.kind == "int":
            return ema.IntegerParameter(name, int(low), int(high), variable_name=path)
        if p.log and low > 0:
            dist = stats.loguniform(low, high)
            return ema.RealParameter.from_dist(name, dist, variable_name=path)
        return ema.RealParameter(name, low, high, variable_name=path)
    if given is not None:
        raise ConfigError(f"{p.kind} parameter: give a list of values, not {given!r}",
                          source=role, path=path, allowed=p.allowed())  # fmt: skip
    if p.kind == "bool":
        return ema.BooleanParameter(name, variable_name=path)
    if p.kind == "choice":
        return ema.CategoricalParameter(name, list(p.choices), variable_name=path)
    raise ConfigError(f"a {p.kind} parameter has no declared values: give a list of them",
                      source=role, path=path)  # fmt: skip


def _range(path: str, given: Any, role: str) -> tuple[float, float]:
    """(low, high) of a numeric parameter: the given tuple, else the declared bounds."""
    p = PARAMS[path]
    if given is None:
        low, high = p.low, p.high
        if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
            raise ConfigError("no finite declared range: give (low, high)", source=role,
                              path=path, allowed=p.allowed())  # fmt: skip
    elif isinstance(given, tuple) and len(given) == 2:
        low, high = given
    else:
        raise ConfigError(f"{given!r} is not a range", source=role, path=path,
                          allowed="(low, high), a list of values, or None")  # fmt: skip
    low, high = (_valid(path, v, role) for v in (low, high))
    if not low < high:
        raise ConfigError(f"empty range ({low}, {high})", source=role, path=path,
                          allowed="low < high; fix a single value with `set`")  # fmt: skip
    return low, high


def _categories(path: str, values: list, role: str) -> list:
    """The validated, distinct values of a categorical parameter (EMA wants two or more)."""
    out = [_valid(path, v, role) for v in values]
    if len({repr(v) for v in out}) != len(out) or len(out) < 2:
        raise ConfigError(f"{len(out)} values {values!r}", source=role, path=path,
                          allowed="two or more distinct values")  # fmt: skip
    return out


def _valid(path: str, value: Any, role: str) -> Any:
    """`value` validated by the declaration of `path`, errors attributed to `role`."""
    try:
        return PARAMS[path].validate(value)
    except ConfigError as err:
        raise err.with_source(role) from None


def _check_disjoint(unc: list, lev: list) -> None:
    """A path is an uncertainty or a lever, not both."""
    both = sorted({p.variable_name[0] for p in unc} & {p.variable_name[0] for p in lev})
    if both:
        raise ConfigError("both an uncertainty and a lever", path=both[0],
                          allowed="each path in one of them")  # fmt: skip


def _probe(config: Config, params: list) -> None:
    """Fail at build time, not in a worker, when a sampled path has no effect in this
    scenario (its component is off): apply each parameter's first value and check."""
    if not params:
        return
    first = {p.variable_name[0]: _first(p) for p in params}
    try:
        config.with_overrides(first, source="EMA parameters").check_unused()
    except ConfigError as err:
        shown = ", ".join(f"{k}={v!r}" for k, v in first.items())
        raise ConfigError(f"{err.detail} (checked at the first values: {shown})",
                          source="EMA parameters", path=err.path, allowed=err.allowed,
                          suggestion=err.suggestion) from None  # fmt: skip


def _first(p) -> Any:
    """The lowest value (or first category) of an EMA parameter, as the model gets it."""
    if isinstance(p, ema.CategoricalParameter):
        return p.cat_for_index(0).value
    return _python(p.variable_name[0], p.lower_bound)


def _python(path: str, value: Any) -> Any:
    """A sampled value as the declaration expects it: numpy scalars to Python, ints exact,
    floats clipped into the declared bounds (a log-uniform's ppf can overshoot by an ulp)."""
    value = value.item() if isinstance(value, np.generic) else value
    p = PARAMS[path]
    if p.kind == "float" and isinstance(value, float):
        low = -math.inf if p.low is None else p.low
        high = math.inf if p.high is None else p.high
        return min(max(value, low), high)
    return value


# ---- outcomes ---------------------------------------------------------------------------


def _outcomes(outcomes: Any, config: Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(metrics, senses) from a list or a metric -> sense mapping (default the scenario's
    `metrics:`, all "info")."""
    if outcomes is None:
        outcomes = config.metrics
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    pairs = list(outcomes.items() if isinstance(outcomes, Mapping) else
                 ((m, "info") for m in outcomes))  # fmt: skip
    if not pairs:
        raise ConfigError("no outcomes: name one or more metrics", path="outcomes",
                          allowed=", ".join(METRICS))  # fmt: skip
    for metric, sense in pairs:
        if metric not in METRICS:
            raise unknown_name("metric", metric, METRICS, source="outcomes", path=metric)
        if sense not in SENSES:
            raise unknown_name("sense", str(sense), SENSES, source="outcomes", path=metric)
    return tuple(m for m, _ in pairs), tuple(s for _, s in pairs)


def _ema_outcomes(metrics: tuple, kinds: tuple, replications: int, series: bool) -> list:
    """ScalarOutcome per metric (the mean over replications), ArrayOutcome per series."""
    many = replications > 1
    out = [ema.ScalarOutcome(m, kind=SENSES[k], function=_mean if many else None)
           for m, k in zip(metrics, kinds, strict=True)]  # fmt: skip
    if series:
        out += [ema.ArrayOutcome(f"{m}_series", function=np.stack if many else None)
                for m in metrics]  # fmt: skip
    return out


def _mean(values: list[float]) -> float:
    """The mean over replications of one metric's final value (a ReplicatorModel outcome)."""
    return float(np.mean(values))
