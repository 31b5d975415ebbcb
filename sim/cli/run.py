"""`instalign run SCENARIO`: one run, a summary table (or JSON), optionally the series."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from sim.cli.checks import output_file
from sim.cli.inputs import load_scenario

SERIES_SUFFIXES = (".parquet", ".csv")


def run(
    scenario: str = typer.Argument(..., help="Scenario id or path to a YAML file."),
    steps: int | None = typer.Option(None, "--steps", help="Override `steps`."),
    seed: int | None = typer.Option(None, "--seed", help="Override `seed`."),
    overrides: list[str] = typer.Option([], "--set", help="path=value (value read as YAML)."),
    out: Path | None = typer.Option(None, "--out", help="Write the time series (.parquet/.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    all_metrics: bool = typer.Option(
        False, "--all-metrics", help="Also list metrics that are undefined (NaN) in this run."
    ),
) -> None:
    """Run one scenario and print a summary of its metrics (enabled components first)."""
    if out is not None:
        output_file(out, "--out", SERIES_SUFFIXES)  # before anything runs
    config = load_scenario(scenario, overrides, steps=steps, seed=seed)
    from sim.run import run as run_scenario

    result = run_scenario(config)
    if out is not None:
        result.write(out)
    if as_json:
        from sim.cli.jsonout import dumps

        typer.echo(dumps(result.to_json()))  # scenario, seed, steps, metrics, provenance
        return
    _print_summary(result, all_metrics, out)


def ordered_metrics(config, summary: dict[str, dict[str, float]], everything: bool) -> list[str]:
    """Metric names for the table: the enabled components' metrics (in step order), then the
    others; metrics with no defined value (final and mean NaN) only when `everything`."""
    from sim.components import COMPONENTS

    enabled = [m.name for c in COMPONENTS if c.enabled(config) for m in c.metrics]
    names = [m for m in enabled if m in summary] + [m for m in summary if m not in enabled]
    return [m for m in names if everything or _defined(summary[m])]


def _defined(stats: dict[str, float]) -> bool:
    return any(isinstance(v, float) and not math.isnan(v) for v in stats.values())


def _print_summary(result, all_metrics: bool, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from sim.components import METRICS

    summary = result.summary()
    names = ordered_metrics(result.config, summary, all_metrics)
    title = f"{result.scenario}  seed={result.seed}  steps={result.steps}"
    table = Table("metric", "final", "mean", "unit", title=Text(title))
    for name in names:
        s = summary[name]
        table.add_row(Text(name), f"{s['final']:.4g}", f"{s['mean']:.4g}", Text(METRICS[name].unit))
    console = Console()
    console.print(table)
    hidden = len(summary) - len(names)
    if hidden:
        console.print(f"{hidden} metrics undefined in this run not shown (--all-metrics)")
    if out is not None:
        console.print(Text(f"time series written to {out}"))
