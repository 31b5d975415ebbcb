"""The dashboard's Design page (dashboard/pages/design.py) without a browser, on a tiny real
design store made once in a results folder: the page finds design stores (and only those),
draws the front and the convergence with their sentences, lists the front's designs, and a
selected design opens in Explore with exactly its scenario, the spec's overrides and its
lever values, and shows the `instalign run` command that sets the same values."""

from __future__ import annotations

import json
import shlex
from urllib.parse import parse_qsl

import pytest
from dash import html

from dashboard.context import Context
from dashboard.pages import design
from dashboard.state import ExploreState

SPEC = """\
id: page_design
scenario: ai_control_protocols-v1
set: {electorate.n_voters: 60, ai_agents.count: 10}
steps: 15
levers:
  ai_agents.audit_budget: {low: 0.0, high: 0.2}
  ai_agents.protocol: [upfront_auditing, trusted_monitoring, trusted_editing]
uncertainties:
  ai_agents.capability: {low: 0.5, high: 2.0}
worlds: 3
objectives:
  - {metric: safety, sense: max}
  - {metric: usefulness, sense: max, stat: mean}
robustness: {kind: mean}
search: {population: 6, evaluations: 12, seed: 5}
replications: 1
reevaluate: {replications: 1, worlds: 3}
"""


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """A results folder with the tiny design store and a sweep store, as the page sees it."""
    from sim.design.search import run_design

    root = tmp_path_factory.mktemp("page")
    (root / "spec.yaml").write_text(SPEC)
    results = root / "results"
    run_design(root / "spec.yaml", results / "designs" / "page", executor="sequential")
    sweep = results / "a_sweep"  # a sweep store: not a design store
    sweep.mkdir(parents=True)
    (sweep / "manifest.json").write_text("{}")
    return Context.create(results, root / "cache")


NAME = "designs/page"


def find(node, cls=None, pred=lambda n: True):
    """Every component below `node` of class `cls` that satisfies `pred`."""
    out = []
    if (cls is None or isinstance(node, cls)) and pred(node):
        out.append(node)
    kids = getattr(node, "children", None)
    for kid in kids if isinstance(kids, list | tuple) else [kids] if kids is not None else []:
        if hasattr(kid, "to_plotly_json"):
            out += find(kid, cls, pred)
    return out


def test_the_page_lists_design_stores_only_and_opens_the_first(ctx):
    from dashboard import stores

    assert design.design_stores(ctx) == [NAME]
    assert stores.discover(ctx.results) == ["a_sweep"]  # the Sweeps page lists no design store
    page = design.layout("", ctx)
    drop = find(page, pred=lambda n: getattr(n, "id", None) == "design-store")[0]
    assert drop.options == [NAME] and drop.value == NAME
    bad = design.layout("?store=a_sweep", ctx)
    text = json.dumps(bad.to_plotly_json(), default=str)
    assert "no design store 'a_sweep'" in text


def test_figures_table_and_info_come_from_the_store(ctx):
    front, conv, table, info, errors = design.figures(ctx, NAME)
    store = design.open_store(ctx, NAME)
    assert errors is None and f"{len(store.front())} on the front" in info
    assert front.layout.meta["finding"].startswith("The front")
    assert conv.layout.meta["finding"].startswith("Hypervolume rose")
    buttons = find(table, html.Button)
    safety = store.evaluations.set_index("design")["mean:safety"]
    best_first = sorted(store.front(), key=lambda k: -safety[k])
    assert [b.id["design"] for b in buttons] == best_first


def test_a_selected_design_opens_in_explore_with_its_exact_values(ctx):
    store = design.open_store(ctx, NAME)
    key = store.front()[-1]
    body, search = design.selected(ctx, NAME, key)
    assert dict(parse_qsl(search.lstrip("?"))) == {"store": NAME, "design": key}
    link = find(html.Div(body), pred=lambda n: getattr(n, "id", None) == "design-open")[0]
    state, errors = ExploreState.from_search(link.href.removeprefix("/explore"))
    assert not errors and state.scenario == "ai_control_protocols-v1"
    levers = json.loads(store.evaluations.set_index("design").loc[key, "levers"])
    want = {**levers, "electorate.n_voters": 60, "ai_agents.count": 10, "steps": 15}
    assert dict(state.sets) == pytest.approx(want)
    cli = find(html.Div(body), pred=lambda n: getattr(n, "id", None) == "design-cli")[0]
    args = shlex.split(cli.children.replace("\\\n", " "))
    assert args[:3] == ["instalign", "run", "ai_control_protocols-v1"]
    sets = dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--set")
    assert float(sets["ai_agents.audit_budget"]) == levers["ai_agents.audit_budget"]
    assert sets["ai_agents.protocol"] == levers["ai_agents.protocol"]


def test_an_unknown_design_falls_back_to_the_first_and_a_click_picks_a_design(ctx):
    store = design.open_store(ctx, NAME)
    _, search = design.selected(ctx, NAME, "nope")
    assert search.endswith(f"design={store.front()[0]}")
    off = next(d for d in store.evaluations["design"] if d not in store.front())
    assert design.selected(ctx, NAME, off)[1].endswith(f"design={off}")  # off the front too
    click = {"points": [{"customdata": ["label", store.front()[1]]}]}
    assert design.picked("design-front-graph", click) == store.front()[1]
    assert design.picked({"type": "design-pick", "design": "abc"}, None) == "abc"


def test_the_app_routes_design(ctx):
    from dashboard.app import PAGES, route

    assert PAGES["/design"] is design
    body, classes = route("/design", f"?store={NAME}", ctx)
    assert "nav-link active" in classes[list(PAGES).index("/design")]
    assert find(body, pred=lambda n: getattr(n, "id", None) == "design-front-graph")
