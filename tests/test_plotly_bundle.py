"""The dashboard's partial plotly.js bundle (dashboard/assets/plotly-instalign.min.js, built by
`make plotly-bundle` from scripts/plotly-bundle) holds every trace type any figure draws:
each figure module is drawn on every source that supports it (the synthetic sweeps of each
design kind, a Goodhart curve, and a small full-institution run's snapshot for the agent
views) and its trace types must be among those the bundle registers. Its plotly.js version
is the one plotly.py writes figures for. (tests/test_browser_explore.py checks that the page
really loads this bundle and that plotly.js registers these types.)"""

from __future__ import annotations

import re
from pathlib import Path

from test_figure_design import DESIGNS, goodhart, sweep
from test_figures_data import draw_sources

from analysis import snapshots
from analysis.figures import FIGURES, Unavailable
from dashboard.runs import execute
from sim.scenario import load

BUNDLE = Path(__file__).resolve().parent.parent / "dashboard/assets/plotly-instalign.min.js"
SNAPSHOT_FIGURES = ("voter_map", "bureaucracy_tree", "oversight_funnel")


def bundle_header() -> tuple[str, set[str]]:
    """(plotly.js version, trace types) from the bundle's first line (written by build.js)."""
    with BUNDLE.open() as fh:
        head = fh.readline()
    found = re.match(r"/\* plotly\.js v(\S+) .*traces ([a-z0-9,]+)\.", head)
    assert found, f"{BUNDLE.name}: no build header in {head[:120]!r}"
    return found.group(1), set(found.group(2).split(","))


def drawn_types() -> dict[str, set[str]]:
    """{figure: the trace types it drew} over every source that supports each figure."""
    sources = [goodhart(), *(sweep(v) for v in DESIGNS.values()), *draw_sources()]
    out: dict[str, set[str]] = {name: set() for name in FIGURES}
    for name, mod in FIGURES.items():
        if name in SNAPSHOT_FIGURES:
            continue
        for f in sources:
            if mod.NEEDS.missing(f) is not None:
                continue
            try:
                fig = mod.draw(mod.data(f))
            except Unavailable:
                continue
            out[name] |= {t.type or "scatter" for t in fig.data}
    run = execute(load("full_institution-v1", {"steps": 12, "electorate.n_voters": 300}), 3, 12)
    for name in SNAPSHOT_FIGURES:
        for step in snapshots.steps(run.snapshot):
            fig = FIGURES[name].draw(FIGURES[name].data(run.snapshot, step=step))
            out[name] |= {t.type or "scatter" for t in fig.data}
    return out


def test_the_bundle_registers_every_trace_type_a_figure_draws():
    import plotly.offline

    version, registered = bundle_header()
    assert version == plotly.offline.get_plotlyjs_version()  # the figures' plotly.js
    types = drawn_types()
    assert all(types.values()), (
        f"figures drawn on no source: {[k for k, v in types.items() if not v]}"
    )
    missing = {name: t - registered for name, t in types.items() if t - registered}
    assert not missing, (
        f"trace types not in the bundle (add them to scripts/plotly-bundle): {missing}"
    )
    assert set().union(*types.values()) == registered, "the bundle holds types no figure draws"
