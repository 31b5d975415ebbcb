"""The figures on screen, rebuilt from a small JSON spec.

A spec names a figure of the analysis registry (`analysis.figures.FIGURES`) and where its
inputs come from; `build(spec, ctx)` calls that figure's own `data()` and `draw()`, the very
functions the CLI and the report use. The download of a view rebuilds it from the same spec
and writes it with `analysis.export`, so a file is exactly what is on screen.

Sources: `runs` (an Explore URL: scenario, overrides, replications), `arms` (a Compare URL:
baseline and interventions on common seeds), `store` (a sweep store below the results
folder), `snapshot` (the end-of-run agents of one Explore run).

Views only read runs from the run cache: a view whose runs are not cached raises `NotCached`
(the page then starts a simulation job; a download says to run first). A spec comes back from
the browser, so `check` validates it before anything is built from it.
"""

from __future__ import annotations

import inspect
import io
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import arms, guard, stores
from dashboard.context import Context
from dashboard.reproduce import config_for
from dashboard.runs import Run, seeds_for
from dashboard.state import CompareState, ExploreState
from sim.errors import ConfigError
from sim.provenance import code_version

BASELINE = "baseline"
FORMATS = ("png", "svg", "pdf", "csv", "parquet")
SOURCES = {  # what each kind of view source names
    "runs": ("search",), "arms": ("search",), "store": ("store",), "snapshot": ("search", "seed"),
}  # fmt: skip
MAX_SEED_DIGITS = 20
# welfare against approval, then the first recorded metric about each failure
FIRST = ("welfare", "approval")
GROUPS = (("drift",), ("detect", "caught"), ("catastroph",), ("autonomy",))


def default_metrics(recorded: list[str]) -> list[str]:
    """Welfare and approval, then drift, detections, catastrophes and autonomy: the first
    metric of each that the scenario records (the others are NaN when a layer is off)."""
    out = [m for m in FIRST if m in recorded]
    for keys in GROUPS:
        hit = next((m for m in recorded if any(k in m for k in keys)), None)
        out += [hit] if hit else []
    return out


class ViewError(Exception):
    """A view that cannot be built; the message is shown inline."""


class NotCached(ViewError):
    """A run the view needs is not in the run cache (only a simulation job computes runs)."""


def spec(figure: str, source: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"figure": figure, "source": source, "options": options}


def check(view: Any) -> dict[str, Any]:
    """A view spec from the browser, validated (ViewError says what is wrong with it)."""
    try:
        guard.record(view, "view", {"figure": str, "source": dict})
        source, options = view["source"], view.get("options", {})
        kind = source.get("kind")
        if kind not in SOURCES:
            raise ViewError(f"unknown view source {str(kind)[:40]!r}")
        guard.record(source, "view.source", dict.fromkeys(SOURCES[kind], str))
        if kind == "snapshot" and not _seed_text(source["seed"]):
            raise ViewError("view.source.seed: expected the digits of a seed")
        guard.record({"options": options}, "view", {"options": dict})
    except guard.BadInput as err:
        raise ViewError(str(err)) from None
    mod = _figure(view["figure"])
    known = inspect.signature(mod.data).parameters
    unknown = [k for k in options if k not in known or k == next(iter(known))]
    if unknown:
        raise ViewError(f"{mod.TITLE}: unknown option {str(unknown[0])[:40]!r}")
    return view


def _seed_text(text: str) -> bool:
    return text.isdigit() and text.isascii() and len(text) <= MAX_SEED_DIGITS


def preload() -> None:
    """Import the analysis modules views use (lazily, so importing this module stays cheap)
    before a server takes requests: the first draw is then as quick as any other."""
    import analysis.data
    import analysis.figures
    import analysis.theme  # noqa: F401


def _figure(name: str):
    from analysis.figures import FIGURES

    if name not in FIGURES:
        raise ViewError(f"figure {name[:60]!r} is not in the analysis figure registry")
    return FIGURES[name]


def _named(f, scenario: str):
    """Frames of single runs, labelled with their scenario (for the export provenance)."""
    f.manifest.setdefault("scenario", scenario)
    return f


def cached(ctx: Context, config, seed: int) -> Run:
    """A run from the run cache; NotCached when it is not there (nothing is run here)."""
    run = ctx.runs.get(config, seed, int(config["steps"]))
    if run is None:
        raise NotCached("the runs of this view are not computed yet: press Run on its page")
    return run


def explore_configs(state: ExploreState) -> dict[str, Any]:
    return {state.scenario: config_for(state.scenario, state.sets)}


def compare_configs(state: CompareState) -> dict[str, Any]:
    """Baseline and interventions (each on its own scenario, the baseline's by default), by
    arm name."""
    return arms.configs(state)


def explore_runs(state: ExploreState, ctx: Context) -> list:
    """`RunResult`s of every replication of an Explore state (from the cache)."""
    config = config_for(state.scenario, state.sets)
    return [cached(ctx, config, s).result(config) for s in seeds_for(config, state.reps)]


def compare_runs(state: CompareState, ctx: Context) -> dict[str, list]:
    """Baseline and interventions, each replicated on the same seeds (from the cache)."""
    arms = compare_configs(state)
    seeds = seeds_for(arms[BASELINE], state.reps)
    return {name: [cached(ctx, c, s).result(c) for s in seeds] for name, c in arms.items()}


def snapshot(search: str, seed: int, ctx: Context) -> dict[str, Any]:
    """The agent frames recorded during one Explore run (from the cache), labelled with its
    scenario and seed; a per-agent view picks its frame with its `step` option."""
    state, _ = ExploreState.from_search(search)
    config = config_for(state.scenario, state.sets)
    run = cached(ctx, config, int(seed))
    return {**run.snapshot, "scenario": config.id, "seed": int(seed)}


def inputs(source: dict[str, Any], ctx: Context) -> Any:
    """What a figure's `data()` takes: Frames (runs, arms, a store) or a run snapshot."""
    from analysis.data import frames

    kind = source.get("kind")
    if kind == "snapshot" and not _seed_text(str(source.get("seed"))):
        raise ViewError("view.source.seed: expected the digits of a seed")
    try:
        if kind == "runs":
            state = ExploreState.from_search(source["search"])[0]
            return _named(frames(explore_runs(state, ctx)), state.scenario)
        if kind == "arms":
            state = CompareState.from_search(source["search"])[0]
            return _named(frames(compare_runs(state, ctx)), state.scenario)
        if kind == "store":
            return frames(stores.resolve(ctx.results, source["store"]))
        if kind == "snapshot":
            return snapshot(source["search"], source["seed"], ctx)
    except ConfigError as err:
        raise ViewError(str(err)) from None
    raise ViewError(f"unknown view source {kind!r}")


def build(
    view: dict[str, Any], ctx: Context | None, data_in: Any = None
) -> tuple[pd.DataFrame, go.Figure]:
    """(data, figure) of a view; `data_in` skips reloading inputs the caller already has."""
    from analysis.data import Frames
    from analysis.figures import Unavailable

    mod = _figure(view["figure"])
    source = data_in if data_in is not None else inputs(view["source"], ctx)
    why = mod.NEEDS.missing(source) if isinstance(source, Frames) else None
    if why:
        raise ViewError(f"{mod.TITLE}: {why}")
    try:
        df = mod.data(source, **view.get("options", {}))
    except (Unavailable, ConfigError, ValueError, KeyError, TypeError) as err:
        raise ViewError(f"{mod.TITLE}: {err}") from None
    except Exception as err:  # options come from the browser: say what failed, keep serving
        raise ViewError(f"{mod.TITLE}: {type(err).__name__}: {err}") from None
    return df, with_finding(mod.draw(df), df.attrs.get("finding", ""))


def with_finding(fig: go.Figure, finding: str) -> go.Figure:
    """The figure carrying its data's one-sentence finding in `layout.meta` (kept beside
    any meta it has), which every figure card shows under the graph."""
    meta = fig.layout.meta
    fig.layout.meta = {**(meta if isinstance(meta, dict) else {}), "finding": finding or ""}
    return fig


def show(view: dict[str, Any], ctx: Context | None, data_in: Any = None) -> tuple[Any, Any]:
    """(figure for the page, its data) or (a figure that says why not, None)."""
    try:
        df, fig = build(view, ctx, data_in)
    except ViewError as err:
        return note(str(err)), None
    return screen(fig), df


def screen(fig: go.Figure) -> go.Figure:
    """The figure as the page shows it: sized by its card (the house template's fixed export
    width dropped), without the title (the card has one) and with its subtitle (notes such
    as what was pooled or which design points have no run yet) moved under the card beside
    the finding (`layout.meta.note`: HTML text wraps at any card width; a subtitle wrapped
    for the export width would overprint the panels). Exports keep all three."""
    out = go.Figure(fig)
    if out.layout.template is not None and out.layout.template.layout is not None:
        out.layout.template.layout.width = None
    sub = out.layout.title.subtitle.text if out.layout.title.subtitle else None
    if sub:
        meta = out.layout.meta if isinstance(out.layout.meta, dict) else {}
        out.layout.meta = {**meta, "note": " ".join(sub.replace("<br>", " ").split())}
    return out.update_layout(
        width=None, autosize=True, title_text=None, title_subtitle_text=None, margin_t=40
    )


def note(text: str, width: int = 48) -> go.Figure:
    """An empty figure that says why a view cannot be drawn (wrapped to fit a card)."""
    import textwrap

    from analysis import theme

    lines = textwrap.wrap(text, width) or [""]
    return screen(theme.note(theme.figure(), "<br>".join(lines)))


def table_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """The figure's data as CSV or Parquet."""
    if fmt == "csv":
        return df.to_csv(index=False).encode()
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def export(view: dict[str, Any], fmt: str, ctx: Context) -> tuple[str, bytes]:
    """(file name, bytes) of a view as a figure (png/svg/pdf, provenance embedded, through
    `analysis.export`) or as its data (csv/parquet)."""
    from analysis import export as ex

    if fmt not in FORMATS:
        raise ViewError(f"format {str(fmt)[:20]!r}: allowed {', '.join(FORMATS)}")
    view = check(view)
    source = inputs(view["source"], ctx)
    df, fig = build(view, ctx, source)
    stem = view["figure"]
    if fmt in ("csv", "parquet"):
        return f"{stem}.{fmt}", table_bytes(df, fmt)
    if not ctx.export_gate.acquire(blocking=False):
        raise ViewError("busy: other figure exports are waiting; try again in a few seconds")
    try:
        with ctx.export_lock:  # kaleido's browser is not thread-safe (also locked inside)
            return f"{stem}.{fmt}", ex.to_bytes(fig, fmt, provenance(view, source))
    except ex.ExportError as err:
        raise ViewError(str(err)) from None
    finally:
        ctx.export_gate.release()


def provenance(view: dict[str, Any], source: Any) -> dict[str, Any]:
    """What the exported file records: the analysis provenance of its runs plus the view."""
    from analysis import metadata

    if isinstance(source, dict):  # a snapshot: one run
        code = code_version()
        sid = source["scenario"]
        return {
            "figure": view["figure"], "runs": 1, "seeds": [source["seed"]],
            "scenarios": [{"id": sid, **_split(sid)}], **code, "view": view,
        }  # fmt: skip
    return {**metadata.provenance(source, view["figure"]), "view": view}


def _split(sid: str) -> dict[str, str]:
    name, _, version = sid.rpartition("-")
    return {"name": name, "version": version}
