"""`instalign design SPEC --out DIR`: robust multi-objective search over institutional designs
(issue 15; sim/design/search.py). Every check (the spec, the folder, the executor, the budget)
comes before anything runs or is written: a bad spec is one line and exit 2 (a constraint
outside its metric's range included). Exit 0 when the search and the front's re-evaluation are
done; 4 when no evaluated design met the constraints; 130 when stopped (Ctrl-C), and
`--resume` continues without losing a finished run.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.cli.checks import executor_options, output_dir, text_file
from sim.cli.inputs import reading

EXIT_INTERRUPTED, EXIT_INFEASIBLE = 130, 4


def design(
    spec: Path = typer.Argument(..., help="Design spec (YAML), e.g. scenarios/designs/x.yaml."),
    out: Path = typer.Option(..., "--out", help="Store folder (created; see docs/design.md)."),
    budget: int | None = typer.Option(
        None, "--budget", min=1, help="Design evaluations (default: the spec's search.evaluations)."
    ),
    executor: str = typer.Option("processes", "--executor", help="sequential|processes|dask."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (dask only)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the search stored in DIR."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines."),
) -> None:
    """Search the levers of a design spec for designs that hold up across its worlds."""
    executor_options(executor, scheduler)
    text_file(spec, "a design spec YAML file (UTF-8)")
    output_dir(out, "--out")
    from rich.console import Console

    from sim.design.search import Interrupted, run_design
    from sim.design.spec import load_design

    with reading(str(spec)):
        load_design(spec)
    console = Console(stderr=True)

    def shown(gen: int, done: int, total: int) -> None:
        if not quiet:
            console.print(f"generation {gen}: {done}/{total} design evaluations", markup=False)

    try:
        manifest = run_design(spec, out, executor, workers, scheduler, budget, resume, shown)
    except Interrupted as err:
        console.print(f"stopped: {err}; run again with --resume to continue", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    front = manifest.get("front", 0)
    console.print(
        f"{manifest['id']}: search done, {front} designs on the front -> {out}", markup=False
    )
