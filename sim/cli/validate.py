"""`instalign validate`: reproduce the literature's anchors through the simulator."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from sim.validate import run_anchors


def _fmt(x) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _print_table(rows: list[dict], failed: int) -> None:
    """One table per anchor, titled with its id, title and source."""
    console = Console(width=max(Console().width, 120))
    for aid in dict.fromkeys(r["anchor"] for r in rows):
        group = [r for r in rows if r["anchor"] == aid]
        title = f"[bold]{aid}[/bold]  {group[0]['title']}  ({group[0]['source']})"
        table = Table(
            "check",
            "expected",
            "measured",
            "tolerance",
            "verdict",
            title=title,
            title_justify="left",
        )
        for r in group:
            verdict = "[green]pass[/green]" if r["passed"] else "[red]FAIL[/red]"
            table.add_row(
                r["label"], _fmt(r["expected"]), _fmt(r["measured"]), r["tolerance"], verdict
            )
        console.print(table)
    console.print(f"{len(rows) - failed} passed, {failed} failed")


def validate(
    as_json: bool = typer.Option(False, "--json", help="Print JSON rows."),
    only: list[str] = typer.Option([], "--only", help="Anchor id (repeatable), e.g. A1."),
) -> None:
    """Run the anchors (ANCHORS.md) and print expected, measured, tolerance and verdict.
    Exits 1 if any check fails."""
    rows = run_anchors(only or None)
    failed = sum(not r["passed"] for r in rows)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=float))
    else:
        _print_table(rows, failed)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
