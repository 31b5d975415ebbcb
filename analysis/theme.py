"""The house look of every instalign figure: one Plotly template, a colour-blind-safe palette,
units in axis titles (read from `sim.components.METRICS`, never typed here), CI bands.

Palette: Okabe & Ito (2008), "Color Universal Design", safe for the common colour-vision
deficiencies. Font: Open Sans (Debian's `fonts-open-sans`, installed by the Makefile), falling
back to DejaVu Sans and Liberation Sans, which Debian ships with chromium. No chart junk: white
background, light horizontal grid only, no zero lines, no plot borders.
"""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import plotly.io as pio

NAME = "instalign"
FONT = "Open Sans, DejaVu Sans, Liberation Sans, sans-serif"
# Okabe-Ito, black last (reserved for references and totals)
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",
)
GRID = "#E5E5E5"
INK = "#222222"
WIDTH, HEIGHT = 760, 460  # layout pixels; PNG export multiplies by its scale


@functools.cache
def template() -> go.layout.Template:
    """The instalign Plotly template (registered as `pio.templates['instalign']`)."""
    axis = dict(
        showgrid=False,
        zeroline=False,
        showline=True,
        linecolor="#888888",
        ticks="outside",
        tickcolor="#888888",
        title_standoff=8,
        title_font_size=13,
        tickfont_size=12,
        automargin=True,
    )
    layout = go.Layout(
        font=dict(family=FONT, size=14, color=INK),
        title=dict(font=dict(size=17), x=0.0, xanchor="left", xref="paper"),
        colorway=list(PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=axis,
        yaxis={**axis, "showgrid": True, "gridcolor": GRID},
        legend=dict(bgcolor="rgba(0,0,0,0)", borderwidth=0, font=dict(size=13)),
        margin=dict(l=70, r=30, t=60, b=60),
        hoverlabel=dict(font_family=FONT),
        width=WIDTH,
        height=HEIGHT,
    )
    tpl = go.layout.Template(layout=layout)
    pio.templates[NAME] = tpl
    return tpl


def colour(i: int) -> str:
    """The i-th palette colour (wraps around)."""
    return PALETTE[i % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
    """`#RRGGBB` as an `rgba(...)` string with the given opacity (for CI bands)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def unit(metric: str) -> str:
    """The unit of `metric` from the metric registry ('' when unknown or unitless)."""
    from sim.components import METRICS

    m = METRICS.get(metric)
    return m.unit if m else ""


def label(name: str) -> str:
    """A readable label with its unit: 'welfare (utility)'; a parameter path shows its last
    part and its declared unit ('oversight.audit_budget' -> 'audit budget (share)')."""
    from sim.params import PARAMS

    u = unit(name) or (PARAMS[name].unit if name in PARAMS else "")
    text = name.rsplit(".", 1)[-1].replace("_", " ")
    return f"{text} ({u})" if u else text


def figure(title: str | None = None, **layout) -> go.Figure:
    """An empty figure in the house template."""
    fig = go.Figure(layout=dict(template=template(), **layout))
    if title:
        fig.update_layout(title_text=title)
    return fig


def ci_band(fig: go.Figure, x, lo, hi, colour_hex: str, name: str, **where) -> None:
    """Add a filled CI band between `lo` and `hi` (no legend entry, no hover)."""
    common = dict(mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False)
    fig.add_trace(go.Scatter(x=x, y=hi, legendgroup=name, **common), **where)
    fig.add_trace(
        go.Scatter(
            x=x, y=lo, fill="tonexty", fillcolor=rgba(colour_hex, 0.2), legendgroup=name, **common
        ),
        **where,
    )


def note(fig: go.Figure, text: str) -> go.Figure:
    """A centred message in an otherwise empty figure (e.g. 'no data for this metric')."""
    fig.add_annotation(
        text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font_size=15
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
