"""`instalign validate`: reproduce the literature's anchors through the simulator."""

from __future__ import annotations

import typer


def _fmt(x) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _print_table(rows: list[dict], failed: int) -> None:
    """One table per anchor, titled with its id, title and source."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=max(Console().width, 120))
    for aid in dict.fromkeys(r["anchor"] for r in rows):
        group = [r for r in rows if r["anchor"] == aid]
        title = Text(aid, style="bold") + Text(f"  {group[0]['title']}  ({group[0]['source']})")
        table = Table(title=title, title_justify="left")
        for column in ("check", "expected", "measured", "tolerance", "verdict"):
            table.add_column(column)
        for r in group:
            verdict = Text("pass", style="green") if r["passed"] else Text("FAIL", style="red")
            cells = (r["label"], _fmt(r["expected"]), _fmt(r["measured"]), str(r["tolerance"]))
            table.add_row(*map(Text, cells), verdict)
        console.print(table)
    console.print(f"{len(rows) - failed} passed, {failed} failed")


def anchor_ids(only: list[str]) -> list[str]:
    """The anchors to run: `only` (checked, with the closest id on a typo) or all of them."""
    from sim.errors import unknown_name
    from sim.validate import ANCHORS

    ids = [a.strip() for item in only for a in item.split(",") if a.strip()] or list(ANCHORS)
    for aid in ids:
        if aid not in ANCHORS:
            raise unknown_name("anchor", aid, ANCHORS, source="--only")
    return list(dict.fromkeys(ids))


def run_groups(ids: list[str], quiet: bool = False) -> list[dict]:
    """The check rows of each anchor in `ids`, with progress per anchor group on stderr."""
    from sim.progress import Progress
    from sim.validate import run_anchors

    rows: list[dict] = []
    with Progress(len(ids), "validate", "anchors", quiet=quiet) as progress:
        for aid in ids:
            group = run_anchors([aid])
            rows += group
            progress.advance(failed=int(any(not r["passed"] for r in group)))
    return rows


def validate(
    as_json: bool = typer.Option(False, "--json", help="Print JSON rows."),
    only: list[str] = typer.Option([], "--only", help="Anchor id (repeatable or A1,A2), e.g. A1."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress on stderr."),
) -> None:
    """Run the anchors (ANCHORS.md) and print expected, measured, tolerance and verdict.

    Exits 1 if any check fails. Progress per anchor on stderr."""
    rows = run_groups(anchor_ids(only), quiet)
    failed = sum(not r["passed"] for r in rows)
    if as_json:
        from sim.cli.jsonout import dumps

        typer.echo(dumps(rows))
    else:
        _print_table(rows, failed)
    if failed:
        raise typer.Exit(1)
