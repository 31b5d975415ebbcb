"""Designs: the points a sweep visits, and the runs (points x scenarios x interventions x
replications) it dispatches.

- `grid`: the full factorial of each axis's `values` or range (`low`, `high`, `num` or
  `step`; `log` spaces a `num` range geometrically). The first axis varies slowest.
- `lhs`: Latin hypercube of `samples` points (McKay, Beckman & Conover 1979): each axis is
  cut into `samples` equal-probability strata, each stratum sampled once.
- `monte_carlo`: `samples` independent draws.
  Both map unit draws through each axis's distribution (inverse CDF): `uniform` on
  [low, high] (the default; log-uniform when the axis or the declared parameter is log),
  `loguniform`, `normal` (mean, sd; truncated to the axis or declared bounds),
  `triangular` (low, mode, high) and `choice` (values with probabilities `p`).
- `sobol`: Saltelli-style sample for Sobol' indices via SALib's `sample.sobol`
  (N = `samples`, a power of 2; `second_order`). `morris`: Morris trajectories via
  SALib's `sample.morris` (`samples` trajectories, `levels`, even). Axes of log
  parameters are sampled in log10 space. The SALib problem dict, options and raw sample
  matrix are kept (`Design.problem`, `Design.sample`; row i is design point i) so the
  sensitivity analysis can align outputs with the sample order.

Integer parameters are rounded to the nearest integer after sampling (a grid whose
rounding repeats a value is refused). The number of runs is counted from the spec before
anything is allocated (`size`, `check_size`): more than `MAX_RUNS`, or a run table that
would take over half the machine's memory, is refused with the size, unless an explicit
cap (`max_runs`, or `INSTALIGN_SWEEP_MAX_RUNS`) allows it. Every value is validated by the
parameter's declaration; any failure is a `ConfigError` naming the spec file and the field.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import ConfigError
from sim.params import PARAMS
from sim.scenario import plain
from sim.sweep import seeds
from sim.sweep.spec import DISTS, Axis, Sweep

MAX_RUNS = 10_000_000  # the default cap on a design's runs (see `check_size`)
CAP_ENV = "INSTALIGN_SWEEP_MAX_RUNS"  # an explicit cap (also `run_sweep(max_design_runs=)`)
PLAN_BYTES_PER_RUN = 3_000  # peak memory per run to build, check, write and read back the run table
NUMERIC = ("int", "float")


@dataclass
class Design:
    method: str
    points: pd.DataFrame  # column `point` plus one column per axis (validated values)
    problem: dict[str, Any] | None = None  # SALib method, problem dict, options, scales
    sample: np.ndarray | None = None  # SALib's raw sample, row i = design point i
    options: dict[str, Any] = field(default_factory=dict)


def _err(sweep: Sweep, path: str, message: str, **kw: Any) -> ConfigError:
    return ConfigError(message, source=sweep.source, path=path, **kw)


# the axis fields each design reads (anything else is refused rather than ignored)
FIELDS = {
    "grid": {"values", "low", "high", "num", "step", "log"},
    "points": {"values"},
    "lhs": {"values", "p", "low", "high", "log", "dist", "mean", "sd", "mode"},
    "sobol": {"low", "high", "log"},
}
FIELDS.update(monte_carlo=FIELDS["lhs"], morris=FIELDS["sobol"])


def build(sweep: Sweep, max_runs: int | None = None) -> Design:
    """The design points of `sweep` (a ConfigError if the design cannot be built, or if it
    has more than `max_runs` runs: the size is checked from the spec before allocating)."""
    method = sweep.spec.design.method
    if method != "grid" and not sweep.axes:
        raise _err(sweep, "parameters", f"a {method} design needs at least one parameter")
    for path, axis in sweep.axes.items():
        extra = sorted(axis.model_fields_set - FIELDS[method])
        if extra:
            raise _err(
                sweep, f"parameters.{path}.{extra[0]}", f"a {method} design does not use "
                f"`{extra[0]}`", allowed=", ".join(sorted(FIELDS[method])),
            )  # fmt: skip
    check_size(sweep, max_runs)
    builder = {"grid": _grid, "points": _points, "lhs": _random, "monte_carlo": _random}.get(
        method, _salib
    )
    return builder(sweep)


# ---- size, before anything is allocated -------------------------------------------------


def size(sweep: Sweep) -> tuple[int, int]:
    """(design points, runs) of `sweep`, computed from the spec alone (Python ints: a
    `num: 1e12` axis or a Sobol N of 2^40 costs nothing to count)."""
    d, k = sweep.spec.design, len(sweep.axes)
    if d.method == "grid":
        points = math.prod(_grid_count(sweep, p, a) for p, a in sweep.axes.items())
    elif d.method == "points":
        points = max((len(a.values or []) for a in sweep.axes.values()), default=0)
    elif d.method in ("lhs", "monte_carlo"):
        points = max(d.samples or 0, 0)
    elif d.method == "sobol":
        points = max(d.samples or 0, 0) * (2 * k + 2 if d.second_order else k + 2)
    else:
        points = max(d.samples or 0, 0) * (k + 1)
    return points, points * len(sweep.bases) * len(sweep.interventions) * sweep.spec.replications


def _grid_count(sweep: Sweep, path: str, axis: Axis) -> int:
    if axis.values is not None:
        return len(axis.values)
    if axis.num is not None:
        return max(axis.num, 0)
    if axis.step is None or axis.step <= 0:
        return 0  # `_grid_values` explains what is wrong
    low, high = _bounds(sweep, path, axis)
    return int(np.floor((high - low) / axis.step + 1e-9)) + 1  # as `_range` does


def check_size(sweep: Sweep, max_runs: int | None = None) -> int:
    """The number of runs, or a ConfigError when it exceeds `max_runs` (default `MAX_RUNS`)
    or when planning it would not fit in this machine's memory; says the size either way."""
    explicit = max_runs if max_runs is not None else _env_cap(sweep)
    cap = MAX_RUNS if explicit is None else explicit
    points, runs = size(sweep)
    need, have = runs * PLAN_BYTES_PER_RUN, _memory()
    if runs <= cap and (explicit is not None or have is None or need <= have // 2):
        return runs  # an explicit cap takes the memory estimate's risk
    why = f"more than the cap of {cap:,} runs" if runs > cap else f"over half of {_gib(have)}"
    n = (len(sweep.bases), len(sweep.interventions), sweep.spec.replications)
    raise _err(
        sweep,
        "design",
        f"{runs:,} runs ({points:,} design points x {n[0]} scenario(s) x {n[1]} "
        f"intervention(s) x {n[2]} replication(s)), about {_gib(need)} of memory to plan: {why}",
        allowed=f"a smaller design, or set a higher cap: {CAP_ENV}=N in the environment "
        "or run_sweep(..., max_design_runs=N)",
    )


def _env_cap(sweep: Sweep) -> int | None:
    raw = os.environ.get(CAP_ENV, "").strip().replace("_", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ConfigError(f"{CAP_ENV}={raw!r} is not a number of runs", allowed="int >= 1")
    return int(raw)


def _memory() -> int | None:
    """This machine's physical memory in bytes (None when unknown)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gib(n: int | None) -> str:
    if n is None:
        return "unknown"
    return f"{n / 2**20:,.0f} MiB" if n < 2**30 else f"{n / 2**30:,.1f} GiB"


# ---- grid -------------------------------------------------------------------------------


def _grid(sweep: Sweep) -> Design:
    axes = {path: _grid_values(sweep, path, axis) for path, axis in sweep.axes.items()}
    rows = list(itertools.product(*axes.values())) if axes else [()]
    points = pd.DataFrame(rows, columns=list(axes), dtype=object)
    points.insert(0, "point", np.arange(len(rows)))
    return Design("grid", _typed(points))


def _points(sweep: Sweep) -> Design:
    """Explicit points: every axis lists `values` of one length n, and point i takes the i-th
    value of each (zipped, not crossed; e.g. a fixed sample of worlds, sim/design)."""
    lengths = {path: len(axis.values or []) for path, axis in sweep.axes.items()}
    n = max(lengths.values())
    for path, k in lengths.items():
        if k != n:
            raise _err(
                sweep,
                f"parameters.{path}.values",
                f"{k} values where the other axes have {n}",
                allowed="equal-length lists (point i = the i-th values)",
            )
    cols = {path: [PARAMS[path].validate(v) for v in a.values] for path, a in sweep.axes.items()}
    points = pd.DataFrame(cols, dtype=object)
    points.insert(0, "point", np.arange(n))
    return Design("points", _typed(points))


def _grid_values(sweep: Sweep, path: str, axis: Axis) -> list[Any]:
    where = f"parameters.{path}"
    if axis.values is not None:
        if axis.model_fields_set & {"low", "high", "num", "step"}:
            raise _err(sweep, where, "give values or a range, not both")
        if not axis.values:
            raise _err(sweep, f"{where}.values", "empty list of values")
        return [PARAMS[path].validate(v) for v in axis.values]
    low, high = _bounds(sweep, path, axis)
    if (axis.num is None) == (axis.step is None):
        raise _err(sweep, where, "a range needs exactly one of `num` or `step`")
    raw = _range(sweep, where, low, high, axis, _is_log(path, axis))
    values = [_value(sweep, path, x, where) for x in raw]
    if len(set(map(repr, values))) != len(values):
        raise _err(sweep, where, f"rounding to integers repeats values: {values}")
    return values


def _range(sweep: Sweep, where: str, low: float, high: float, axis: Axis, log: bool) -> np.ndarray:
    if axis.num is not None:
        if axis.num < 1 or (axis.num > 1 and low == high):
            raise _err(sweep, f"{where}.num", "empty range", allowed=">= 1 distinct values")
        if log:
            return np.geomspace(low, high, axis.num)
        return np.linspace(low, high, axis.num)
    if axis.step is None or axis.step <= 0:
        raise _err(sweep, f"{where}.step", "empty range", allowed="step > 0")
    n = int(np.floor((high - low) / axis.step + 1e-9)) + 1
    return low + axis.step * np.arange(n)


# ---- lhs and monte carlo ----------------------------------------------------------------


def _random(sweep: Sweep) -> Design:
    d = sweep.spec.design
    if d.samples is None or d.samples < 1:
        raise _err(sweep, "design.samples", f"{d.method} needs samples", allowed="int >= 1")
    rng = seeds.design_rng(sweep.spec.seed)
    n, k = d.samples, len(sweep.axes)
    if d.method == "lhs":
        u = np.column_stack([(rng.permutation(n) + rng.random(n)) / n for _ in range(k)])
    else:
        u = rng.random((n, k))
    cols = {p: _inverse(sweep, p, a, u[:, j]) for j, (p, a) in enumerate(sweep.axes.items())}
    points = pd.DataFrame({"point": np.arange(n), **cols})
    return Design(d.method, _typed(points), options={"samples": n})


def _inverse(sweep: Sweep, path: str, axis: Axis, u: np.ndarray) -> list[Any]:
    """Map unit draws `u` through the axis's distribution, then validate each value."""
    where = f"parameters.{path}"
    dist = axis.dist or ("choice" if axis.values is not None else "uniform")
    if dist not in DISTS:
        raise _err(
            sweep, f"{where}.dist", f"unknown distribution {dist!r}", allowed=", ".join(DISTS)
        )
    if dist == "choice":
        return _choice(sweep, path, axis, u)
    _numeric(sweep, path, dist)
    x = _continuous(sweep, path, axis, dist, u)
    return [_value(sweep, path, v, where) for v in x]


def _continuous(sweep: Sweep, path: str, axis: Axis, dist: str, u: np.ndarray) -> np.ndarray:
    where = f"parameters.{path}"
    if dist == "normal":
        if axis.mean is None or axis.sd is None or axis.sd <= 0:
            raise _err(sweep, where, "normal needs mean and sd > 0")
        low, high = _bounds(sweep, path, axis, required=False)
        a, b = ((v - axis.mean) / axis.sd for v in (low, high))
        return stats.truncnorm.ppf(u, a, b, loc=axis.mean, scale=axis.sd)
    low, high = _bounds(sweep, path, axis)
    if dist == "triangular":
        if axis.mode is None or not low <= axis.mode <= high or low == high:
            raise _err(sweep, f"{where}.mode", "triangular needs low <= mode <= high, low < high")
        return stats.triang.ppf(u, (axis.mode - low) / (high - low), loc=low, scale=high - low)
    if dist == "loguniform" or (dist == "uniform" and _is_log(path, axis)):
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


def _choice(sweep: Sweep, path: str, axis: Axis, u: np.ndarray) -> list[Any]:
    where = f"parameters.{path}"
    if not axis.values:
        raise _err(sweep, f"{where}.values", "choice needs a non-empty list of values")
    p = np.asarray(axis.p if axis.p is not None else [1.0] * len(axis.values), dtype=float)
    if len(p) != len(axis.values) or (p < 0).any() or p.sum() <= 0:
        raise _err(sweep, f"{where}.p", "one probability >= 0 per value, not all zero")
    idx = np.minimum(np.searchsorted(np.cumsum(p) / p.sum(), u, side="right"), len(p) - 1)
    values = [PARAMS[path].validate(v) for v in axis.values]
    return [values[i] for i in idx]


# ---- sobol and morris (SALib) -----------------------------------------------------------


def _salib(sweep: Sweep) -> Design:
    from SALib.sample import morris, sobol

    d = sweep.spec.design
    names, bounds, scale = [], [], {}
    for path, axis in sweep.axes.items():
        _numeric(sweep, path, d.method)
        if axis.values is not None or axis.dist is not None:
            raise _err(sweep, f"parameters.{path}", f"{d.method} takes bounds (low, high) only")
        low, high = _bounds(sweep, path, axis)
        log = _is_log(path, axis)
        scale[path] = "log10" if log else "linear"
        names.append(path)
        bounds.append([float(np.log10(low)), float(np.log10(high))] if log else [low, high])
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    n = _salib_samples(sweep)
    seed = seeds.design_seed(sweep.spec.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if d.method == "sobol":
            opts = {"N": n, "calc_second_order": d.second_order, "scramble": True, "seed": seed}
            x = sobol.sample(problem, n, calc_second_order=d.second_order, seed=seed)
        else:
            opts = {"N": n, "num_levels": d.levels, "seed": seed}
            x = morris.sample(problem, n, num_levels=d.levels, seed=seed)
    cols = {}
    for j, path in enumerate(names):
        raw = 10 ** x[:, j] if scale[path] == "log10" else x[:, j]
        cols[path] = [_value(sweep, path, v, f"parameters.{path}") for v in raw]
    info = {"method": d.method, "problem": problem, "options": opts, "scale": scale}
    points = pd.DataFrame({"point": np.arange(len(x)), **cols})
    return Design(d.method, _typed(points), problem=info, sample=x, options=opts)


def _salib_samples(sweep: Sweep) -> int:
    d = sweep.spec.design
    n = d.samples
    if n is None or n < 2:
        raise _err(sweep, "design.samples", f"{d.method} needs samples", allowed="int >= 2")
    if d.method == "sobol" and n & (n - 1):
        good = 1 << (n - 1).bit_length()
        raise _err(sweep, "design.samples", f"{n} is not a power of 2", suggestion=str(good))
    if d.method == "morris" and (d.levels < 2 or d.levels % 2):
        raise _err(sweep, "design.levels", f"{d.levels} levels", allowed="an even int >= 2")
    return n


# ---- shared helpers ---------------------------------------------------------------------


def _numeric(sweep: Sweep, path: str, what: str) -> None:
    if PARAMS[path].kind not in NUMERIC:
        raise _err(
            sweep,
            f"parameters.{path}",
            f"{what} needs a numeric parameter, {path} is {PARAMS[path].kind}",
            allowed="grid values, a choice distribution, or interventions",
        )


def _is_log(path: str, axis: Axis) -> bool:
    return bool(PARAMS[path].log if axis.log is None else axis.log)


def _bounds(sweep: Sweep, path: str, axis: Axis, required: bool = True) -> tuple[float, float]:
    """The axis's low/high, falling back on the parameter's declared range."""
    p, where = PARAMS[path], f"parameters.{path}"
    if p.kind not in NUMERIC:
        raise _err(sweep, where, f"{path} is {p.kind}: list its values instead of a range")
    low = axis.low if axis.low is not None else p.low
    high = axis.high if axis.high is not None else p.high
    if low is None or high is None:
        if required:
            raise _err(sweep, where, "needs low and high (the parameter has no declared bound)")
        return (-np.inf if low is None else low), (np.inf if high is None else high)
    if low > high:
        raise _err(sweep, where, f"empty range: low {low} > high {high}")
    if _is_log(path, axis) and low <= 0 and axis.dist != "normal":
        raise _err(sweep, f"{where}.low", "a log axis needs low > 0")
    for end, v in (("low", low), ("high", high)):
        _value(sweep, path, v, f"{where}.{end}")
    return float(low), float(high)


def _value(sweep: Sweep, path: str, x: Any, where: str) -> Any:
    """A sampled number as a valid value of `path` (ints rounded; floats to 12 places)."""
    kind = PARAMS[path].kind
    x = int(np.rint(x)) if kind == "int" else round(float(x), 12)
    try:
        return PARAMS[path].validate(x)
    except ConfigError as err:
        raise _err(sweep, where, err.detail, allowed=err.allowed) from None


def _typed(points: pd.DataFrame) -> pd.DataFrame:
    """Columns of plain scalars get their natural dtype; list values stay objects."""
    for col in points.columns:
        if not points[col].map(lambda v: isinstance(v, tuple | list)).any():
            points[col] = pd.Series(points[col].tolist(), index=points.index)
    return points


def encode(value: Any) -> Any:
    """A design cell as stored in Parquet: lists (tuples) as JSON text."""
    return json.dumps(plain(value)) if isinstance(value, tuple | list) else value
