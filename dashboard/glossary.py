"""What is on screen, explained from the declarations (nothing here restates them): the
metrics a scenario records (`sim.components`: each component's `Metric` name, unit and
description, shown as dropdown tooltips, card hover text and a glossary), its default
metrics (the scenario's `metrics:` key, else the first of each kind), and the scenario's
own notes: description, assumptions, limitations and things to try (`try:`), each try a
link that opens Explore with its overrides."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.state import ExploreState
from dashboard.views import default_metrics
from sim.components import COMPONENTS, METRICS
from sim.scenario import Config


def recorded(config: Config) -> list[str]:
    """The metrics of the components that are on in `config` (the others record nothing
    worth showing: their metrics are constant or NaN)."""
    return [m.name for c in COMPONENTS if c.enabled(config) for m in c.metrics]


def defaults(config: Config) -> list[str]:
    """The metrics Explore shows first: the scenario's own list, else the first metric
    of each kind among those it records (`views.default_metrics`)."""
    return list(config.metrics) or default_metrics(recorded(config))


def tip(name: str) -> str:
    m = METRICS[name]
    return f"{m.name} [{m.unit}]: {m.description}"


def options(config: Config) -> list[dict[str, str]]:
    """Metric dropdown options (on components only), each with its description as hover."""
    return [{"label": f"{m} ({METRICS[m].unit})", "value": m, "title": tip(m)}
            for m in recorded(config)]  # fmt: skip


def hover(names: list[str]) -> str:
    """A card's hover text: one line per metric it shows."""
    return "\n".join(tip(m) for m in names if m in METRICS)


def glossary(config: Config) -> html.Details:
    """Every metric the scenario records: name, unit and what it measures."""
    rows = [html.Div([html.Dt(f"{m} [{METRICS[m].unit}]"), html.Dd(METRICS[m].description)])
            for m in recorded(config)]  # fmt: skip
    return html.Details(
        [html.Summary("Glossary: what the metrics measure"), html.Dl(rows, className="glossary")],
        className="card glossary-card",
        id="explore-glossary",
    )


def try_href(config: Config, sets: tuple[tuple[str, Any], ...]) -> str:
    return "/explore" + ExploreState(scenario=config.id, sets=sets).to_search()


def _tries(config: Config) -> list[Any]:
    items = []
    for text, sets in config.tries:
        link = html.A(text, href=try_href(config, sets), className="try") if sets else text
        items.append(html.Li(link))
    return items


def _list(title: str, items: list[Any]) -> list[Any]:
    return [html.H4(title), html.Ul(items)] if items else []


def about(config: Config) -> html.Details:
    """The scenario's own notes (open: they say what the figures are about)."""
    return html.Details(
        [
            html.Summary(config.title or config.id),
            *_list("Things to try", _tries(config)),
            *_list("Assumptions", [html.Li(a) for a in config.assumptions]),
            *_list("Limitations", [html.Li(a) for a in config.limitations]),
        ],
        open=True,
        className="card about",
        id="explore-about",
    )
