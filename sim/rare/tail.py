"""One tail-probability request, checked and run the same way by every front end: the CLI
(`instalign tail`, sim/cli/tail.py), a sweep that records a tail probability as a run's outcome
(sim/sweep) and the dashboard's Tail panel (issue 14).

    system = prepare(config, "catastrophes >= 1", by_step=200, method="ams")  # all checks
    est = estimate(system, "ams", budget=1000, seed=7, progress=callback)
    result = payload(config, system, est, budget=1000, seed=7)  # the --json object

`prepare` raises a ConfigError (one line, exit 2 in the CLI) naming the option, before anything
runs: an event on an unknown or unmeasured metric, a horizon outside the run, a method without
what it needs for that event (AMS: an importance function; IS: tilted draws declared by an
enabled component, sim/rare/tilting.py).

`--budget N` counts paths: MC runs N independent paths; AMS runs N particles and kills and
resplits k = max(1, N // 10) of them per iteration (`ams_split`), at most `AMS_MAX_ITER`
iterations; IS tunes its tilt by cross-entropy rounds of `is_split(N)[0]` pilot paths, then runs
N tilted paths. Cost is reported in model steps, the pilot's included.

`progress(fraction, note)` is called as the estimator goes (fraction in [0, 1], a best guess
for AMS, whose length is not known in advance); it may raise `Cancelled` to stop the run.

Surprise accounting (the seed of issue 14): beside -log2 p, `payload` reports the bits a
structural bound of the model explains, where an enabled component declares one for the event
(`Component.tail_bound`), and the unexplained remainder (sim/rare/surprise.py).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.errors import ConfigError, unknown_name

METHODS = ("ams", "is", "mc")
AMS_MAX_ITER = 100_000
Progress = Callable[[float, str], None]


class Cancelled(Exception):
    """Raised by a progress callback to stop an estimator; nothing is returned."""


# how the CLI's table and the dashboard's Tail panel label an estimate
COLUMNS = ("p", "95% CI", "rel. error", "ESS", "model steps", "bits", "method")
STATUS = {
    "extinct": "every particle tied below the event, so p = 0 with the upper bound shown (more "
    "particles, or an importance function that separates paths, would help)",
    "truncated": f"{AMS_MAX_ITER} iterations reached, so p is biased low",
}


def ams_split(budget: int) -> tuple[int, int]:
    """AMS particles n and the number k killed per iteration, from `--budget`."""
    return budget, max(1, budget // 10)


def is_split(budget: int) -> tuple[int, int]:
    """IS: paths per cross-entropy pilot round, and paths of the final estimate."""
    return max(100, budget // 5), budget


def check_method(method: str, option: str = "--method") -> None:
    if method not in METHODS:
        raise unknown_name("method", method, METHODS, source=option)


def check_numbers(budget: int, method: str, seed: int | None, option: str = "--budget") -> None:
    least = 2 if method == "ams" else 1
    if budget < least:
        raise ConfigError(f"{budget} is too small", source=option, allowed=f"an integer >= {least}")
    if seed is not None and seed < 0:
        raise ConfigError(f"{seed} is negative", source="--seed", allowed="an integer >= 0")


def prepare(config, event: str, by_step: int | None, method: str, options: dict | None = None):
    """The ModelSystem of the checked event and horizon, the method's needs checked too.
    `options` renames the options named in messages (keys event, by_step, method)."""
    from sim.rare.event import parse
    from sim.rare.model_system import ModelSystem, check_measured, importance_for
    from sim.rare.tilting import families_for

    names = {"event": "--event", "by_step": "--by-step", "method": "--method", **(options or {})}
    check_method(method, names["method"])
    ev = parse(event, option=names["event"])
    check_measured(ev, config, names["event"])
    horizon = check_horizon(config, by_step, names["by_step"])
    importance = importance_for(ev, config)
    if method == "ams" and importance is None:
        raise ConfigError(
            f"no importance function for the event '{ev}' (an equality has no direction to "
            "climb); use a threshold (>=, >, <=, <) or --method mc",
            source=names["method"],
        )
    families = families_for(config)
    if method == "is" and not families:
        raise ConfigError(
            f"importance sampling needs tilted draws, and no component enabled in {config.id} "
            "declares any (the AI deployment, the bureaucracy and oversight do); use "
            "--method ams or --method mc",
            source=names["method"],
            allowed="ams, mc",
        )
    return ModelSystem(config, ev, horizon, importance, families)


def check_horizon(config, by_step: int | None, option: str = "--by-step") -> int:
    steps = int(config["steps"])
    horizon = steps if by_step is None else int(by_step)
    if not 1 <= horizon <= steps:
        raise ConfigError(
            f"step {horizon} is outside the run of {config.id} ({steps} steps); lengthen the "
            f"run with --set steps={max(horizon, 1)} or choose an earlier step",
            source=option,
            allowed=f"1..{steps}",
        )
    return horizon


def estimate(system, method: str, budget: int, seed: int, progress: Progress | None = None):
    """The Estimate of P(event by the horizon) by `method` with `budget` paths (module
    docstring); `progress` as there."""
    if method == "mc":
        from sim.rare import mc

        return mc.estimate(system, budget, seed, progress=progress)
    if method == "is":
        from sim.rare import importance

        pilot, n = is_split(budget)
        return importance.tuned(system, pilot, n, seed, progress=progress)
    from sim.rare import ams

    n, k = ams_split(budget)
    return ams.estimate(system, n, k, seed, max_iter=AMS_MAX_ITER, progress=progress)


def payload(config, system, est, budget: int, seed: int) -> dict:
    """The `--json` object: the estimate's keys, surprise accounting, what it is of, then
    provenance."""
    from sim.provenance import code_version
    from sim.scenario import plain

    imp = system.importance
    return {
        **est.as_json(),
        **surprise(config, system, est.p),
        "scenario": config.id,
        "event": str(system.event),
        "by_step": system.horizon,
        "budget": budget,
        "importance": None if imp is None else ("-" if imp.sign < 0 else "") + imp.metric,
        "tilt": est.extra.get("tilt"),
        "status": est.extra.get("status", "done"),  # AMS: extinct, truncated
        "trajectory": trajectory(est),
        "provenance": {
            "scenario": config.id,
            "source": config.source,
            "seed": seed,
            "steps": int(config["steps"]),
            "overrides": dict(config.overrides),
            "parameters": {k: plain(v) for k, v in config.values.items()},
            **code_version(),
        },
    }


def trajectory(est) -> dict | None:
    """AMS: the level Z_q of each iteration, the replicas K_q killed at it and the running
    estimate prod (1 - K_q / n) (the probability of reaching beyond Z_q); None otherwise."""
    if est.method != "ams":
        return None
    n, killed, levels = est.extra["n"], est.extra["killed"], est.extra["levels"]
    running, out = 1.0, []
    for k in killed:
        running *= 1 - k / n
        out.append(running)
    return {"levels": [float(z) for z in levels], "killed": list(killed), "reach": out, "n": n}


def surprise(config, system, p: float) -> dict:
    """Bits of p explained by the tightest structural bound an enabled component declares for
    the event by the horizon (None fields when none does)."""
    from sim.components import COMPONENTS
    from sim.rare.surprise import explained

    bounds = [
        b
        for cls in COMPONENTS
        if cls.enabled(config)
        for b in [cls.tail_bound(config, system.event, system.horizon)]
        if b is not None
    ]
    if not bounds:
        return {"explained_bits": None, "unexplained_bits": None, "bound": None,
                "bound_source": None}  # fmt: skip
    value, source = min(bounds, key=lambda b: b[0])
    out = explained(p, value) if p > 0 else {"explained_bits": explained(1.0, value)[
        "explained_bits"], "unexplained_bits": None, "bound": value}  # fmt: skip
    return {
        "explained_bits": _finite(out["explained_bits"]),
        "unexplained_bits": _finite(out["unexplained_bits"]),
        "bound": value,
        "bound_source": source,
    }


def _finite(x):
    import math

    return None if x is None or not math.isfinite(x) else float(x)


def surprise_line(r: dict) -> str:
    """The surprise accounting in one sentence."""
    if r["bound"] is None:
        return f"surprise {_fmt(r['bits'])} bits; no component declares a bound for this event"
    rest = r["unexplained_bits"]
    left = "" if rest is None else f", {rest:.3g} bits unexplained"
    return (
        f"surprise {_fmt(r['bits'])} bits: {r['explained_bits']:.3g} explained by "
        f"{r['bound_source']} (bound {r['bound']:.3g}){left}"
    )


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.4g}"
