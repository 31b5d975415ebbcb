"""`instalign sweep SPEC.yaml --out DIR` and `instalign rerun DIR RUN_ID`.

Exit codes of `sweep`: 0 every run done; 2 bad input (spec, folder, executor), nothing
written; 3 a worker process died (finished runs kept: `--resume` completes the sweep);
4 the store stopped taking results (a full disk: free space, then `--resume`);
10 + n when n runs failed (n capped at 99; see failures.parquet); 130 stopped by Ctrl-C.
`rerun` exits 0 when the run is reproduced bit for bit, 1 when it differs.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer

from sim.cli.checks import check_store, executor_options, output_dir, output_file, text_file
from sim.cli.inputs import reading
from sim.errors import ConfigError

SERIES_SUFFIXES = (".parquet", ".csv")
EXIT_INCOMPLETE, EXIT_FAILED_BASE, EXIT_INTERRUPTED = 3, 10, 130


def sweep(
    spec: Path = typer.Argument(..., help="Sweep spec (YAML), e.g. scenarios/sweeps/demo.yaml."),
    out: Path = typer.Option(..., "--out", help="Store folder (created; see docs/sweeps.md)."),
    executor: str = typer.Option("processes", "--executor", help="sequential|processes|dask."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Worker processes (default: cores)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (dask only)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Complete a sweep in DIR: missing/failed."),
    max_runs: int | None = typer.Option(None, "--max-runs", min=1, help="Run at most K runs now."),
    flush_seconds: float = typer.Option(2.0, "--flush-seconds", help="Write results this often."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Run a parameter sweep headless into a resumable Parquet store."""
    _check_sweep_inputs(spec, out, executor, scheduler)
    from rich.console import Console

    from sim.sweep.runner import progress_bar, run_sweep

    console = Console(stderr=True)
    report, manifest = run_sweep(
        spec, out, executor, workers, scheduler, resume, max_runs, flush_seconds,
        progress_bar(console, quiet),
    )  # fmt: skip
    c = manifest["counts"]
    console.print(
        f"{manifest['sweep']}: {c['done']}/{c['total']} runs done, {c['failed']} failed, "
        f"{c['missing']} missing ({report.ran} ran now) -> {out}",
        markup=False,
    )
    if report.reason:
        reason = f"{report.reason}; run again with --resume to complete"
        console.print(reason, style="yellow", markup=False)
    raise typer.Exit(_exit_code(report.status, c["failed"]))


def _check_sweep_inputs(spec: Path, out: Path, executor: str, scheduler: str | None) -> None:
    """The spec reads and validates, --out can hold a store and the executor exists, before
    anything is written (`run_sweep` then checks the store's content: another sweep, not
    empty; it opens the executor only after creating the store)."""
    executor_options(executor, scheduler)
    from sim.sweep.executors import prestart

    prestart(executor, scheduler)  # the workers' imports overlap the checks below
    text_file(spec, "a sweep spec YAML file (UTF-8)")
    output_dir(out, "--out")
    from sim.sweep.spec import load_spec

    with reading(str(spec)):
        load_spec(spec)


def _exit_code(status: str, failed: int) -> int:
    if status == "interrupted":
        return EXIT_INTERRUPTED
    if status == "incomplete":
        return EXIT_INCOMPLETE
    return EXIT_FAILED_BASE + min(failed, 99) if failed else 0


def rerun(
    store_dir: Path = typer.Argument(..., metavar="DIR", help="A sweep store."),
    run_id: int = typer.Argument(..., min=0, help="The run to reproduce (a run id >= 0)."),
    out: Path | None = typer.Option(None, "--out", help="Write its full series (.parquet/.csv)."),
) -> None:
    """Reproduce one run of a sweep and check it bit for bit against the store."""
    check_store(store_dir, "DIR")
    if out is not None:
        output_file(out, "--out", SERIES_SUFFIXES)
    from rich.console import Console

    from sim.sweep import plan
    from sim.sweep.results import load
    from sim.sweep.task import execute

    res = load(store_dir)
    ids = res.design["run_id"].tolist()
    if run_id not in set(ids):
        raise ConfigError(
            f"no run {run_id}", source=str(store_dir), path="RUN_ID", allowed=_id_range(ids)
        )
    task = next(plan.tasks(res.manifest, res.design, [run_id], str(store_dir / "manifest.json")))
    if out is not None and task.tail is not None:
        raise ConfigError(
            "a tail sweep's run is one tail estimate, with no time series to write",
            source="--out",
            allowed="rerun without --out",
        )
    outcome = execute(task, every=1)
    console = Console(highlight=False, markup=False)
    if not outcome.ok:
        console.print(f"run {run_id} failed: {outcome.error}")
        raise typer.Exit(1)
    if out is not None:
        _write_series(task, outcome, out)
        console.print(f"full time series written to {out}")
    diffs, compared = _compare(res, run_id, outcome)
    if compared == 0:
        console.print(f"run {run_id} has no stored result to compare (it failed or is missing)")
        raise typer.Exit(1)
    for line in diffs[:20]:
        console.print(line, style="red")
    verdict = "differs from" if diffs else "reproduces bit for bit"
    console.print(f"run {run_id} (seed {task.seed}) {verdict} the store ({compared} values)")
    raise typer.Exit(1 if diffs else 0)


def _id_range(ids: list[int]) -> str:
    return f"{min(ids)}..{max(ids)}" if ids else "none: the store has no runs"


def _write_series(task, outcome, out: Path) -> None:
    import pandas as pd

    from sim.run import RunResult

    series = pd.DataFrame(outcome.series)
    RunResult(task.config, task.seed, int(task.config["steps"]), series).write(out)


def _compare(res, run_id: int, outcome) -> tuple[list[str], int]:
    """Differences between the rerun and the stored summary row, series and event tables
    of `run_id`."""
    import numpy as np
    import pandas as pd

    row = res.summary[res.summary["run_id"] == run_id]
    if not len(row):
        return [], 0
    pairs = [(key, row[key].iloc[0], value) for key, value in outcome.summary.items()]
    if res.series is not None and outcome.series is not None:
        stored = res.series.frame([run_id]).set_index("step")
        fresh = pd.DataFrame(outcome.series).set_index("step")
        for metric in res.metrics:
            for step, value in stored[metric].items():
                pairs.append((f"{metric} at step {step}", value, fresh[metric].get(step, np.nan)))
    diffs = [f"{k}: stored {a!r}, rerun {b!r}" for k, a, b in pairs if not _same(a, b)]
    more, n = _compare_events(res, run_id, outcome.tables)
    return diffs + more, len(pairs) + n


def _compare_events(res, run_id: int, tables: dict) -> tuple[list[str], int]:
    """Differences between the rerun's event tables and the stored ones (exact values)."""
    import pandas as pd

    diffs, n = [], 0
    for name in res.event_tables:
        stored = res.events(name, [run_id], design=False)
        if run_id not in stored.attrs["runs"]:
            continue  # this run's part is lost or the table is not this run's
        stored = stored.drop(columns="run_id").reset_index(drop=True)
        fresh = tables.get(name, pd.DataFrame()).reset_index(drop=True)
        n += stored.size
        try:
            pd.testing.assert_frame_equal(fresh, stored, check_exact=True, check_dtype=False)
        except AssertionError as err:
            diffs.append(f"event table {name}: " + " ".join(str(err).split())[:300])
    return diffs, n


def _same(a, b) -> bool:
    """Bit-for-bit equality of two float64 values (NaN equals NaN); text (a tail sweep's
    method and status) compares as text."""
    import numpy as np

    if isinstance(a, str) or isinstance(b, str):
        return a == b
    a, b = np.float64(a), np.float64(b)
    return a.tobytes() == b.tobytes() or (math.isnan(a) and math.isnan(b))
