"""The shipped contract checker (in the spirit of Gymnasium's `check_env` and PettingZoo's
`api_test`): every scenario, every strategy and every component must pass it.

    from sim.testing import check_scenario, check_all
    check_scenario(load("my_scenario-v1"))   # raises ContractError naming the likely bug
    check_all()                              # every discovered scenario, strategy, component

A scenario passes when it builds from its values, runs, reports exactly the declared metrics
(plus `step`) as finite Python floats for every enabled component (NaN for disabled ones),
touches only the world-state fields each component declares (a traced run), has a pure
`report()`, replays bit for bit under the same seed, differs under another seed, and pickles:
a model unpickled mid-run continues exactly as the original does.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.components import COMPONENTS, METRICS, Component, WorldState
from sim.meta import REQUIRED, Described
from sim.model import InstitutionModel
from sim.scenario import Config, defaults_config, discover, load
from sim.strategies import STRATEGIES, Strategy

SMALL = {"electorate.n_voters": 400}  # keeps every check fast; the dynamics are unchanged


class ContractError(AssertionError):
    """A scenario, strategy or component breaks the contract; the message names the likely bug."""


@dataclass(frozen=True)
class Result:
    subject: str
    passed: bool
    message: str = ""


def _fail(subject: str, problem: str, hint: str) -> ContractError:
    return ContractError(f"{subject}: {problem}. Most likely: {hint}")


def _series(model: InstitutionModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def _run(config: Config, seed: int, steps: int) -> tuple[InstitutionModel, pd.DataFrame]:
    model = InstitutionModel(config, seed)
    model.run_for(steps)
    return model, _series(model)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Bit-identical frames (NaN equal to NaN)."""
    return list(a.columns) == list(b.columns) and all(
        np.array_equal(a[c].to_numpy(), b[c].to_numpy(), equal_nan=True) for c in a.columns
    )


def small(config: Config, **overrides) -> Config:
    """`config` with a small electorate (never larger than the scenario's own)."""
    sets = {k: min(v, config[k]) for k, v in SMALL.items()}
    return config.with_overrides({**sets, **overrides}, source="sim.testing")


def check_scenario(config: Config, steps: int = 6, seed: int = 12345) -> None:
    """Run the contract over one scenario; raise ContractError on the first violation."""
    cfg, who = small(config), f"scenario {config.id}"
    try:
        model, series = _run(cfg, seed, steps)
    except Exception as err:  # a contract checker reports any crash as a finding
        raise _fail(
            who,
            f"building or running raised {type(err).__name__}: {err}",
            "a component's __init__ or step() fails for these values",
        ) from err
    _check_columns(who, series, steps)
    _check_values(who, model, series)
    _check_pure_report(who, model)
    _check_traced(who, cfg, seed, steps)
    _check_replay(who, cfg, seed, steps, series)
    _check_pickle(who, cfg, seed, steps)


def _check_columns(who: str, series: pd.DataFrame, steps: int) -> None:
    want, got = ["step", *METRICS], list(series.columns)
    if set(got) != set(want):
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        raise _fail(
            who,
            f"output columns differ from the declared metrics (missing {missing}, "
            f"undeclared {extra})",
            "a component's report() keys differ from its `metrics`",
        )
    if len(series) != steps + 1 or list(series["step"]) != list(range(steps + 1)):
        raise _fail(
            who,
            f"expected one row per step 0..{steps}, got steps {list(series['step'])}",
            "metrics are collected more or less than once a step",
        )


def _check_values(who: str, model: InstitutionModel, series: pd.DataFrame) -> None:
    enabled = {m.name for c in model.components for m in c.metrics}
    for name in METRICS:
        col = series[name].to_numpy(dtype=float)
        if name in enabled and not METRICS[name].may_be_nan and not np.all(np.isfinite(col)):
            rows = np.flatnonzero(~np.isfinite(col)).tolist()
            raise _fail(
                who,
                f"metric '{name}' is not finite at rows {rows[:5]}",
                "a division by zero, an empty selection or an uninitialized value",
            )
        if name not in enabled and not np.all(np.isnan(col)):
            raise _fail(
                who,
                f"metric '{name}' has values but its component is disabled",
                "a component writes another component's metric",
            )
    bad = [k for k in enabled if type(model.metric_values[k]) is not float]
    if bad:
        raise _fail(
            who,
            f"report() returned non-float values for {bad}",
            "return float(x), not a numpy scalar or array (DataCollector deep-copies them)",
        )


class TracedWorld(WorldState):
    """A WorldState that records which component reads and writes which field (the model
    names the active component in `_active` while it steps)."""

    def __getattribute__(self, name: str):
        if not name.startswith("_"):
            who = object.__getattribute__(self, "__dict__").get("_active")
            if who is not None:
                self.__dict__.setdefault("_trace", set()).add((who, "read", name))
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value) -> None:
        who = self.__dict__.get("_active")
        if who is not None and not name.startswith("_"):
            self.__dict__.setdefault("_trace", set()).add((who, "write", name))
        object.__setattr__(self, name, value)


def traced_accesses(config: Config, seed: int, steps: int) -> set[tuple[str, str, str]]:
    """(component, read|write, field) for every world-state access during a run's steps."""
    model = InstitutionModel(config, seed)
    model.world.__class__ = TracedWorld
    model.run_for(steps)
    return model.world.__dict__.get("_trace", set())


def _check_traced(who: str, cfg: Config, seed: int, steps: int) -> None:
    declared = {c.name: c for c in COMPONENTS}
    for comp, kind, name in sorted(traced_accesses(cfg, seed, steps)):
        cls = declared[comp]
        ok = set(cls.writes) if kind == "write" else {*cls.reads, *cls.reads_last, *cls.writes}
        if name not in ok:
            raise _fail(
                who,
                f"component '{comp}' {kind}s world.{name}, which it does not declare",
                f"add '{name}' to {cls.__name__}.{'writes' if kind == 'write' else 'reads'} "
                "(or stop touching it)",
            )


def _check_pure_report(who: str, model: InstitutionModel) -> None:
    for comp in model.components:
        before = pickle.dumps(comp.__dict__.get("rng"))
        first, second = comp.report(), comp.report()
        if not all(_equal(first[k], second[k]) for k in first) or before != pickle.dumps(
            comp.__dict__.get("rng")
        ):
            raise _fail(
                who,
                f"component '{comp.name}' report() is not pure (a second call differs)",
                "report() resets a counter or draws random numbers; keep it a pure read",
            )


def _equal(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _check_replay(who: str, cfg: Config, seed: int, steps: int, series: pd.DataFrame) -> None:
    if not _same(series, _run(cfg, seed, steps)[1]):
        raise _fail(
            who,
            "the same seed gave a different time series",
            "a draw outside the run's seeded streams (np.random.*, random.*, set/dict order, time)",
        )
    if _same(series, _run(cfg, seed + 1, steps)[1]):
        raise _fail(
            who,
            "two different seeds gave identical time series",
            "the seed is not passed to InstitutionModel, or a component reseeds itself",
        )


def _check_pickle(who: str, cfg: Config, seed: int, steps: int) -> None:
    half = max(steps // 2, 1)
    model = InstitutionModel(cfg, seed)
    model.run_for(half)
    try:
        clone = pickle.loads(pickle.dumps(model))
    except Exception as err:
        raise _fail(
            who,
            f"the model does not pickle ({type(err).__name__}: {err})",
            "a lambda, open file, generator or lock stored on the model or an agent",
        ) from err
    model.run_for(steps - half)
    clone.run_for(steps - half)
    if not _same(_series(model), _series(clone)):
        raise _fail(
            who,
            "an unpickled model continued differently from the original",
            "state kept outside the model (module globals, caches) or an unpickled RNG",
        )


def check_class(cls: type) -> None:
    """Metadata and protocol of one strategy or component class."""
    who = f"{cls.__module__}.{cls.__qualname__}"
    meta = {f: getattr(cls, f, None) for f in REQUIRED} if issubclass(cls, Described) else {}
    empty = [f for f in REQUIRED if meta.get(f) in ("", (), None)]
    if empty:
        raise _fail(who, f"metadata missing or empty: {empty}", "set the class attributes")
    if not (cls.__doc__ or "").strip() and not (_module_doc(cls) or "").strip():
        raise _fail(who, "no docstring naming the model and its source", "add a module docstring")
    if issubclass(cls, Component):
        _check_component(who, cls)
    if issubclass(cls, Strategy) and cls.adapt is Strategy.adapt:
        raise _fail(who, "adapt() is not implemented", "override adapt(self, pol, ctx)")


def _module_doc(cls: type) -> str | None:
    import sys

    return getattr(sys.modules.get(cls.__module__), "__doc__", None)


def _check_component(who: str, cls: type[Component]) -> None:
    if not isinstance(getattr(cls, "order", None), int):
        raise _fail(who, "no integer `order`", "set order (electoral 10 ... opinion 90)")
    names = [m.name for m in cls.metrics]
    if len(set(names)) != len(names) or not all(m.unit and m.description for m in cls.metrics):
        raise _fail(
            who,
            "metrics must have unique names, a unit and a description",
            "fix the Metric(...) declarations",
        )
    for other in COMPONENTS:
        clash = set(names) & {m.name for m in other.metrics} if other is not cls else set()
        if clash:
            raise _fail(
                who,
                f"metrics {sorted(clash)} also declared by {other.name}",
                "rename one of them; metric names are global",
            )


def strategy_configs() -> dict[str, Config]:
    """One small config per strategy: every politician follows it (Axelrod-style coverage)."""
    base = defaults_config()
    return {
        name: base.with_overrides({"politicians.strategy": name}, source="sim.testing")
        for name in STRATEGIES
    }


def subjects() -> dict[str, Config]:
    """Every config the contract covers: defaults, discovered scenarios, one per strategy."""
    out = {"defaults": defaults_config()}
    out.update({sid: load(path) for sid, path in discover().items()})
    out.update({f"strategy:{k}": v for k, v in strategy_configs().items()})
    return out


def check_all(steps: int = 6) -> list[Result]:
    """Run every check; one Result per subject (never raises for a failed check)."""
    results = []
    for cls in (*COMPONENTS, *STRATEGIES.values()):
        results.append(_attempt(f"class {cls.__name__}", check_class, cls))
    for sid, cfg in subjects().items():
        results.append(_attempt(sid, check_scenario, cfg, steps))
    return results


def _attempt(subject: str, fn, *args) -> Result:
    try:
        fn(*args)
    except ContractError as err:
        return Result(subject, False, str(err))
    return Result(subject, True)
