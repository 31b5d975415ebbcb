"""What Compare draws from its runs: the figures (the analysis registry's own `data()` and
`draw()`), the headline table and the notes, with the same functions `instalign compare`
uses (`analysis.comparison`), so both give the same numbers. A figure that no arm can show
is hidden and the reason given; a metric an arm does not record is named, never replaced."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from analysis import comparison
from analysis.arms import BASELINE, identical
from dashboard import arms, views
from dashboard.context import Context
from dashboard.runs import seeds_for
from dashboard.state import CompareState

VIEWS = {  # card -> (analysis figure, title)
    "effects": ("paired_effects", "Paired differences against the baseline (95% CI)"),
    "ts": ("metrics_over_time", "Metrics over time by arm (live while running)"),
    "goodhart": ("goodhart_frontier", "Goodhart frontier: approval against welfare"),
    "safety": ("oversight_pareto", "Safety against usefulness and oversight cost"),
}
HIDDEN = {"display": "none"}


@dataclass
class Drawn:
    state: CompareState  # with the metrics actually shown
    figures: list[Any]
    specs: list[Any]
    styles: list[Any]
    rows: list[dict[str, Any]]
    notes: list[str]


def frames_of(state: CompareState, ctx: Context):
    """Frames of every arm's cached runs on the shared seeds (NotCached if one is missing)."""
    from analysis.data import frames

    configs = arms.configs(state)
    seeds = seeds_for(configs[BASELINE], state.reps)
    runs = {n: [views.cached(ctx, c, s).result(c) for s in seeds] for n, c in configs.items()}
    return frames(runs), configs


def build(state: CompareState, ctx: Context) -> Drawn:
    """Every card's figure and spec (hidden when it cannot be drawn), the headline rows and
    the notes: identical arms, metrics not recorded, figures not shown."""
    f, configs = frames_of(state, ctx)
    wanted = list(state.metrics) or views.default_metrics(f.metrics)
    chosen, notes = comparison.choose(f, wanted)
    shown = replace(state, metrics=tuple(chosen))
    source = {"kind": "arms", "search": replace(state, metrics=()).to_search()}
    options = {
        "effects": {"metrics": chosen, "by": "arm", "control": BASELINE},
        "ts": {"metrics": chosen, "by": "arm"},
    }
    out = Drawn(shown, [], [], [], [], [*identical(configs).values(), *notes])
    for key, (fig, title) in VIEWS.items():
        spec = views.spec(fig, source, **options.get(key, {}))
        _card(out, key, title, spec, f)
    return out


def _card(out: Drawn, key: str, title: str, spec: dict, f) -> None:
    try:
        df, fig = views.build(spec, None, f)
    except views.ViewError as err:
        out.figures.append(views.note(str(err)))
        out.specs.append(None)
        out.styles.append(HIDDEN)
        out.notes.append(f"not shown: {err}")
        return
    fig = comparison.unclipped(fig) if VIEWS[key][0] in comparison.LABELLED else fig
    out.figures.append(views.screen(fig))
    out.specs.append(spec)
    out.styles.append({})
    if key == "effects":
        out.rows = comparison.headline(df)


def live(series: dict[str, list], metrics) -> Any:
    """The metrics over time by arm from the runs so far (finished and partial series)."""
    from analysis.data import frames

    f = frames({name: runs for name, runs in series.items() if runs})
    wanted = [m for m in metrics or [] if m in f.series_metrics]
    wanted = wanted or views.default_metrics(f.series_metrics)
    by = "arm" if "arm" in f.design else None
    spec = views.spec("metrics_over_time", {"kind": "arms", "search": ""}, metrics=wanted, by=by)
    return views.show(spec, None, f)[0]


def reproduce(state: CompareState) -> tuple[str, str]:
    """The command that rebuilds this comparison and the file it reads (what Save writes)."""
    cmd = (
        "# save the YAML below as comparison.yaml (or use Save: results/comparisons/NAME.yaml)\n"
        "instalign compare comparison.yaml --out compare-figures --format png,svg"
    )
    return cmd, arms.comparison(state).to_yaml()
