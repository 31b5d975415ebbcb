"""Commands of the analysis package (`instalign figures`, `instalign report`), registered
through the `instalign.commands` entry point.

`figures` writes the standard figure set a sweep supports, and the data behind each figure as
CSV. A partial store (failed or missing runs, a metric not recorded) makes what it can and
says what it could not; a folder that is not a sweep store is a ConfigError (exit 2). Exit 1
when no figure could be made or a figure failed.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from analysis.build import Built, build, check_names
from sim.errors import ConfigError


def _formats(text: str) -> list[str]:
    from analysis.export import FORMATS

    out = [t.strip().lower() for t in text.split(",") if t.strip()]
    bad = [t for t in out if t not in FORMATS]
    if bad or not out:
        raise ConfigError(
            f"unknown format {', '.join(bad) or text!r}",
            source="--format",
            allowed=",".join(FORMATS),
        )
    return out


def _only(items: list[str] | None) -> list[str] | None:
    names = [n.strip() for item in items or [] for n in item.split(",") if n.strip()]
    return check_names(names)


def _report(console: Console, f, built: Built, asked: list[str] | None = None) -> int:
    """Print notes, skipped and failed figures; the exit code: 1 when a figure failed, none
    was made, or a figure named with --only could not be made."""
    for note in f.notes:
        console.print(f"[yellow]note:[/] {note}")
    for name, why in built.skipped.items():
        console.print(f"[dim]skipped {name}: {why}[/]")
    for name, why in built.errors.items():
        console.print(f"[red]failed {name}:[/] {why}")
    if not built.figures:
        console.print("[red]no figure could be made from this store[/]")
    missed = [n for n in asked or [] if n not in built.figures]
    return 1 if built.errors or not built.figures or missed else 0


def figures(
    store_dir: Path = typer.Argument(..., metavar="DIR", help="A sweep store (instalign sweep)."),
    out: Path = typer.Option(..., "--out", help="Folder for the figure files."),
    fmt: str = typer.Option("png", "--format", help="Comma-separated: png,svg,pdf."),
    only: list[str] | None = typer.Option(None, "--only", help="Only these figures (repeat)."),
    caption: bool = typer.Option(True, "--caption/--no-caption", help="Provenance caption line."),
    outcome: str | None = typer.Option(
        None, "--outcome", help="Scenario discovery outcome, e.g. 'catastrophes > 0'."
    ),
) -> None:
    """Build the standard figure set a sweep supports (PNG at print resolution, SVG, PDF)."""
    from analysis import export, metadata
    from analysis.storeio import open_store

    formats, names = _formats(fmt), _only(only)
    console = Console(stderr=True)
    f = open_store(store_dir)
    built = build(f, names, outcome)
    paths = export.export(built.figures, out, formats, metadata.provenance(f), caption)
    for name, df in built.data.items():
        _csv(df, out / f"{name}.csv")
    for path in paths:
        console.print(f"wrote {path}")
    raise typer.Exit(_report(console, f, built, names))


def _csv(df, path: Path) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    df.to_csv(tmp, index=False)
    tmp.replace(path)


def report(
    store_dir: Path = typer.Argument(..., metavar="DIR", help="A sweep store (instalign sweep)."),
    out: Path = typer.Option(Path("report.html"), "--out", help="The HTML file to write."),
    outcome: str | None = typer.Option(
        None, "--outcome", help="Scenario discovery outcome, e.g. 'catastrophes > 0'."
    ),
) -> None:
    """Write one self-contained HTML report (opens offline) for a sweep store."""
    from analysis import report as rep
    from analysis.storeio import open_store

    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(
            "the report is HTML: --out must end in .html", source="--out", path=str(out)
        )
    console = Console(stderr=True)
    f = open_store(store_dir)
    built = rep.write(f, store_dir, out, outcome)
    console.print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {len(built.figures)} figures)")
    raise typer.Exit(_report(console, f, built))


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the `instalign` app."""
    app.command("figures")(figures)
    app.command("report")(report)
