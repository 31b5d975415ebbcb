"""`instalign tail SCENARIO --event "catastrophes >= 1"`: the probability that a rare event
happens by a step, with its 95% CI, relative error, effective sample size, cost (model steps
simulated) and surprise in bits (issue 14). Methods: `mc`, plain Monte Carlo with the exact
Clopper-Pearson interval; `ams`, adaptive multilevel splitting (Cérou & Guyader 2007; Bréhier
et al. 2016) along the importance function the scenario's components declare
(sim/rare/model_system.py); `is`, importance sampling through the tilted draws the scenario's
components declare (sim/rare/tilting.py), the tilt tuned by cross-entropy from pilot runs.
The work is sim/rare/tail.py's, shared with sweeps and the dashboard.

`--budget N` counts paths, not steps (sim/rare/tail.py). Cost is reported in model steps: at
most N·T for MC; about N·T·(1 + ln(1/p)/2) for AMS (about (N/k)·ln(1/p) iterations, each
rerunning k paths from their branch points, half a horizon on average); the pilot rounds plus
at most N·T for IS. Every check (method, budget, output path, scenario, event, horizon,
importance function, tilted draws) comes before anything runs. Progress goes to stderr
(`--quiet`: none); the table or JSON to stdout. The table's last line gives the surprise
accounting: bits explained by a structural bound, where a component declares one.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.cli.checks import output_file
from sim.cli.inputs import load_scenario
from sim.progress import Progress
from sim.rare.tail import (
    COLUMNS,
    STATUS,
    check_method,
    check_numbers,
    estimate,
    payload,
    prepare,
    surprise_line,
)


def tail(
    scenario: str = typer.Argument(..., help="Scenario id or path to a YAML file."),
    event: str = typer.Option(..., "--event", help='The event, e.g. "catastrophes >= 1".'),
    by_step: int | None = typer.Option(
        None, "--by-step", help="Horizon: the event must happen by this step (default: steps)."
    ),
    method: str = typer.Option("ams", "--method", help="ams, is or mc."),
    budget: int = typer.Option(1000, "--budget", help="Paths: MC runs, AMS particles, IS paths."),
    seed: int | None = typer.Option(None, "--seed", help="Master seed (default: the scenario's)."),
    overrides: list[str] = typer.Option([], "--set", help="path=value (value read as YAML)."),
    as_json: bool = typer.Option(False, "--json", help="Print the estimate as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON to this .json file."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines on stderr."),
    figure: Path | None = typer.Option(
        None, "--figure", help="Also draw the AMS level trajectory to this .png/.svg/.pdf file."
    ),
) -> None:
    """Estimate the probability of a rare event by a step, with a CI and its cost."""
    check_method(method)
    check_numbers(budget, method, seed)
    if out is not None:
        output_file(out, "--out", (".json",))
    writer = None if figure is None else _figure_writer(figure, method)
    config = load_scenario(scenario, overrides)
    system = prepare(config, event, by_step, method)
    seed = int(config["seed"] if seed is None else seed)
    with Progress(total=1000, label="tail", unit="permille", quiet=quiet) as bar:
        est = estimate(system, method, budget, seed, progress=_reporter(bar))
    result = payload(config, system, est, budget, seed)
    _emit(result, as_json, out)
    if writer is not None:
        typer.echo(f"figure written to {writer.load()(result, figure)}", err=True)


def _figure_writer(path: Path, method: str):
    """The entry point that draws the AMS level trajectory (`instalign.figures`: the analysis
    package's, so sim imports no plotting library), checked with the path before anything
    runs."""
    from importlib.metadata import entry_points

    from sim.errors import ConfigError

    if method != "ams":
        raise ConfigError(
            f"the level trajectory figure needs --method ams (got --method {method})",
            source="--figure",
        )
    output_file(path, "--figure", (".png", ".svg", ".pdf"))
    found = [ep for ep in entry_points(group="instalign.figures") if ep.name == "ams_trajectory"]
    if not found:
        raise ConfigError("no figure writer installed (the analysis package's 'ams_trajectory')",
                          source="--figure")  # fmt: skip
    return found[0]


def _reporter(bar):
    """A progress callback that moves `bar` to the estimator's fraction done."""
    done = [0]

    def report(fraction: float, note: str) -> None:
        now = int(1000 * min(max(fraction, 0.0), 1.0))
        if now > done[0]:
            bar.advance(now - done[0])
            done[0] = now

    return report


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
    console.print(Text(surprise_line(r)))
    if r["status"] != "done":
        console.print(Text(f"AMS stopped early: {STATUS.get(r['status'], r['status'])}"))
    if out is not None:
        console.print(Text(f"estimate written to {out}"))


def _g(x) -> str:
    return "-" if x is None else f"{x:.4g}"
