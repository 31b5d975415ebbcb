"""`instalign compare FILE.yaml`: rebuild the Compare page's comparison from its saved file.

The file is what the page's Save button writes (`analysis.arms`). Every field is checked
first (one line naming it, exit 2, nothing run). Then every arm runs on the seeds the page
uses (`arms.seeds`: common random numbers), the figures are the page's (`FIGURES`, through
`analysis.build`, the same `data()`/`draw()`), written with their provenance, and the
headline table is printed: per metric, each arm's paired difference from the baseline with
its 95% CI and a plain verdict. The page computes its table with these same functions, so
the numbers agree to the last digit (a test checks 1e-12).

Metrics are honest: a metric an arm does not record is reported by name and arm, never
replaced by another one. Importing this module is cheap (typer only: it is registered on
the `instalign` app at start-up); the model and pandas are imported when the command runs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from analysis.arms import Comparison

FIGURES = ("paired_effects", "goodhart_frontier", "oversight_pareto", "metrics_over_time")
LABELLED = ("goodhart_frontier", "oversight_pareto")  # figures whose points carry arm names
PAD = 0.12  # share of an axis span added each side when points carry text labels
SPOTS = ("top left", "top right", "bottom left", "bottom right")  # label places, by x order
EFFECTS = "paired_effects"
NO_CHANGE = "no detectable change"


def run_arms(comp: Comparison, on_run: Callable[[], None] | None = None) -> dict[str, list]:
    """`RunResult`s of every arm on the shared seeds, through `sim.run.run` (what `instalign
    run --seed S` does), in the order of `comp.configs()`."""
    from analysis.arms import BASELINE, seeds
    from sim.run import run

    configs = comp.configs()
    shared = seeds(configs[BASELINE], comp.reps)
    out: dict[str, list] = {}
    for name, config in configs.items():
        out[name] = []
        for seed in shared:
            out[name].append(run(config, seed, int(config["steps"])))
            if on_run is not None:
                on_run()
    return out


def recorded(f) -> dict[str, list[str]]:
    """Arm -> the metrics it recorded (a finite end-of-run value in at least one run)."""
    runs = f.runs()
    return {
        arm: [m for m in f.metrics if runs.loc[runs["arm"] == arm, m].notna().any()]
        for arm in f.levels("arm")
    }


def choose(f, wanted: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the wanted metrics some arm records, one note per metric an arm does not record):
    never a silent substitute."""
    have = recorded(f)
    chosen, notes = [], []
    for m in wanted:
        missing = [arm for arm, ms in have.items() if m not in ms]
        if len(missing) == len(have):
            notes.append(f"{m} is not recorded by any arm: not shown")
            continue
        chosen.append(m)
        if missing:
            notes.append(f"{m} is not recorded by {', '.join(missing)}: no effect for it")
    return chosen, notes


def verdict(metric: str, diff: float, lo: float, hi: float) -> str:
    """A plain sentence: raises/lowers when the 95% CI excludes 0, else no detectable change."""
    if not all(math.isfinite(v) for v in (diff, lo, hi)):
        return f"{metric}: not recorded in both arms"
    if diff == lo == hi == 0:
        return f"no change in {metric} (equal in every pair of runs)"
    if lo > 0:
        return f"raises {metric} by {diff:.3g} [{lo:.3g}, {hi:.3g}]"
    if hi < 0:
        return f"lowers {metric} by {-diff:.3g} [{-hi:.3g}, {-lo:.3g}]"
    return f"{NO_CHANGE} in {metric}"


def headline(df) -> list[dict[str, Any]]:
    """One row per metric and arm: the paired difference from the baseline, its 95% CI,
    the pairs it rests on and the verdict."""
    return [
        {
            "metric": r.metric, "arm": str(r.level), "diff": float(r.diff), "lo": float(r.lo),
            "hi": float(r.hi), "n_pairs": int(r.n_pairs),
            "verdict": verdict(r.metric, float(r.diff), float(r.lo), float(r.hi)),
        }
        for r in df.itertuples()
    ]  # fmt: skip


def build(comp: Comparison, runs: Mapping[str, list]) -> tuple[Any, Any, list[str]]:
    """(frames, the built figures, notes) of a comparison's runs."""
    from analysis.arms import identical
    from analysis.build import build as build_figures
    from analysis.data import frames

    f = frames(runs)
    chosen, notes = choose(f, comp.metrics) if comp.metrics else (None, [])
    built = build_figures(f, FIGURES, metrics=chosen, by="arm")
    for name in LABELLED:
        if name in built.figures:
            unclipped(built.figures[name])
    skipped = [f"{n} not drawn: {why}" for n, why in built.skipped.items()]
    return f, built, [*identical(comp.configs()).values(), *notes, *skipped]


def table_text(rows: list[dict[str, Any]]) -> str:
    width = max([len(r["arm"]) for r in rows] + [3])
    return "\n".join(
        f"{r['arm']:<{width}}  {r['diff']:+.3g} [{r['lo']:.3g}, {r['hi']:.3g}]  {r['verdict']}"
        f"  (pairs={r['n_pairs']})"
        for r in rows
    )


def compare(
    file: Path = typer.Argument(..., metavar="FILE.yaml", help="A comparison saved by Compare."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the figures (and CSVs)."),
    fmt: str = typer.Option("png", "--format", help="Comma-separated: png,svg,pdf."),
    as_json: bool = typer.Option(False, "--json", help="Print the headline table as JSON."),
) -> None:
    """Rerun a saved comparison (every arm on the Compare page's seeds), write its figures
    and print the headline table of paired effects."""
    from analysis.arms import read
    from sim.cli.checks import output_dir, text_file

    comp = read(text_file(file, "a comparison YAML file"))
    formats = _formats(fmt)
    if out is not None:
        output_dir(out, "--out")
    runs = _run(comp)
    f, built, notes = build(comp, runs)
    if out is not None:
        _write(f, built, comp, out, formats)
    rows = headline(built.data[EFFECTS]) if EFFECTS in built.data else []
    _print(rows, notes, as_json)
    raise typer.Exit(0 if rows else 1)


def _formats(text: str) -> list[str]:
    from analysis.export import parse_formats

    return parse_formats(text)


def _run(comp: Comparison) -> dict[str, list]:
    from sim.progress import Progress

    with Progress(comp.reps * (1 + len(comp.arms)), "compare", "runs") as progress:
        return run_arms(comp, progress.advance)


def _write(f, built, comp: Comparison, out: Path, formats: list[str]) -> None:
    """Every figure with its provenance (and the comparison it came from), and its data."""
    from analysis import export, metadata

    prov = {**metadata.provenance(f), "comparison": comp.to_data()}
    for path in export.export(built.figures, out, formats, prov, True):
        typer.echo(f"wrote {path}", err=True)
    for name, df in built.data.items():
        tmp = out / f".tmp-{name}.csv"
        df.to_csv(tmp, index=False)
        tmp.replace(out / f"{name}.csv")


def _print(rows: list[dict[str, Any]], notes: list[str], as_json: bool) -> None:
    from sim.cli.jsonout import dumps

    for note in notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(dumps({"effects": rows, "notes": notes}) if as_json else table_text(rows))


def unclipped(fig: Any) -> Any:
    """A figure whose text-labelled points keep their labels inside the plot: each axis they
    use is padded by `PAD` of its span, and points at the same place share one label
    ("baseline = same") instead of printing over each other; a legend entry whose points
    all sit on an earlier entry's (an identical arm) is drawn as a wider ring around them."""
    seen: set = set()
    for trace in fig.data:
        if trace.type != "scatter" or (trace.mode or "") not in ("markers", "markers+text"):
            continue  # a line through points (the Pareto front) is not an arm
        if "text" in trace.mode and trace.text is not None:
            _merge_labels(trace)
            _pad(fig, trace)
        points = {(xa, ya, x, y) for x, y in zip(trace.x, trace.y, strict=True)
                  for xa, ya in [(trace.xaxis, trace.yaxis)]}  # fmt: skip
        if trace.name and points and points <= seen:
            trace.marker.symbol, trace.marker.size = "circle-open", 18
            trace.marker.line.width = 2
        seen |= points
    return fig


def _merge_labels(trace) -> None:
    """Coincident points share one label; the others alternate left/right and above/below
    in order of x, so neighbours' labels do not overprint."""
    labels, first = list(trace.text), {}
    for i, xy in enumerate(zip(trace.x, trace.y, strict=True)):
        j = first.setdefault(xy, i)
        if j != i:
            labels[j], labels[i] = f"{labels[j]} = {labels[i]}", ""
    order = sorted(range(len(labels)), key=lambda i: float(trace.x[i]))
    where = [""] * len(labels)
    for rank, i in enumerate(order):
        where[i] = SPOTS[rank % len(SPOTS)]
    trace.text, trace.textposition = labels, where


def _pad(fig, trace) -> None:
    for axis, values, err in (("x", trace.x, trace.error_x), ("y", trace.y, trace.error_y)):
        lo, hi = _extent(values, err)
        span = (hi - lo) or abs(hi) or 1.0
        name = (getattr(trace, f"{axis}axis") or axis).replace(axis, f"{axis}axis")
        room = 2 * PAD if axis == "y" else PAD  # labels sit above and below their points
        fig.layout[name].range = [lo - room * span, hi + room * span]


def _extent(values, err) -> tuple[float, float]:
    """The smallest and largest value, error bars included (non-finite ones left out)."""
    vals = [float(v) for v in values]
    plus = list(err.array) if err is not None and err.array is not None else [0.0] * len(vals)
    minus = list(err.arrayminus) if err is not None and err.arrayminus is not None else plus
    ends = [v + float(p) for v, p in zip(vals, plus, strict=True)]
    ends += [v - float(m) for v, m in zip(vals, minus, strict=True)] + vals
    finite = [e for e in ends if math.isfinite(e)] or [0.0]
    return min(finite), max(finite)


def register(app) -> None:
    """Add the `compare` command to the `instalign` app."""
    app.command("compare")(compare)
