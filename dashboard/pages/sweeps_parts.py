"""The Sweeps page's pieces that do not touch Dash callbacks: what a store offers (metrics,
factors and their levels), the view specs of its cards from a `SweepsState`, the run table
(each run opens in Explore with its exact seed and parameters) and the reproduce panel."""

from __future__ import annotations

from typing import Any

import yaml
from dash import dcc, html

from dashboard import panels, stores, views
from dashboard.context import Context
from dashboard.reproduce import known
from dashboard.state import SweepsState
from sim.errors import ConfigError

PAGE_SIZE = 20
SENSITIVITY = {"sobol": "sobol_indices", "morris": "morris_screening"}
OPTIONS = ("metric", "axes", "along", "color")  # what the sidebar's dropdowns offer
ALL = "*all*"  # a factor's selector value for "all levels, one panel each"


def open_store(state: SweepsState, ctx: Context) -> tuple[Any, str, list[str]]:
    """(Frames or None, store name, messages) for the state's store, else the first store."""
    found = stores.discover(ctx.results)
    name = state.store or (found[0] if found else "")
    if not name:
        hint = f"no sweep stores in {ctx.results}: make one with `instalign sweep "
        return None, "", [hint + "scenarios/sweeps/demo.yaml --out results/demo`"]
    try:
        return stores.load(ctx.results, name), name, []
    except ConfigError as err:
        return None, name, [str(err)]


def factors(f) -> list[str]:
    """Every factor a phase diagram can put on an axis or a panel (parameters, interventions,
    arms, scenarios), as the figure itself lists them."""
    from analysis.figures.phase_diagram import factors as of

    return of(f)


def levels(f, factor: str) -> list[str]:
    from analysis.figures.phase_diagram import level_text

    return [level_text(v) for v in f.levels(factor)]


def along(f) -> list[str]:
    """The parameters a response curve can run along (numeric, 2-15 levels)."""
    from analysis.figures import FIGURES

    return FIGURES["response"].axes(f) if "response" in FIGURES else []


def options(f) -> dict[str, list]:
    names = factors(f)
    return {
        "metric": list(f.metrics),
        "axes": [{"label": _short(n), "value": n} for n in names],
        "along": [{"label": _short(n), "value": n} for n in along(f)],
        "color": list(f.metrics) + [{"label": _short(n), "value": n} for n in names],
    }


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def default_metric(metrics: list[str]) -> str | None:
    return (views.default_metrics(metrics) or metrics or [None])[0]


def axes_of(state: SweepsState, f) -> tuple[str | None, str | None]:
    """The state's x and y factors when the store varies them (a URL or a store switch can
    name others), else the store's first two."""
    names = [*factors(f), None, None]
    x = state.x if state.x in names else names[0]
    y = state.y if state.y in names and state.y != x else None
    return x, y or next((n for n in names if n != x), None)


def unknown_axes(state: SweepsState, f) -> list[str]:
    """Messages for axes the state names that this store does not vary (the figure then
    falls back to the store's first factors)."""
    names = factors(f)
    return [
        f"{k}: {v[:60]!r} is not varied in this store ({', '.join(map(_short, names))})"
        for k, v in (("x", state.x), ("y", state.y))
        if v and v not in names
    ]


def info(f, name: str) -> Any:
    m = f.manifest
    counts = m.get("counts", {})
    lines = [
        f"{name}: {m.get('sweep', m.get('spec', {}).get('id', ''))} ({f.kind} design)",
        f"{len(f.summary)} runs finished, {len(f.failures)} failed, "
        f"{counts.get('total', len(f.design))} planned",
        "varied: " + (", ".join(factors(f)) or "nothing"),
    ]
    return [html.Div(t) for t in lines] + [panels.message(f.notes, "info")]


def holds(f, state: SweepsState, x: str | None, y: str | None) -> list:
    """One selector per factor: all its levels as panels, or one level; hidden while the
    factor is on an axis."""
    chosen = dict(state.fixed)
    out = []
    for factor in factors(f):
        opts = [{"label": "all levels (panels)", "value": ALL}, *levels(f, factor)]
        pick = chosen.get(factor, ALL)
        out.append(
            html.Div(
                [
                    html.Label(_short(factor)),
                    dcc.Dropdown(id={"type": "sweeps-fix", "factor": factor}, options=opts,
                                 value=pick if pick in [*levels(f, factor), ALL] else ALL,
                                 clearable=False),
                ],
                id={"type": "sweeps-fix-box", "factor": factor},
                className="fix",
                style=hidden(factor in (x, y)),
            )
        )  # fmt: skip
    return out


def hidden(hide: bool) -> dict | None:
    return {"display": "none"} if hide else None


def view_specs(state: SweepsState, f) -> dict[str, dict]:
    """The spec of every card (figure, store, options), read back by downloads."""
    source = {"kind": "store", "store": state.store}
    x, y = axes_of(state, f)
    fixed = {k: v for k, v in state.fixed if k not in (x, y)}
    box = state.box if state.box >= 0 else None
    outcome = state.outcome or None
    metrics = list(state.metrics) or None
    return {
        "phase": views.spec("phase_diagram", source, metric=state.metric, x=x, y=y,
                            fixed=fixed, show=state.show),
        "response": views.spec("response", source, metrics=metrics, x=state.along or None),
        "pc": views.spec("parallel_coordinates", source, metrics=metrics,
                         color=state.color or None, per=state.per),
        "prim": views.spec("scenario_discovery", source, outcome_text=outcome, box=box),
        "box": views.spec("prim_box_limits", source, outcome_text=outcome, box=box),
        "sens": views.spec(SENSITIVITY.get(f.kind, "sobol_indices"), source,
                           metrics=[state.metric] if state.metric else None),
    }  # fmt: skip


def run_table(f, page: int, metric: str) -> tuple[html.Table, str, int, int]:
    """One page of runs, each with a link that opens it in Explore."""
    runs = f.runs().sort_values("run_id")
    pages = max(1, -(-len(runs) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    part = runs.iloc[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    cols = ["run_id", "scenario", "intervention", *f.params, "seed", *([metric] if metric else [])]
    cols = [c for c in dict.fromkeys(cols) if c in part]
    found = known()
    head = html.Tr([html.Th(c.rsplit(".", 1)[-1]) for c in cols] + [html.Th("")])
    rows = [
        html.Tr([html.Td(_fmt(r[c])) for c in cols] + [html.Td(_link(f, r["run_id"], found))])
        for _, r in part.iterrows()
    ]
    label = f"page {page + 1} of {pages} ({len(runs)} runs)"
    table = html.Table([html.Thead(head), html.Tbody(rows)], className="runs-table")
    return table, label, page, pages


def _link(f, run_id, ids) -> Any:
    try:
        href = stores.explore_link(f, int(run_id), ids)
    except (ConfigError, ValueError, KeyError, TypeError) as err:  # a store value gone bad
        return html.Span(f"cannot open: {str(err)[:80]}", className="param-msg")
    return dcc.Link("open in Explore", href=href, className="open-run")


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def reproduce(f, name: str) -> tuple[str, str]:
    spec = f.manifest.get("spec", {})
    out = f"results/{name}"
    cli = "\n".join(
        [
            f"instalign sweep spec.yaml --out {out}   # spec.yaml: the YAML below",
            f"instalign figures {out} --out figures/{name}",
            f"instalign rerun {out} RUN_ID            # one run, bit for bit",
        ]
    )
    return cli, yaml.safe_dump(_no_nulls(spec), sort_keys=False, allow_unicode=True)


def _no_nulls(value: Any) -> Any:
    """The spec without its unset (null) fields: the same spec, readable."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value
