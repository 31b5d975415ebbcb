"""A model you can watch (being written): the per-agent views of an Explore run over time."""

from __future__ import annotations

from dash import html


def panel() -> html.Div:
    return html.Div(id="watch-panel")


def register(app, ctx) -> None:
    """The watch panel's callbacks (none yet)."""
