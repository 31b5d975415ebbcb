"""Response curves: each metric's end-of-run mean against one varied parameter (log axis when
its levels are log-spaced), a CI band over the replications of each design point, one line
per level of every other factor the sweep varied. On the demo sweep this is the Goodhart
curve: approval keeps rising with optimisation pressure while welfare peaks and falls, and
with well-informed voters it does not fall. Each run counts with its mean over the run where
the store recorded time series (`over="run"`: a per-step outcome such as welfare is noisy at
any one step; `over="end"` takes the end-of-run value). Levels with no finished run yet are
gaps in the line and named in the subtitle, never an error."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import (
    cell,
    defined_everywhere,
    facets,
    legend_below,
    pick_metrics,
    short,
)
from analysis.stats import aggregate

NAME = "response"
TITLE = "Response to a varied parameter (mean and CI per design point)"
MAX_X = 15  # more distinct values than this: a sampled axis (see phase_diagram)
GOODHART = ("approval", "welfare")


def axes(f: Frames) -> list[str]:
    """The varied numeric parameters with 2..MAX_X levels, most levels first."""
    ok = [
        p
        for p in f.params
        if p in f.design
        and pd.api.types.is_numeric_dtype(f.design[p])
        and 2 <= f.design[p].nunique() <= MAX_X
    ]
    return sorted(ok, key=lambda p: -f.design[p].nunique())


class _Needs(Needs):
    def missing(self, f: Frames) -> str | None:
        if not axes(f):
            return f"needs a varied numeric parameter with 2-{MAX_X} levels"
        return super().missing(f)


NEEDS = _Needs()


def data(
    store_or_frames,
    metrics: Sequence[str] | None = None,
    x: str | None = None,
    pool: bool = False,
    level: float = 0.95,
    method: str = "t",
    over: str = "run",
) -> pd.DataFrame:
    """Tidy, one row per metric, x level and combination of the other factors: x, *others,
    metric, n (0: no finished run), mean, sd, lo, hi. attrs: x, others, metrics, log,
    missing, pooled, over ('run' or 'end': what one run contributes), finding."""
    f = frames(store_or_frames)
    x = _axis(f, x)
    sp = design.split(f, x, pool)
    chosen = _metrics(f, metrics, sp)
    runs, over = _per_run(f, chosen, over)
    out = _complete(f, aggregate(runs, chosen, by=sp.keys, level=level, method=method), sp)
    out.attrs.update(
        x=x, others=list(sp.others), metrics=chosen, log=design.is_log(f, x), over=over,
        pooled=sp.note(), missing=_missing(runs, f, sp),
        finding=finding(runs, f, sp, chosen, level),
    )  # fmt: skip
    return out


def _per_run(f: Frames, metrics: list[str], over: str) -> tuple[pd.DataFrame, str]:
    """Each finished run with its mean over the run ('run', where the store has time means
    of every metric; else its end value) or its end-of-run value ('end')."""
    if over not in ("run", "end"):
        raise Unavailable(f"over = {over!r}: allowed 'run' (mean over the run) or 'end'")
    timed = f.time_means is not None and set(metrics) <= set(f.time_means.columns)
    if over == "run" and timed:
        return f.runs(means=metrics), "run"
    return f.runs(), "end"


def _axis(f: Frames, x: str | None) -> str:
    ok = axes(f)
    if x is None:
        if not ok:
            raise Unavailable(f"needs a varied numeric parameter with 2-{MAX_X} levels")
        return ok[0]
    if x not in ok:
        raise Unavailable(f"x = {x!r} is not a varied numeric parameter with 2-{MAX_X} levels")
    return x


def _metrics(f: Frames, metrics, sp: design.Split) -> list[str]:
    if metrics:
        return pick_metrics(f.metrics, metrics)
    defined = defined_everywhere(f.runs(), f.metrics, sp.keys)
    if set(GOODHART) <= set(defined):
        return list(GOODHART)
    return pick_metrics(defined, None, f.summary)[:4]


def _complete(f: Frames, tidy: pd.DataFrame, sp: design.Split) -> pd.DataFrame:
    """Every design level present (n = 0 and NaN where no run has finished)."""
    grid = pd.DataFrame(design.combos(f, sp.keys), columns=sp.keys)
    metrics = pd.DataFrame({"metric": list(dict.fromkeys(tidy["metric"]))})
    full = grid.merge(metrics, how="cross")
    out = full.merge(tidy, on=[*sp.keys, "metric"], how="left")
    return out.assign(n=out["n"].fillna(0).astype(int))


def _missing(runs: pd.DataFrame, f: Frames, sp: design.Split) -> list[str]:
    """The design points with no finished run (a metric that is undefined at a point with
    runs, e.g. oversight cost with no oversight layer, is a gap too but not 'missing')."""
    done = set(runs[sp.keys].drop_duplicates().itertuples(index=False, name=None))
    gone = [c for c in design.combos(f, sp.keys) if tuple(c) not in done]
    return [design.name(sp.keys, tuple(c)) for c in gone]


def finding(
    runs: pd.DataFrame, f: Frames, sp: design.Split, metrics: list[str], level: float = 0.95
) -> str:
    """'At information = 0.15, raising pressure from 16 to 256 raises approval by ... and
    lowers welfare by ...', where it moves most: from the level where the second metric (the
    target, e.g. welfare, against the proxy approval) peaks to the highest level with runs,
    or from the lowest level when it peaks at either end."""
    done = sorted(runs[sp.focus].dropna().unique())
    if len(done) < 2:
        return ""
    effects = {}
    for combo in design.combos(f, sp.others):
        part = design.select(runs, sp.others, combo)
        lo, hi = _span(part, sp.focus, metrics, done)
        a, b = part[part[sp.focus] == lo], part[part[sp.focus] == hi]
        effects[combo] = [findings.contrast(a, b, m, level) for m in metrics[:2]] + [(lo, hi)]
    goodhart = list(metrics[:2]) == list(GOODHART)
    score = {k: v[0][0] - (v[1][0] if goodhart else 0.0) for k, v in effects.items()}
    # Goodhart: the largest proxy-over-target gap (signed); otherwise the largest move of the
    # first metric either way (a fall is as much a finding as a rise)
    best = findings.strongest(score, key=(lambda d: d) if goodhart else abs)
    if best is None:
        return ""
    *moved, (lo, hi) = effects[best]
    moves = " and ".join(findings.change(m, *e[:3]) for m, e in zip(metrics, moved, strict=False))
    where = design.where(sp.others, best)
    lead = f"at {where}," if where else ""
    span = f"raising {short(sp.focus).replace('_', ' ')} from {lo:g} to {hi:g}"
    paired = all(e[4] for e in moved)
    how = f"(paired on {moved[0][3]} common seeds)" if paired else ""
    return findings.sentence(lead, span, moves, how, _other(effects, best, sp, metrics))


def _other(effects: dict, best, sp: design.Split, metrics: list[str]) -> str:
    """'; at information = 0.9 it raises welfare by ...' when there is one other level to
    set beside the chosen one (the ablation in the same sentence)."""
    if len(effects) != 2 or len(metrics) < 2:
        return ""
    other = next(k for k in effects if k != best)
    *moved, (lo, hi) = effects[other]
    return f"; at {design.where(sp.others, other)} ({lo:g} to {hi:g}) it " + findings.change(
        metrics[1], *moved[1][:3]
    )


def _span(part: pd.DataFrame, focus: str, metrics: list[str], done: list) -> tuple:
    """(from, to) levels of the contrast: the target's peak (an interior level of the mean
    of the second metric) to the highest level, else lowest to highest."""
    if len(metrics) < 2 or len(done) < 3:
        return done[0], done[-1]
    means = part.groupby(focus)[metrics[1]].mean().reindex(done)
    if means.isna().all():
        return done[0], done[-1]
    peak = means.idxmax()
    return (peak, done[-1]) if peak not in (done[0], done[-1]) else (done[0], done[-1])


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    per_run = ", mean over the run" if a.get("over") == "run" else ", end of run"
    fig = facets([theme.label(m) + per_run for m in a["metrics"]], title)
    looks = _looks(df)
    for i, m in enumerate(a["metrics"]):
        for combo, look in looks.items():
            part = design.select(df[df["metric"] == m], a["others"], combo).sort_values(a["x"])
            _line(fig, part, a["x"], look, show=i == 0, where=cell(i))
        fig.update_xaxes(title_text=theme.label(a["x"]), **cell(i))
        if a["log"]:
            fig.update_xaxes(type="log", tickvals=sorted(df[a["x"]].unique()), **cell(i))
    notes = [n for n in (a.get("pooled"), _gaps(a.get("missing", []))) if n]
    fig.update_layout(showlegend=bool(a["others"]), legend_title_text="")
    legend_below(fig, [s.name for s in looks.values()])
    if notes:
        findings.subtitle(fig, "; ".join(notes))
    return fig


def _looks(df: pd.DataFrame) -> dict:
    """A style per combination of the other factors (shared with their legend)."""
    others = df.attrs["others"]
    shim = Frames(df[others].drop_duplicates(), pd.DataFrame(), params=others)
    return design.styles(shim, others)


def _gaps(missing: list[str]) -> str:
    if not missing:
        return ""
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return "no finished run yet at " + "; ".join(missing[:3]) + more


def _line(fig: go.Figure, part: pd.DataFrame, x: str, look, show: bool, where) -> None:
    name = look.name or "mean"
    theme.ci_band(
        fig, part[x], part["lo"], part["hi"], design.hex_colour(look.colour), name, **where
    )
    fig.add_trace(
        go.Scatter(
            x=part[x],
            y=part["mean"],
            mode="lines+markers",
            name=name,
            legendgroup=name,
            showlegend=show,
            connectgaps=False,
            line=dict(color=look.colour, width=2, dash=look.dash),
            marker=dict(color=look.colour, size=7, symbol=look.symbol),
            customdata=part[["lo", "hi", "n"]],
            hovertemplate=f"{short(x)} %{{x}}: %{{y:.3g}} [%{{customdata[0]:.3g}}, "
            "%{customdata[1]:.3g}] n=%{customdata[2]}<extra>" + name + "</extra>",
        ),
        **where,
    )
