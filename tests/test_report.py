"""`instalign report DIR --out report.html` on a tiny real sweep store: one self-contained page
(plotly.js inlined once, nothing fetched) with the scenario card, the figures, the summary
tables and the commands that reproduce it; it renders in chromium with the network cut."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import load


@pytest.fixture(scope="module")
def report(tiny_store, tmp_path_factory) -> tuple[Path, Path, str]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(tiny_store), "--out", str(out)]) == 0
    return tiny_store, out, out.read_text(encoding="utf-8")


def test_report_is_one_self_contained_page(report):
    _, out, text = report
    assert text.count("window.PlotlyConfig") == 1  # plotly.js inlined once
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?https?:", text)
    assert 3e6 < out.stat().st_size < 8e6


def test_report_has_the_scenario_card_from_the_scenario_metadata(report):
    _, _, text = report
    cfg = load("baseline_democracy-v1")
    for item in (cfg.description, *cfg.assumptions, *cfg.references, *cfg.limitations):
        assert html.escape(item) in text, item
    assert re.search(r"<td>electorate.n_voters</td>\s*<td>300</td>", text)
    assert "electorate.information" in text and "0.2, 0.8" in text  # the varied parameter


def test_report_has_figures_tables_and_reproducing_commands(report):
    store, out, text = report
    for name in ("metrics_over_time", "paired_effects", "goodhart_frontier"):
        assert f'id="fig-{name}"' in text
    assert "Paired effects against the control: difference [95% CI]" in text
    assert "sobol_indices</b>: needs a sobol design" in text
    assert f"instalign sweep {root_spec(store)} --out {store}" in text
    assert f"instalign report {store} --out {out}" in text
    assert "seed: 7" in text and "git checkout " in text


def test_report_opens_with_one_finding_per_figure(report):
    """Findings first (before the scenario card and the figures), one sentence per figure
    linked to it, the same sentence under the figure; the page fits a phone's width."""
    from analysis.build import build
    from analysis.storeio import open_store

    store, _, text = report
    built = build(open_store(store))
    said = {n: df.attrs["finding"] for n, df in built.data.items() if df.attrs.get("finding")}
    assert {"final_metrics", "paired_effects", "response", "goodhart_frontier"} <= set(said)
    start = text.index("<h2>Findings</h2>")
    assert start < text.index("<h2>Scenario") < text.index("<figure")
    block = text[start : text.index("</ul>", start)]
    for name, sentence in said.items():
        assert f"<a href='#{name}'>" in block and html.escape(sentence) in block, name
        at = text.index(f"<figure id='{name}'>")
        figure = text[at : text.index("</figure>", at)]
        assert f"<span class='finding'>{html.escape(sentence)}</span>" in figure, name
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in text


def root_spec(store: Path) -> str:
    return str(store.parent / "tiny.yaml")


@pytest.mark.browser
def test_report_renders_offline_in_chromium(report, chromium):
    _, out, text = report
    n_figs = text.count('<figure id="') + text.count("<figure id='")
    context = chromium.new_context()
    try:
        page = context.new_page()
        outside, errors = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):
            if r.request.url.startswith("file:"):
                return r.continue_()
            outside.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page.goto(out.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_figs}",
            timeout=20_000,
        )
        plots = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
    finally:
        context.close()
    assert n_figs >= 5 and plots == n_figs
    assert outside == [] and errors == []
