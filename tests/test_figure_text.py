"""No text collisions in the exported standard figures: every standard figure, drawn at its
export size with its provenance caption (and again with its finding as the subtitle, as
`instalign figures --finding` makes it), has no two text boxes that overlap and no text cut
at the figure's edge. Boxes come from the layout plotly.js computes (tests/textboxes.py)."""

from __future__ import annotations

import pytest
from browser import browser_marks
from test_figure_design import DESIGNS, goodhart, sweep
from test_figures_data import draw_sources
from textboxes import Box, boxes, collisions, open_page, outside, size

from analysis import findings, metadata, theme
from analysis.export import caption_lines, with_caption
from analysis.figures import FIGURES, Unavailable
from analysis.storeio import open_store

pytestmark = browser_marks()
STANDARD = sorted(n for n, m in FIGURES.items() if m.NEEDS.standard)


@pytest.fixture(scope="module")
def exported(tiny_store) -> dict[str, list[tuple[str, object, str]]]:
    """{figure: [(source, figure as exported, caption)]} for every standard figure on every
    source that supports it: the tiny real store, two synthetic 2-factor sweeps, a Goodhart
    curve and one small store of each design kind; each plain and with its finding as the
    subtitle."""
    tiny = open_store(tiny_store)
    caption = metadata.caption(metadata.provenance(tiny, "figure"))
    sources = {"tiny store": tiny, "goodhart": goodhart()}
    sources.update({k: sweep(v) for k, v in DESIGNS.items()})
    sources.update({f"kind {i}": s for i, s in enumerate(draw_sources())})
    out = {name: [] for name in STANDARD}
    for name in STANDARD:
        for label, f in sources.items():
            if FIGURES[name].NEEDS.missing(f) is not None:
                continue
            try:
                df = FIGURES[name].data(f)
            except Unavailable:  # e.g. paired effects without common seeds
                continue
            said = findings.as_subtitle(FIGURES[name].draw(df), df.attrs.get("finding", ""))
            out[name].append((label, with_caption(FIGURES[name].draw(df), caption), caption))
            out[name].append((f"{label}, finding", with_caption(said, caption), caption))
    return out


@pytest.mark.parametrize("name", STANDARD)
def test_exported_standard_figure_has_no_overlapping_text(exported, chromium, name):
    assert exported[name], f"{name}: no source supports it"
    ctx, page = open_page(chromium)
    problems = {}
    try:
        for label, fig, caption in exported[name]:
            found = boxes(page, fig)
            drawn = "".join(caption_lines(caption))  # its lines, as the text's content
            assert any(b.text == drawn for b in found), f"{label}: caption not drawn"
            w, h = size(fig)
            bad = collisions(found) + [(t, "the figure's edge") for t in outside(found, w, h)]
            if bad:
                problems[label] = bad[:3]
    finally:
        ctx.close()
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_a_long_caption_beside_long_row_labels_stays_inside_the_figure(chromium):
    """Paired effects with long row labels (a wide left margin) and a long provenance line:
    the caption breaks at its separators and no text leaves the figure."""
    f = sweep(DESIGNS[next(iter(DESIGNS))])
    df = FIGURES["paired_effects"].data(f)
    long = " · ".join(["instalign 0.1.0 (b9c629285d+dirty)", "scenario oversight_levers v1",
                       "sweep approval_starves_oversight (de2659bd)",
                       "16 runs, master seed 20261130"])  # fmt: skip
    fig = with_caption(FIGURES["paired_effects"].draw(df), long)
    ctx, page = open_page(chromium)
    try:
        found = boxes(page, fig)
    finally:
        ctx.close()
    assert len(caption_lines(long)) == 2
    assert any(b.text == "".join(caption_lines(long)) for b in found)
    assert outside(found, *size(fig)) == []


def test_the_check_sees_a_collision():
    a = Box("legend entry", "legendtext", 10, 10, 120, 24)
    b = Box("caption", "annotation-text", 100, 20, 300, 32)
    assert collisions([a, b]) == [("legend entry", "caption")]
    assert collisions([a, Box("next line", "t", 10, 23, 120, 37)]) == []  # touching lines
    assert outside([Box("cut title", "gtitle", -8, 0, 50, 10)], 760, 460) == ["cut title"]


@pytest.mark.parametrize("overlap", [True, False])
def test_the_check_reads_plotly_layout(chromium, overlap):
    """Two annotations placed on top of each other collide; placed apart they do not."""
    fig = theme.figure("a title")
    fig.add_annotation(text="first label", x=0.5, y=0.5, xref="paper", yref="paper")
    y = 0.51 if overlap else 0.2
    fig.add_annotation(text="second label", x=0.52, y=y, xref="paper", yref="paper")
    ctx, page = open_page(chromium)
    try:
        found = boxes(page, fig)
    finally:
        ctx.close()
    assert bool(collisions(found)) is overlap
