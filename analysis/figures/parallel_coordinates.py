"""Parallel coordinates of a sweep: one axis per varied factor (parameters, then interventions,
arms or scenarios as categorical axes) and per chosen metric, one line per design point (the
mean over its replications; `per="run"` draws every run), coloured by a chosen metric or
factor. A reader follows the lines of one colour back to the factor levels that produce them,
the exploratory view of many-input model output that Inselberg (1985, "The plane with
parallel coordinates", The Visual Computer 1) introduced and EMA Workbench offers for
scenario discovery. Log-spaced parameters get log axes, and a log colour scale when they
colour the lines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import pick_metrics, short
from analysis.figures.phase_diagram import factors

NAME = "parallel_coordinates"
TITLE = "Parallel coordinates"
NEEDS = Needs(params=1, standard=False)  # a dashboard view: its axes are chosen there
MAX_METRICS = 4  # chosen metrics drawn at most
DEFAULT_METRICS = 2  # the figure's own choice: the first headline metrics that vary
PERS = ("point", "run")
MAX_TICKS = 8  # a numeric axis with this many levels or fewer is labelled at each level


def data(
    store_or_frames,
    metrics: Sequence[str] | None = None,
    color: str | None = None,
    per: str = "point",
) -> pd.DataFrame:
    """One row per design point (`per="point"`: factors, n, each metric's mean over the
    point's replications) or per run. attrs: factors, metrics, color, per, log, finding."""
    f: Frames = frames(store_or_frames)
    if per not in PERS:
        raise Unavailable(f"per = {per!r}: allowed {', '.join(PERS)}")
    cols = axis_order(f)
    top = MAX_METRICS if metrics else DEFAULT_METRICS
    chosen = pick_metrics(f.metrics, metrics, f.summary)[:top]
    color = color or chosen[0]
    if color not in (*chosen, *cols):
        raise Unavailable(f"colour = {color!r} is neither a chosen metric nor a varied factor")
    runs = f.runs()[[*cols, *chosen]]
    if per == "point":
        g = runs.groupby(cols, sort=True, dropna=False)
        runs = g[chosen].mean().join(g.size().rename("n")).reset_index()
    out = runs.reset_index(drop=True)
    log = {c: design.is_log(f, c) and bool((out[c] > 0).all()) for c in cols}
    out.attrs.update(factors=cols, metrics=chosen, color=color, per=per, log=log)
    out.attrs["levels"] = {c: [_plain(v) for v in f.levels(c)] for c in cols}
    out.attrs["finding"] = finding(out)
    return out


def axis_order(f: Frames) -> list[str]:
    """The factors left to right: the categorical factor with the longest level names first
    (its tick labels sit left of its axis, in the margin), then the numeric ones, then the
    other categorical ones, so two columns of level names never meet."""
    cols = factors(f)
    cats = [c for c in cols if not pd.api.types.is_numeric_dtype(f.design[c])]
    cats.sort(key=lambda c: -max(len(str(v)) for v in f.levels(c)))
    nums = [c for c in cols if c not in cats]
    return cats[:1] + nums + cats[1:]


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def finding(df: pd.DataFrame) -> str:
    """The factor whose levels explain most of the colour metric's spread over the lines
    drawn (eta squared, the correlation ratio: between-level over total sum of squares;
    it reads numeric and categorical factors alike), and the metric's range."""
    a = df.attrs
    target = a["color"] if a["color"] in a["metrics"] else a["metrics"][0]
    ok = df[np.isfinite(df[target].to_numpy(dtype=float))]
    if ok.empty:
        return ""
    y = ok[target].to_numpy(dtype=float)
    what = "design points" if a["per"] == "point" else "runs"
    lead = f"across {len(ok)} {what}, {short(target)}"
    span = _span(y)
    shares = {c: eta_squared(ok[c], y) for c in a["factors"]}
    best = findings.strongest(shares)
    if best is None:
        return findings.sentence(lead, span)
    say = f"and the levels of {short(best)} explain {shares[best]:.0%} of that spread (eta²)"
    return findings.sentence(lead, span, say)


def _span(y: np.ndarray) -> str:
    """'ranges from 0.1 to 0.9' (more digits when three do not tell the ends apart), or
    'is 1 everywhere'."""
    if np.ptp(y) == 0:
        return f"is {findings.num(y[0])} everywhere"
    lo, hi = findings.num(y.min()), findings.num(y.max())
    if lo == hi:
        lo, hi = f"{y.min():.6g}", f"{y.max():.6g}"
    return f"ranges from {lo} to {hi}"


def eta_squared(groups: pd.Series, y: np.ndarray) -> float:
    """Share of the variance of `y` between the levels of `groups` (NaN when `y` is flat)."""
    total = float(((y - y.mean()) ** 2).sum())
    if total <= 0:
        return np.nan
    means = pd.Series(y).groupby(groups.to_numpy()).transform("mean").to_numpy()
    return float(((means - y.mean()) ** 2).sum() / total)


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    dims = [_factor_axis(df, c) for c in a["factors"]]
    dims += [dict(label=_label(m), values=df[m].to_numpy(dtype=float)) for m in a["metrics"]]
    fig = theme.figure(f"{title}: coloured by {short(a['color'])}")
    fig.add_trace(
        go.Parcoords(
            dimensions=dims,
            line=_line(df, a["color"]),
            domain=dict(x=[0.08, 0.9], y=[0, 0.84]),  # room for the axes' labels
            labelangle=0,
            labelside="top",
            labelfont=dict(size=12),
            # the axes' extent labels sit where a two-line axis label ends; the ticks give
            # the range already
            rangefont=dict(size=1, color="rgba(0,0,0,0)"),
            tickfont=dict(size=11),
        )
    )
    return fig.update_layout(margin=dict(t=90, l=70, r=90, b=40))


def _factor_axis(df: pd.DataFrame, c: str) -> dict:
    """A factor's axis: categories as codes with their names, log parameters as log10 values
    labelled with the levels."""
    a, levels = df.attrs, df.attrs["levels"][c]
    name = _label(c) + (" (log)" if a["log"][c] else "")
    if not pd.api.types.is_numeric_dtype(df[c]):
        codes = df[c].map({v: i for i, v in enumerate(levels)}).to_numpy(dtype=float)
        return dict(label=name, values=codes, tickvals=list(range(len(levels))),
                    ticktext=[str(v) for v in levels], range=[-0.2, len(levels) - 0.8])  # fmt: skip
    values = df[c].to_numpy(dtype=float)
    out = dict(label=name, values=np.log10(values) if a["log"][c] else values)
    if len(levels) <= MAX_TICKS:
        ticks = np.asarray(levels, dtype=float)
        out.update(tickvals=np.log10(ticks) if a["log"][c] else ticks,
                   ticktext=[f"{v:g}" for v in ticks])  # fmt: skip
    return out


def _label(name: str, width: int = 14) -> str:
    """An axis label in lines of about `width` characters ('optimization<br>pressure'), so
    the labels of neighbouring axes do not run into each other."""
    import textwrap

    return "<br>".join(textwrap.wrap(short(name).replace("_", " "), width)) or short(name)


def _line(df: pd.DataFrame, color: str) -> dict:
    """Line colours: the colour column (log10 of it for a log factor, ticks at its levels);
    categorical factors by their level codes."""
    a = df.attrs
    bar: dict = dict(title=dict(text=short(color), font_size=12, side="right"), thickness=12)
    if color in a["factors"] and not pd.api.types.is_numeric_dtype(df[color]):
        levels = a["levels"][color]
        v = df[color].map({x: i for i, x in enumerate(levels)}).to_numpy(dtype=float)
        bar.update(tickvals=list(range(len(levels))), ticktext=[str(x) for x in levels])
    elif a["log"].get(color):
        v = np.log10(df[color].to_numpy(dtype=float))
        ticks = np.asarray(a["levels"][color], dtype=float)
        bar.update(tickvals=np.log10(ticks), ticktext=[f"{t:g}" for t in ticks])
    else:
        v = df[color].to_numpy(dtype=float)
    return dict(color=v, colorscale="Viridis", showscale=True, colorbar=bar)
