"""Phase diagram: the end-of-run mean of one metric over any two factors of a sweep (a varied
parameter, the interventions, the scenarios or the arms), as a heatmap, one panel per level
of every other factor (or that factor held at one chosen level): nothing is averaged over a
factor the sweep varied, so every cell is one design point and its CI is over that point's
replications. Continuous designs such as LHS, Monte Carlo or Sobol are binned instead, on a
log scale for parameters declared `log` (a bin then holds several design points; its hover
says how many runs).

Each cell's hover gives the mean, its t CI and n, so a sharp edge (a regime change) can be
told from noise; `show="ci"` draws the CI half-width instead of the mean (the uncertainty
view), so a reader sees where the map can be trusted and where it needs more replications.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import facets, short
from analysis.stats import aggregate

NAME = "phase_diagram"
TITLE = "Phase diagram"
MAX_LEVELS = 15  # more distinct values than this on an axis: bin it
MAX_PANELS = 12  # more panels than this: the next factor is held at its first level
PREFERRED = ("welfare", "approval")
TWO = "needs two varied parameters (or one and the interventions, arms or scenarios)"
SHOWS = {"mean": "mean", "ci": "95% CI half-width"}


def factors(f: Frames) -> list[str]:
    """What can go on an axis or a panel: the varied parameters, then the interventions,
    arms and scenarios when the sweep crossed two or more of them."""
    return [*f.params, *(c for c in design.varied(f) if c not in f.params)]


class _Needs(Needs):
    def missing(self, f: Frames) -> str | None:
        if len(factors(f)) < 2:
            return TWO
        return super().missing(f)


NEEDS = _Needs(standard=False)  # the dashboard picks its axes


def level_text(value) -> str:
    """A level as the dashboard's selector and the URL write it ('0.15', '16', 'no_layers')."""
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def _choose(f: Frames, metric: str | None, x: str | None, y: str | None) -> tuple[str, str, str]:
    names = factors(f)
    if len(names) < 2:
        raise Unavailable(TWO)
    metric = metric or next((m for m in PREFERRED if m in f.metrics), None)
    metric = metric or (f.metrics[0] if f.metrics else None)
    if metric not in f.metrics:
        raise Unavailable(f"metric not recorded: {metric}")
    x = x or names[0]
    y = y or next(p for p in names if p != x)
    for axis, name in (("x", x), ("y", y)):
        if name not in names:
            raise Unavailable(f"{axis} = {name!r} is not varied in this sweep ({', '.join(names)})")
    if x == y:
        raise Unavailable("x and y must be different factors")
    return metric, x, y


def held(f: Frames, runs: pd.DataFrame, fixed: Mapping[str, str]) -> pd.DataFrame:
    """The runs at the chosen level of each held factor (`fixed`: factor -> level text);
    Unavailable names a factor or level the sweep does not have."""
    for factor, text in fixed.items():
        if factor not in runs or factor not in factors(f):
            raise Unavailable(f"{factor!r} is not varied in this sweep")
        texts = {level_text(v): v for v in f.levels(factor)}
        if text not in texts:
            raise Unavailable(f"{short(factor)} has no level {text!r} ({', '.join(texts)})")
        runs = runs[runs[factor] == texts[text]]
    return runs


def _cells(values: pd.Series, n_runs: int) -> tuple[pd.Series, bool]:
    """Each run's cell value on one axis: the value itself, or its bin centre."""
    if values.nunique() <= MAX_LEVELS or not pd.api.types.is_numeric_dtype(values):
        return values, False
    k = int(np.clip(np.sqrt(n_runs / 3), 4, MAX_LEVELS))
    v = values.to_numpy(dtype=float)
    log = _is_log(values.name) and (v > 0).all()
    edges = np.linspace(*(np.log10([v.min(), v.max()]) if log else (v.min(), v.max())), k + 1)
    idx = np.clip(np.digitize(np.log10(v) if log else v, edges[1:-1]), 0, k - 1)
    centres = (edges[:-1] + edges[1:]) / 2
    return pd.Series(10 ** centres[idx] if log else centres[idx], index=values.index), True


def _is_log(path: str) -> bool:
    from sim.params import PARAMS

    return path in PARAMS and PARAMS[path].log


def data(
    store_or_frames,
    metric: str | None = None,
    x: str | None = None,
    y: str | None = None,
    fixed: Mapping[str, str] | None = None,
    show: str = "mean",
) -> pd.DataFrame:
    """Tidy, one row per panel and cell: panel, x, y, n, mean, sd, lo, hi, half (the CI
    half-width). `fixed` holds factors at one level (factor -> level text); every other
    factor gets its own panels. attrs: metric, x, y, binned_x/y, panels, panel_by, x_levels,
    y_levels, show, finding."""
    f = frames(store_or_frames)
    metric, x, y = _choose(f, metric, x, y)
    if show not in SHOWS:
        raise Unavailable(f"show = {show!r}: allowed {', '.join(SHOWS)}")
    fixed = {k: v for k, v in (fixed or {}).items() if k not in (x, y)}
    by, auto, sampled = _split(f, x, y, fixed)
    runs = held(f, f.runs(), fixed | auto)[[x, y, *by, metric]].dropna(subset=[metric])
    if runs.empty:
        raise Unavailable(f"no finished run has a finite {metric}")
    combos = design.combos(f, by)
    cx, bx = _cells(runs[x], len(runs))
    cy, by_ = _cells(runs[y], len(runs))
    cells = runs.assign(x=cx, y=cy, panel=_panels(runs, by))
    out = aggregate(cells, [metric], by=["panel", "x", "y"]).drop(columns="metric")
    out = out.assign(half=(out["hi"] - out["lo"]) / 2)
    out.attrs.update(
        metric=metric, x=x, y=y, binned_x=bx, binned_y=by_, show=show, panel_by=by,
        panels=[design.name(by, c) for c in combos], fixed=dict(fixed), auto=auto,
        sampled=sampled,
        x_levels=_order(f, x, cx, bx), y_levels=_order(f, y, cy, by_),
    )  # fmt: skip
    out.attrs["finding"] = finding(out)
    return out


def _split(f: Frames, x: str, y: str, fixed) -> tuple[list[str], dict[str, str], list[str]]:
    """(factors drawn as panels, factors held at their first level because more panels would
    not fit, sampled factors of a continuous design: each bin pools their values). A held
    factor is named on the figure, so nothing is averaged over without saying so."""
    rest = [c for c in factors(f) if c not in (x, y, *fixed)]
    sampled = [c for c in rest if f.design[c].nunique() > design.MAX_LEVELS]
    by, auto = [], {}
    for c in (c for c in rest if c not in sampled):
        if math.prod(len(f.levels(k)) for k in [*by, c]) <= MAX_PANELS:
            by.append(c)
        else:
            auto[c] = level_text(f.levels(c)[0])
    return by, auto, sampled


def _panels(runs: pd.DataFrame, by: list[str]) -> pd.Series:
    if not by:
        return pd.Series("", index=runs.index)
    return pd.Series(
        [design.name(by, tuple(r)) for r in runs[by].itertuples(index=False)], index=runs.index
    )


def _order(f: Frames, factor: str, cells: pd.Series, binned: bool) -> list:
    """Every level of an axis in its natural order (a level with no finished run stays, as
    an empty row or column: a partial store shows what is missing)."""
    return [_tick(v) for v in (sorted(cells.unique()) if binned else f.levels(factor))]


def _where(df: pd.DataFrame, row: pd.Series) -> str:
    a = df.attrs
    parts = [f"{short(a['x'])} {level_text(row['x'])}", f"{short(a['y'])} {level_text(row['y'])}"]
    panel = row["panel"].replace(" = ", " ").replace(" · ", ", ")
    return ", ".join(parts + ([panel] if panel else []))


def finding(df: pd.DataFrame) -> str:
    """Where the metric is highest and lowest (mean view), or where its CI is widest and
    narrowest (uncertainty view), with the cells' CIs and n."""
    ok = df.dropna(subset=["mean"])
    if len(ok) < 2:
        return ""
    name = theme.label(df.attrs["metric"])
    if df.attrs["show"] == "ci":
        wide = ok.dropna(subset=["half"])
        if wide.empty:
            return "No cell has two or more replications, so no CI can be shown."
        hi, lo = wide.loc[wide["half"].idxmax()], wide.loc[wide["half"].idxmin()]
        return findings.sentence(
            f"the 95% CI of {name} is widest at {_where(df, hi)} (±{findings.num(hi['half'])},",
            f"n={hi['n']}) and narrowest at {_where(df, lo)} (±{findings.num(lo['half'])},",
            f"n={lo['n']})",
        )
    hi, lo = ok.loc[ok["mean"].idxmax()], ok.loc[ok["mean"].idxmin()]
    return findings.sentence(
        f"{name} is highest at {_where(df, hi)} ({_ci(hi)}) and lowest at",
        f"{_where(df, lo)} ({_ci(lo)}), over {len(ok)} cells",
    )


def _ci(row: pd.Series) -> str:
    return f"{findings.num(row['mean'])}{findings.interval(row['lo'], row['hi'])}, n={row['n']}"


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    panels = a["panels"] or [""]
    binned = " (binned)" if a["binned_x"] or a["binned_y"] else ""
    head = f"{title}: {theme.label(a['metric'])}{binned}"
    cols = 1 if len(panels) == 1 else 2 if len(panels) in (2, 4) else 3
    fig = facets(panels if len(panels) > 1 else [""], head, cols=cols)
    for i, panel in enumerate(panels):
        where = {"row": i // cols + 1, "col": i % cols + 1}
        fig.add_trace(_heatmap(df[df["panel"] == panel], a), **where)
        fig.update_xaxes(title_text=theme.label(a["x"]), **where, **_axis(a, "x"))
        fig.update_yaxes(title_text=theme.label(a["y"]) if where["col"] == 1 else None,
                         **where, **_axis(a, "y"))  # fmt: skip
    rows = math.ceil(len(panels) / cols)
    fig.update_layout(coloraxis=_colours(a), height=max(theme.HEIGHT, 280 * rows + 140))
    notes = [f"held at {short(k)} = {v} (too many panels)" for k, v in a["auto"].items()]
    notes += [f"each bin pools the sampled {short(c)}" for c in a["sampled"]]
    if notes:
        fig.update_layout(title_subtitle_text="; ".join(notes), margin_t=100)
    return fig


def _heatmap(part: pd.DataFrame, a: dict) -> go.Heatmap:
    """One panel: z the mean (or the CI half-width), hover 'mean [lo, hi] n' either way."""
    grid = {
        v: part.pivot_table(index="y", columns="x", values=v, aggfunc="first", dropna=False)
        .reindex(index=a["y_levels"], columns=a["x_levels"])
        .to_numpy(dtype=float)
        for v in ("mean", "lo", "hi", "n", "half")
    }
    grid["n"] = np.nan_to_num(grid["n"])  # a cell without runs (or without the metric): n=0
    z = grid["half"] if a["show"] == "ci" else grid["mean"]
    return go.Heatmap(
        x=[_tick(v) for v in a["x_levels"]],
        y=[_tick(v) for v in a["y_levels"]],
        z=z,
        customdata=np.dstack([grid[k] for k in ("mean", "lo", "hi", "n", "half")]),
        coloraxis="coloraxis",
        hovertemplate=f"{short(a['x'])} %{{x}}, {short(a['y'])} %{{y}}<br>"
        "mean %{customdata[0]:.3g} [%{customdata[1]:.3g}, %{customdata[2]:.3g}] "
        "n=%{customdata[3]}<br>CI half-width %{customdata[4]:.3g}<extra></extra>",
    )


def _tick(value):
    """Grid levels stay themselves (numbers on a category axis keep their order)."""
    return value.item() if hasattr(value, "item") else value


def _colours(a: dict) -> dict:
    """The shared colour scale; its title on the bar's right side (a title on top meets the
    top tick label)."""
    name = short(a["metric"]) if a["show"] == "mean" else f"± 95% CI of {short(a['metric'])}"
    scale = "Viridis" if a["show"] == "mean" else "OrRd"
    title = dict(text=name, font_size=12, side="right")
    return dict(colorscale=scale, colorbar=dict(title=title, thickness=12))


def _axis(a: dict, which: str) -> dict:
    """Grid values are categories (one cell each, evenly spaced); binned values keep their
    scale (log for parameters declared `log`)."""
    if not a[f"binned_{which}"]:
        return {"type": "category", "categoryorder": "array",
                "categoryarray": [_tick(v) for v in a[f"{which}_levels"]]}  # fmt: skip
    return {"type": "log" if _is_log(a[which]) else "linear"}
