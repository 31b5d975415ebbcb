"""The Sweeps page in a real headless Chromium (Debian's, through Playwright) against the
production server (gunicorn; its own, on this module's results folder): the response figure
for a demo-like sweep (one line per information level, log pressure axis); interventions on
a phase diagram axis, held factors and the uncertainty view; a click on the PRIM trajectory
selects a box whose limits are drawn and which a reload restores; parallel coordinates; a run
from the table opens in Explore with its exact seed and parameters. Screenshots at 1400 and
390 px go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import ARTIFACTS, browser_marks, drawn, first_line, ran, shoot, traces
from textboxes import boxes, collisions, open_page, outside, size

from sim.sweep import run_sweep
from sim.sweep.runner import progress_bar

pytestmark = browser_marks()

# demo.yaml made tiny: 300 voters, 20 steps, 3 pressures x 2 information levels x 4 reps
DEMO = """\
id: demo_tiny
description: scenarios/sweeps/demo.yaml, made small for the browser tests
scenario: low_information_electorate-v1
set: {electorate: {n_voters: 300}}
steps: 20
parameters:
  politicians.optimization_pressure: [1, 16, 256]
  electorate.information: [0.15, 0.9]
design: grid
replications: 4
common_random_numbers: all
seed: 20240601
record: {metrics: all, every: 5}
"""
# oversight_design.yaml made tiny: 2 budgets x 2 alignments x 2 layer stacks x 2 reps
OVERSIGHT = """\
id: oversight_tiny
description: scenarios/sweeps/oversight_design.yaml, made small for the browser tests
scenario: ai_oversight_layers-v1
set: {electorate: {n_voters: 300}}
steps: 30
parameters:
  oversight.audit_budget: [0.0, 0.2]
  ai_agents.alignment: [aligned, scheming]
interventions:
  no_layers: {oversight.layers: []}
  trusted_monitor:
    oversight.layers: [{kind: ai_monitor, trust: trusted, capability: 0.5, flag_rate: 0.05}]
design: grid
replications: 2
seed: 20240612
common_random_numbers: interventions
record: {metrics: all, every: 10}
"""
# a Morris screening design (4 trajectories of 3 points) for the sensitivity bars
SCREENING = """\
id: screening_tiny
description: Morris screening of two parameters, small for the browser tests
scenario: baseline_democracy-v1
set: {electorate: {n_voters: 300}}
steps: 10
parameters:
  electorate.information: {low: 0.1, high: 0.9}
  politicians.optimization_pressure: {low: 1, high: 64}
design: {method: morris, samples: 4, levels: 4}
seed: 11
record: {metrics: all, every: 5}
"""
INFO, PRESSURE = "electorate.information", "politicians.optimization_pressure"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """This module's results folder: demo-like, oversight-like and Morris sweep stores."""
    root = tmp_path_factory.mktemp("sweeps-results")
    for name, text in (("demo", DEMO), ("oversight", OVERSIGHT), ("screening", SCREENING)):
        spec = root.parent / f"{name}.yaml"
        spec.write_text(text)
        run_sweep(spec, root / name, "sequential", progress=progress_bar(quiet=True))
    return root


def plot(pg, graph: str, what: str):
    """A value from plotly.js's own state of a graph (`gd` in `what`)."""
    return pg.evaluate(
        f"(id) => {{ const gd = document.querySelector('#' + id + ' .js-plotly-plot'); "
        f"return {what}; }}",
        graph,
    )


def settled(pg) -> None:
    """Wait until the page's draw callback has answered (the run table is filled)."""
    pg.wait_for_selector(".runs-table .open-run", timeout=60_000)


def test_the_response_figure_appears_for_the_demo_sweep(server, page):
    base, _ = server
    page.goto(f"{base}/sweeps?store=demo")
    settled(page)
    lines = [t for t in drawn(page, "sweeps-response-graph", 4) if t["mode"] == "lines+markers"]
    names = sorted({t["name"] for t in lines})
    assert names == ["information = 0.15", "information = 0.9"]  # one line per level
    assert len(lines) == 4  # approval and welfare panels
    assert all(t["x"] == [1, 16, 256] for t in lines)
    assert plot(page, "sweeps-response-graph", "gd._fullLayout.xaxis.type") == "log"
    shoot(page, "sweeps-demo-1400")
    page.set_viewport_size({"width": 390, "height": 900})
    page.wait_for_timeout(500)
    width = page.evaluate("document.querySelector('#sweeps-response-card').clientWidth")
    shoot(page, "sweeps-demo-390")
    assert width > 300


def heatmaps(pg, graph: str) -> list[dict]:
    return plot(
        pg, graph,
        "gd._fullData.filter(t => t.type === 'heatmap').map(t => ({x: Array.from(t.x), "
        "z: t.z.map(r => Array.from(r)), n: t.customdata.map(r => r.map(c => c[3])), "
        "half: t.customdata.map(r => r.map(c => c[4]))}))",
    )  # fmt: skip


def test_interventions_on_an_axis_held_factors_and_the_uncertainty_view(server, page, browser):
    base, _ = server
    axes = "x=intervention&y=oversight.audit_budget"
    page.goto(f"{base}/sweeps?store=oversight&metric=welfare&{axes}")
    settled(page)
    drawn(page, "sweeps-phase-graph")
    maps = heatmaps(page, "sweeps-phase-graph")
    assert len(maps) == 2  # one panel per alignment: never averaged over it
    assert maps[0]["x"] == ["no_layers", "trusted_monitor"]
    assert {n for m in maps for row in m["n"] for n in row} == {2}  # replications of one point
    assert page.locator(".fix:visible").count() == 1  # only alignment: the axes have none
    assert not page.locator("#sweeps-sens-card").is_visible()  # a grid: no sensitivity bars
    # hold alignment at one level: one panel, and the URL says so
    page.click('[id=\'{"factor":"ai_agents.alignment","type":"sweeps-fix"}\']')
    page.locator("[role=option]:has-text('scheming')").click()
    page.wait_for_function("() => location.search.includes('fix=')")
    page.wait_for_function(
        "() => document.querySelector('#sweeps-phase-graph .js-plotly-plot')._fullData"
        ".filter(t => t.type === 'heatmap').length === 1"
    )
    # the uncertainty view: the CI half-width is what is coloured
    page.locator("#sweeps-show label:has-text('CI half-width')").click()
    page.wait_for_function("() => location.search.includes('show=ci')")
    page.wait_for_function(  # the card redraws on its own callback, after the URL or before
        "() => { const t = document.querySelector('#sweeps-phase-graph .js-plotly-plot')"
        "._fullData.find(d => d.type === 'heatmap');"
        " return t && t.z[0][0] === t.customdata[0][0][4]; }"
    )
    (one,) = heatmaps(page, "sweeps-phase-graph")
    assert one["z"] == one["half"]
    shoot(page, "sweeps-uncertainty")
    other = browser.new_page()
    other.goto(page.url)  # a shared URL reopens the same view
    settled(other)
    drawn(other, "sweeps-phase-graph")
    assert heatmaps(other, "sweeps-phase-graph") == [one]
    other.close()


def test_a_click_on_the_prim_trajectory_selects_a_box_that_a_reload_restores(server, page, browser):
    base, _ = server
    page.goto(f"{base}/sweeps?store=demo&outcome=welfare+%3C+q25")
    settled(page)
    drawn(page, "sweeps-prim-graph", 2)
    steps = plot(page, "sweeps-prim-graph", "gd._fullData[0].x.length")
    assert steps >= 2
    default = plot(page, "sweeps-prim-graph", "gd._fullData[1].name")
    target = 0 if default != "box 0" else 1
    page.locator("#sweeps-prim-graph .scatterlayer .trace").first.locator(".point").nth(
        target
    ).click(force=True)
    page.wait_for_function(f"() => location.search.includes('box={target}')")
    page.wait_for_function(
        "(t) => document.querySelector('#sweeps-prim-graph .js-plotly-plot')"
        "._fullData[1].name === 'box ' + t",
        arg=target,
    )
    page.wait_for_function(  # the limits card shows the same box (its note is the rule: a
        # figure's export subtitle is shown under the card on screen, `layout.meta.note`)
        "() => { const g = id => document.querySelector('#' + id + ' .js-plotly-plot');"
        " const note = id => ((g(id) || {}).layout || {}).meta?.note || '';"
        " const rule = note('sweeps-prim-graph').split(': ').slice(1).join(': ');"
        " return rule !== '' && note('sweeps-box-graph') === rule; }"
    )
    limits = drawn(page, "sweeps-box-graph", 3)
    assert len(limits) == 3  # the full ranges, then the box's range on each of two inputs
    assert [len(t["x"]) for t in limits[1:]] == [2, 2]
    shoot(page, "sweeps-prim")
    other = browser.new_page()
    other.goto(page.url)
    settled(other)
    drawn(other, "sweeps-box-graph", 3)
    assert other.input_value("#sweeps-box") == str(target)
    assert traces(other, "sweeps-box-graph") == traces(page, "sweeps-box-graph")
    other.close()


def test_parallel_coordinates_show_factors_and_metrics(server, page):
    base, _ = server
    page.goto(f"{base}/sweeps?store=oversight&metrics=safety&metrics=oversight_cost")
    settled(page)
    drawn(page, "sweeps-pc-graph")
    dims = plot(
        page, "sweeps-pc-graph",
        "gd._fullData[0].dimensions.map(d => ({label: d.label, ticks: d.ticktext || null, "
        "n: d.values.length}))",
    )  # fmt: skip
    labels = [d["label"] for d in dims]
    assert labels == ["intervention", "audit budget", "alignment", "safety", "oversight cost"]
    assert dims[0]["ticks"] == ["no_layers", "trusted_monitor"]
    assert {d["n"] for d in dims} == {8}  # one line per design point (2 x 2 x 2)
    page.locator("#sweeps-per label:has-text('run')").click()
    page.wait_for_function(
        "() => document.querySelector('#sweeps-pc-graph .js-plotly-plot')"
        "._fullData[0].dimensions[0].values.length === 16"
    )
    shoot(page, "sweeps-parcoords")
    # another store: its own factors, and the controls that named this store's go back
    page.click("#sweeps-store")
    page.locator("[role=option]:has-text('demo')").click()
    # the metrics named for the old store are reset, the other choices (per run) kept
    page.wait_for_function(
        "() => location.search.includes('store=demo') && location.search.includes('per=run')"
        " && !location.search.includes('metrics=')"
    )
    page.wait_for_function(
        "() => document.querySelector('#sweeps-pc-graph .js-plotly-plot')?._fullData?.[0]"
        "?.dimensions?.[0]?.label?.startsWith('optimization')"
    )
    page.wait_for_function("() => !document.querySelector('#sweeps-errors .msg')")


def test_sweeps_page_and_opening_a_run_from_the_table(server, page, results):
    from sim.sweep.results import load

    base, _ = server
    page.goto(f"{base}/sweeps?store=demo")
    settled(page)
    assert drawn(page, "sweeps-phase-graph"), "a phase diagram"
    link = page.locator(".runs-table tbody tr").nth(3)
    run_id = int(link.locator("td").first.inner_text())
    link.locator(".open-run").click()
    page.wait_for_function("() => location.pathname === '/explore'")
    ran(page, "explore")
    store = load(results / "demo")
    row = store.summary.set_index("run_id").loc[run_id]
    assert f"seed%3D{int(row['seed'])}" in page.url
    welfare = first_line(page, "explore-ts-graph")
    assert welfare[-1] == pytest.approx(row["welfare_final"], rel=1e-12, abs=1e-12)
    assert ARTIFACTS.is_dir()


def test_morris_screening_for_a_morris_design(server, page):
    base, _ = server
    page.goto(f"{base}/sweeps?store=screening&metric=welfare")
    settled(page)
    drawn(page, "sweeps-sens-graph")
    assert page.locator("#sweeps-sens-card").is_visible()
    names = plot(page, "sweeps-sens-graph", "gd._fullData.flatMap(t => Array.from(t.text || []))")
    assert {"information", "optimization_pressure"} <= set(names)  # one point per parameter


def test_the_sweeps_figures_have_no_overlapping_text_at_export_size(browser, results):
    """Every Sweeps figure (phase diagram with panels and in the uncertainty view, parallel
    coordinates, PRIM trajectory, box limits; on synthetic frames and on this module's
    oversight-like and demo-like stores) exported at its size with a caption, plain and
    with its finding as the subtitle: no two text boxes intersect, none leaves the figure."""
    from test_sweeps_page import crossed, prim_frames

    store = results / "oversight"
    builds = {
        "phase": ("phase_diagram", crossed(), dict(metric="welfare", x="intervention")),
        "phase-ci": ("phase_diagram", crossed(), dict(metric="welfare", show="ci")),
        "phase-store": ("phase_diagram", store, dict(metric="safety")),
        "parcoords": ("parallel_coordinates", crossed(), dict(metrics=["welfare"])),
        "parcoords-store": ("parallel_coordinates", store,
                            dict(metrics=["safety", "usefulness", "oversight_cost"])),
        "prim": ("scenario_discovery", prim_frames(), dict(box=2)),
        "box": ("prim_box_limits", prim_frames(), dict(box=2)),
        "prim-store": ("scenario_discovery", results / "demo", {}),
        "box-store": ("prim_box_limits", results / "demo", {}),
    }  # fmt: skip
    ctx, pg = open_page(browser)
    problems = {}
    try:
        for label, (name, source, options) in builds.items():
            problems.update(collide(pg, label, name, source, options))
    finally:
        ctx.close()
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def collide(pg, label: str, name: str, source, options) -> dict:
    """{label: the first collisions} of one figure exported with a caption, plain and with
    its finding as the subtitle (tests/textboxes.py reads plotly.js's layout)."""
    from analysis import findings
    from analysis.export import with_caption
    from analysis.figures import FIGURES

    mod = FIGURES[name]
    df = mod.data(source, **options)
    out = {}
    for how, fig in (
        ("", mod.draw(df)),
        (", finding", findings.as_subtitle(mod.draw(df), df.attrs["finding"])),
    ):
        fig = with_caption(fig, "instalign test caption")
        found = boxes(pg, fig)
        w, h = size(fig)
        bad = collisions(found) + [(t, "the figure's edge") for t in outside(found, w, h)]
        if bad or len(found) < 5:
            out[label + how] = bad[:3] or found
    return out
