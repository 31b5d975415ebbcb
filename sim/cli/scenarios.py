"""`instalign scenarios` and `instalign describe`."""

from __future__ import annotations

import json
import re

import typer
from rich.console import Console
from rich.table import Table

from sim.params import PARAMS
from sim.scenario import discover, from_mapping, load, read_yaml


def _format(value) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def first_sentence(text: str) -> str:
    """The first sentence of a description (its one-line summary)."""
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0] if text else ""


def scenarios(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the built-in scenarios: id and one-line description."""
    rows = []
    for sid, path in discover().items():
        cfg = from_mapping(read_yaml(path), str(path))
        rows.append(
            {
                "id": sid,
                "description": cfg.title or first_sentence(cfg.description),
                "file": str(path),
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "description", box=None)
    for row in rows:
        table.add_row(row["id"], row["description"])
    Console().print(table)


def describe(
    scenario: str = typer.Argument(..., help="Scenario id or path to a YAML file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every parameter of a scenario: value, default, range, unit and description."""
    cfg = load(scenario)
    rows = [
        {
            "path": k,
            "value": _format(cfg[k]),
            "default": _format(p.default),
            "allowed": p.allowed(),
            "unit": p.unit,
            "description": p.description,
        }
        for k, p in PARAMS.items()
    ]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "id": cfg.id,
                    "description": cfg.description,
                    "references": list(cfg.references),
                    "parameters": rows,
                },
                indent=2,
            )
        )
        return
    console = Console()
    console.print(f"[bold]{cfg.id}[/bold]  ({cfg.source})\n{cfg.description}")
    table = Table(
        "parameter", "value", "default", "allowed", "unit", "description", show_lines=False
    )
    for r in rows:
        style = "bold" if r["value"] != r["default"] else None
        table.add_row(
            r["path"],
            r["value"],
            r["default"],
            r["allowed"],
            r["unit"],
            r["description"],
            style=style,
        )
    console.print(table)
    for ref in cfg.references:
        console.print(f"  - {ref}")


def register(app: typer.Typer) -> None:
    app.command("scenarios")(scenarios)
    app.command("describe")(describe)
