"""Commands of the analysis package (`instalign figures`, `instalign report`), registered
through the `instalign.commands` entry point. Importing this module is cheap (typer only):
pandas, plotly and the figure registry are imported when a command runs.

`figures` writes the standard figure set a sweep supports, and the data behind each figure as
CSV. A partial store (failed or missing runs, a metric not recorded) makes what it can and
says what it could not; a folder that is not a sweep store, a bad option or an output path
that cannot be written is a ConfigError (exit 2, nothing written). Exit 1 when no figure
could be made or a figure failed. `--metrics` and `--by` choose what every figure that
compares metrics across a factor shows (default: the recorded metrics defined in every arm,
compared across the sweep's interventions or its grid axis with fewest levels). Every other
factor the sweep varied is kept apart (one line, colour or row per design point), so each CI
is over the replications of one design point; `--pool` averages over those factors instead,
and the figure says so. `--finding` prints each figure's one-line result as its subtitle.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.cli.checks import check_store, output_dir, output_file
from sim.errors import ConfigError

METRICS_HELP = "Comma-separated metrics to show (default: recorded, defined in every arm)."
BY_HELP = "Factor to compare/facet by: a varied parameter, intervention or scenario."
OUTCOME_HELP = "Scenario discovery outcome, e.g. 'catastrophes > 0'."
POOL_HELP = "Average over the varied factors a figure would keep apart (CIs then span them)."
FINDING_HELP = "Print each figure's one-line result as its subtitle."
OBJECTIVE_HELP = "Objective of the regret heatmap (a metric of the spec; default: the first)."


def _names(items: list[str] | None) -> list[str]:
    """Repeatable, comma-separated option values as one list."""
    return [n.strip() for item in items or [] for n in item.split(",") if n.strip()]


def _only(items: list[str] | None) -> list[str] | None:
    from analysis.build import check_names

    return check_names(_names(items))


def _open(store_dir: Path, metrics: list[str] | None, by: str | None):
    """The store's frames, with `--metrics` and `--by` checked against it."""
    from analysis.build import check_factor, check_metrics
    from analysis.storeio import open_store

    f = open_store(store_dir)
    return f, check_metrics(f, _names(metrics)), check_factor(f, by)


def _build(f, names, outcome, metrics, by, label: str, pool=False, subtitle=False):
    """The figures, with progress per figure on stderr."""
    from analysis.build import build
    from sim.progress import Progress

    with Progress(0, label, "figures") as progress:
        return build(
            f, names, outcome, metrics=metrics, by=by, progress=progress, pool=pool,
            subtitle=subtitle,
        )  # fmt: skip


def _report(console, f, built, asked: list[str] | None = None) -> int:
    """Print notes, skipped and failed figures; the exit code: 1 when a figure failed, none
    was made, or a figure named with --only could not be made."""
    for note in f.notes:
        console.print(f"[yellow]note:[/] {_esc(note)}")
    for name, why in built.skipped.items():
        console.print(f"[dim]skipped {name}: {_esc(why)}[/]")
    for name, why in built.errors.items():
        console.print(f"[red]failed {name}:[/] {_esc(why)}")
    if not built.figures:
        console.print("[red]no figure could be made from this store[/]")
    missed = [n for n in asked or [] if n not in built.figures]
    return 1 if built.errors or not built.figures or missed else 0


def _esc(text) -> str:
    from rich.markup import escape

    return escape(str(text))


def figures(
    store_dir: Path = typer.Argument(..., metavar="DIR", help="A sweep store (instalign sweep)."),
    out: Path = typer.Option(..., "--out", help="Folder for the figure files."),
    fmt: str = typer.Option("png", "--format", help="Comma-separated: png,svg,pdf."),
    only: list[str] | None = typer.Option(None, "--only", help="Only these figures (repeat)."),
    caption: bool = typer.Option(True, "--caption/--no-caption", help="Provenance caption line."),
    outcome: str | None = typer.Option(None, "--outcome", help=OUTCOME_HELP),
    metrics: list[str] | None = typer.Option(None, "--metrics", help=METRICS_HELP),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    pool: bool = typer.Option(False, "--pool", help=POOL_HELP),
    finding: bool = typer.Option(False, "--finding", help=FINDING_HELP),
) -> None:
    """Build the standard figure set a sweep supports (PNG at print resolution, SVG, PDF)."""
    from rich.console import Console

    from analysis.export import parse_formats

    output_dir(out, "--out")
    check_store(store_dir)
    formats, names = parse_formats(fmt), _only(only)
    f, metrics, by = _open(store_dir, metrics, by)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    built = _build(f, names, outcome, metrics, by, "figures", pool, finding)
    paths = _export(f, built, out, formats, caption)
    for path in paths:
        console.print(f"wrote {_esc(path)}")
    raise typer.Exit(_report(console, f, built, names))


def _export(f, built, out: Path, formats: list[str], caption: bool) -> list[Path]:
    """Write every figure in every format, and the data behind each as CSV."""
    from analysis import export, metadata
    from sim.progress import Progress

    files = len(built.figures) * len(formats)
    with Progress(files, "figures: export", "files") as progress:
        paths = export.export(built.figures, out, formats, metadata.provenance(f), caption)
        progress.advance(len(paths))
    for name, df in built.data.items():
        _csv(df, out / f"{name}.csv")
    return paths


def _csv(df, path: Path) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    df.to_csv(tmp, index=False)
    tmp.replace(path)


def report(
    store_dir: Path = typer.Argument(..., metavar="DIR", help="A sweep store (instalign sweep)."),
    out: Path = typer.Option(Path("report.html"), "--out", help="The HTML file to write."),
    outcome: str | None = typer.Option(None, "--outcome", help=OUTCOME_HELP),
    metrics: list[str] | None = typer.Option(None, "--metrics", help=METRICS_HELP),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    pool: bool = typer.Option(False, "--pool", help=POOL_HELP),
) -> None:
    """Write one self-contained HTML report (opens offline) for a sweep store."""
    from rich.console import Console

    if out.suffix.lower() not in (".html", ".htm") and not out.is_dir():
        raise ConfigError(
            "the report is HTML: --out must end in .html", source="--out", path=str(out)
        )
    output_file(out, "--out")
    check_store(store_dir)
    f, metrics, by = _open(store_dir, metrics, by)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    built = _build(f, None, outcome, metrics, by, "report", pool)
    _write_report(f, built, store_dir, out)
    size = out.stat().st_size / 1e6
    console.print(f"wrote {_esc(out)} ({size:.1f} MB, {len(built.figures)} figures)")
    raise typer.Exit(_report(console, f, built))


def _write_report(f, built, store_dir: Path, out: Path) -> None:
    """The report page, written atomically (what `analysis.report.write` does, on figures
    built here with the user's --metrics/--by and progress)."""
    from analysis.report import render

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{out.name}")
    tmp.write_text(render(f, built, store_dir, out), encoding="utf-8")
    tmp.replace(out)


def design_figures(
    store_dir: Path = typer.Argument(..., metavar="DIR", help="A design store (instalign design)."),
    out: Path = typer.Option(..., "--out", help="Folder for the figure files."),
    fmt: str = typer.Option("png", "--format", help="Comma-separated: png,svg,pdf."),
    only: list[str] | None = typer.Option(None, "--only", help="Only these figures (repeat)."),
    objective: str | None = typer.Option(None, "--objective", help=OBJECTIVE_HELP),
    caption: bool = typer.Option(True, "--caption/--no-caption", help="Provenance caption line."),
) -> None:
    """Figures of a design store: Pareto front, levers and objectives, regret, convergence."""
    from rich.console import Console

    from analysis import design_figures as dfig
    from analysis.export import parse_formats

    output_dir(out, "--out")
    formats, names = parse_formats(fmt), dfig.check_names(_names(only))
    store = dfig.open_design(store_dir)
    built = dfig.build(store, names, dfig.check_objective(store, objective))
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for path in dfig.export(built, store, out, formats, caption):
        console.print(f"wrote {_esc(path)}")
    for name, why in built.skipped.items():
        console.print(f"[dim]skipped {name}: {_esc(why)}[/]")
    raise typer.Exit(1 if built.skipped or not built.figures else 0)


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the `instalign` app."""
    from analysis import comparison, earned_run

    app.command("figures")(figures)
    app.command("report")(report)
    comparison.register(app)
    app.command("findings")(earned_run.findings)
    app.command("design-figures")(design_figures)
