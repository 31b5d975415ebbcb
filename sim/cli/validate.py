"""`instalign validate`: reproduce the literature's anchors through the simulator."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from sim.validate import run_anchors


def _fmt(x) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


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
        table = Table("anchor", "check", "source", "expected", "measured", "tolerance", "verdict")
        for r in rows:
            verdict = "[green]pass[/green]" if r["passed"] else "[red]FAIL[/red]"
            table.add_row(
                r["anchor"],
                r["label"],
                r["source"],
                _fmt(r["expected"]),
                _fmt(r["measured"]),
                r["tolerance"],
                verdict,
            )
        Console().print(table)
        Console().print(f"{len(rows) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
