"""`instalign tail SCENARIO --event "catastrophes >= 1"`: the probability that a rare event
happens by a step, with its 95% CI, relative error, effective sample size, cost (model steps
simulated) and surprise in bits (issue 14). Methods: `mc`, plain Monte Carlo with the exact
Clopper-Pearson interval; `ams`, adaptive multilevel splitting (Cérou & Guyader 2007; Bréhier
et al. 2016) along the importance function the scenario's components declare
(sim/rare/model_system.py); `is`, importance sampling, which needs tilted draws that no
component of the model declares yet, so it is refused (exit 2) rather than faked.

`--budget N` counts paths, not steps: MC runs N independent paths; AMS runs N particles and
kills and resplits k = max(1, N // 10) of them per iteration (`ams_split`), at most
`AMS_MAX_ITER` iterations. Cost is reported in model steps: at most N·T for MC; about
N·T·(1 + ln(1/p)/2) for AMS (about (N/k)·ln(1/p) iterations, each rerunning k paths from their
branch points, half a horizon on average). Every check (method, budget, output path, scenario,
event, horizon, importance function) comes before anything runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.cli.checks import output_file
from sim.cli.inputs import load_scenario
from sim.errors import ConfigError, unknown_name

METHODS = ("ams", "is", "mc")
AMS_MAX_ITER = 100_000
COLUMNS = ("p", "95% CI", "rel. error", "ESS", "model steps", "bits", "method")
STATUS = {
    "extinct": "every particle tied below the event, so p = 0 with the upper bound shown (more "
    "particles, or an importance function that separates paths, would help)",
    "truncated": f"{AMS_MAX_ITER} iterations reached, so p is biased low",
}


def ams_split(budget: int) -> tuple[int, int]:
    """AMS particles n and the number k killed per iteration, from `--budget`."""
    return budget, max(1, budget // 10)


def tail(
    scenario: str = typer.Argument(..., help="Scenario id or path to a YAML file."),
    event: str = typer.Option(..., "--event", help='The event, e.g. "catastrophes >= 1".'),
    by_step: int | None = typer.Option(
        None, "--by-step", help="Horizon: the event must happen by this step (default: steps)."
    ),
    method: str = typer.Option("ams", "--method", help="ams, is or mc."),
    budget: int = typer.Option(1000, "--budget", help="Paths: MC runs or AMS particles."),
    seed: int | None = typer.Option(None, "--seed", help="Master seed (default: the scenario's)."),
    overrides: list[str] = typer.Option([], "--set", help="path=value (value read as YAML)."),
    as_json: bool = typer.Option(False, "--json", help="Print the estimate as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON to this .json file."),
) -> None:
    """Estimate the probability of a rare event by a step, with a CI and its cost."""
    _check_method(method)
    _check_numbers(budget, method, seed)
    if out is not None:
        output_file(out, "--out", (".json",))
    config = load_scenario(scenario, overrides)
    system = _system(config, event, by_step, method)
    seed = int(config["seed"] if seed is None else seed)
    result = _payload(config, system, _estimate(system, method, budget, seed), budget, seed)
    _emit(result, as_json, out)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise unknown_name("method", method, METHODS, source="--method")


def _check_numbers(budget: int, method: str, seed: int | None) -> None:
    least = 2 if method == "ams" else 1
    if budget < least:
        raise ConfigError(
            f"{budget} is too small", source="--budget", allowed=f"an integer >= {least}"
        )
    if seed is not None and seed < 0:
        raise ConfigError(f"{seed} is negative", source="--seed", allowed="an integer >= 0")


def _system(config, text: str, by_step: int | None, method: str):
    """The ModelSystem of the checked event and horizon; the method's needs checked too."""
    from sim.rare.event import parse
    from sim.rare.model_system import ModelSystem, check_measured, importance_for

    event = parse(text)
    check_measured(event, config)
    horizon = _horizon(config, by_step)
    importance = importance_for(event, config)
    if method == "ams" and importance is None:
        raise ConfigError(
            f"no importance function for the event '{event}' (an equality has no direction to "
            "climb); use a threshold (>=, >, <=, <) or --method mc",
            source="--method",
        )
    if method == "is":
        raise ConfigError(
            "importance sampling needs tilted draws, and no component of the model declares "
            "them yet; use --method ams or --method mc",
            source="--method",
            allowed="ams, mc",
        )
    return ModelSystem(config, event, horizon, importance)


def _horizon(config, by_step: int | None) -> int:
    steps = int(config["steps"])
    horizon = steps if by_step is None else by_step
    if not 1 <= horizon <= steps:
        raise ConfigError(
            f"step {horizon} is outside the run of {config.id} ({steps} steps); lengthen the "
            f"run with --set steps={max(horizon, 1)} or choose an earlier step",
            source="--by-step",
            allowed=f"1..{steps}",
        )
    return horizon


def _estimate(system, method: str, budget: int, seed: int):
    if method == "mc":
        from sim.rare import mc

        return mc.estimate(system, budget, seed)
    from sim.rare import ams

    n, k = ams_split(budget)
    return ams.estimate(system, n, k, seed, max_iter=AMS_MAX_ITER)


def _payload(config, system, estimate, budget: int, seed: int) -> dict:
    """The `--json` object: the estimate's keys, then what it is of, then provenance."""
    from sim.provenance import code_version
    from sim.scenario import plain

    imp = system.importance
    return {
        **estimate.as_json(),
        "scenario": config.id,
        "event": str(system.event),
        "by_step": system.horizon,
        "budget": budget,
        "importance": None if imp is None else ("-" if imp.sign < 0 else "") + imp.metric,
        "status": estimate.extra.get("status", "done"),  # AMS: extinct, truncated
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


def _emit(result: dict, as_json: bool, out: Path | None) -> None:
    from sim.cli.jsonout import dumps

    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(dumps(result) + "\n")
    if as_json:
        typer.echo(dumps(result))
    else:
        _print_table(result, out)


def _print_table(r: dict, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    lo, hi = (f"{x:.3g}" if x is not None else "-" for x in r["ci"])
    title = (
        f"{r['scenario']}  P({r['event']} by step {r['by_step']})  seed={r['provenance']['seed']}"
    )
    table = Table(*COLUMNS, title=Text(title))
    cells = (_g(r["p"]), f"[{lo}, {hi}]", _g(r["rel_error"]), _g(r["ess"]))
    table.add_row(*map(Text, (*cells, str(r["model_steps"]), _g(r["bits"]), r["method"])))
    console = Console(width=max(Console().width, 100))
    console.print(table)
    if r["status"] != "done":
        console.print(Text(f"AMS stopped early: {STATUS.get(r['status'], r['status'])}"))
    if out is not None:
        console.print(Text(f"estimate written to {out}"))


def _g(x) -> str:
    return "-" if x is None else f"{x:.4g}"
