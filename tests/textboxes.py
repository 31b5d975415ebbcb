"""Text collisions in a figure, read from the layout plotly.js computes, not from pixels.

The figure is drawn at its export size by the plotly.js that ships with the plotly package
(the one kaleido uses), in a page of the tests' headless chromium; every visible SVG text
element (titles, axis titles, tick labels, legend entries, annotations, the caption, data
labels, colour-bar ticks) gives its bounding box, and two boxes collide when they overlap by
more than `SLACK` px in both directions. A box that leaves the figure is reported too (a
title or label cut at the edge).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import plotly
import plotly.graph_objects as go

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
SLACK = 1.5  # px: boxes of neighbouring lines may touch (font ascent/descent)

_BOXES = """
async (fig) => {
  const gd = document.getElementById('g');
  await Plotly.newPlot(gd, fig.data, fig.layout, {staticPlot: true});
  const seen = [];
  for (const el of gd.querySelectorAll('svg text')) {
    const txt = (el.textContent || '').trim();
    const style = getComputedStyle(el);
    if (!txt || style.display === 'none' || style.visibility === 'hidden') continue;
    if (parseFloat(style.opacity || '1') === 0 || el.closest('[display="none"]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 0.5 || r.height < 0.5) continue;
    const kind = (el.getAttribute('class') || el.parentNode.getAttribute('class') || 'text');
    seen.push({text: txt, kind, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
  }
  return seen;
}
"""


@dataclass(frozen=True)
class Box:
    text: str
    kind: str
    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: Box) -> bool:
        dx = min(self.x1, other.x1) - max(self.x0, other.x0)
        dy = min(self.y1, other.y1) - max(self.y0, other.y0)
        return dx > SLACK and dy > SLACK


def open_page(browser):
    """A page holding plotly.js and an empty plot div (reused for many figures)."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 1200})
    page = ctx.new_page()
    page.set_content("<html><body style='margin:0'><div id='g'></div></body></html>")
    page.add_script_tag(path=str(PLOTLY_JS))
    return ctx, page


def size(fig: go.Figure) -> tuple[int, int]:
    """The export size (what `analysis.export` gives kaleido: layout, else the template's)."""
    from analysis import export

    return export._size(fig)


def boxes(page, fig: go.Figure, width: int | None = None, height: int | None = None) -> list[Box]:
    """The text boxes of `fig` drawn at its export size, or at `width` x `height` (a card on
    screen), relative to the figure's corner."""
    w, h = size(fig)
    w, h = width or w, height or h
    spec = json.loads(go.Figure(fig).update_layout(width=w, height=h).to_json())
    return [Box(**b) for b in page.evaluate(_BOXES, spec)]


def collisions(found: list[Box]) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap."""
    out = []
    for i, a in enumerate(found):
        out += [(a.text, b.text) for b in found[i + 1 :] if a.hits(b)]
    return out


def outside(found: list[Box], width: float, height: float) -> list[str]:
    """Texts that leave the figure (cut at its edge)."""
    return [
        b.text
        for b in found
        if b.x0 < -SLACK or b.y0 < -SLACK or b.x1 > width + SLACK or b.y1 > height + SLACK
    ]
