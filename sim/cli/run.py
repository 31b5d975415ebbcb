"""`instalign run SCENARIO`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sim.components import METRICS
from sim.run import run as run_scenario
from sim.scenario import load, parse_set


def run(
    scenario: str = typer.Argument(..., help="Scenario id or path to a YAML file."),
    steps: int | None = typer.Option(None, "--steps", help="Override `steps`."),
    seed: int | None = typer.Option(None, "--seed", help="Override `seed`."),
    overrides: list[str] = typer.Option([], "--set", help="path=value (value read as YAML)."),
    out: Path | None = typer.Option(None, "--out", help="Write the time series (.parquet/.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run one scenario and print a summary of every metric."""
    sets = parse_set(overrides)
    if steps is not None:
        sets["steps"] = steps
    if seed is not None:
        sets["seed"] = seed
    config = load(scenario, sets)
    result = run_scenario(config)
    if out is not None:
        result.write(out)
    if as_json:
        payload = result.to_json()  # scenario, seed, steps, metrics, provenance
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(
        "metric",
        "final",
        "mean",
        "unit",
        title=f"{result.scenario}  seed={result.seed}  steps={result.steps}",
    )
    for name, stats in result.summary().items():
        table.add_row(name, f"{stats['final']:.4g}", f"{stats['mean']:.4g}", METRICS[name].unit)
    console = Console()
    console.print(table)
    if out is not None:
        console.print(f"time series written to {out}")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
