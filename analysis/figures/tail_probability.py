"""Tail probability against a swept parameter: a tail sweep's estimate of P(event by a step) at
each design point (sim/sweep/tail.py: one estimator call per run) on a log y axis, the 95%
interval as error bars, one line per intervention and per level of every other varied factor
(never averaged over them). A point whose estimate is 0 is drawn as its 95% upper bound (a
down triangle), since 0 has no place on a log axis. With several replications of a point, the
Monte Carlo hits are pooled (exact Clopper-Pearson interval); AMS and IS estimates, each
unbiased, are averaged and their standard errors combined (log-normal interval). An upper
bound above 1 (AMS's log-normal interval at p near 1) is drawn at 1. The x axis is log when
the parameter is (all levels positive); levels over orders of magnitude with a 0 among them
are evenly spaced categories, in order."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import legend_below, short
from analysis.figures.response import MAX_X, axes  # the same x axes as the response figure

NAME = "tail_probability"
TITLE = "Tail probability against a varied parameter (95% CI)"
Z95 = 1.959963984540054


class _Needs(Needs):
    def missing(self, f: Frames) -> str | None:
        if f.outcomes is None or "tail_p" not in f.outcomes:
            return "needs a tail sweep (a spec with a `tail:` section: docs/sweeps.md)"
        if not axes(f):
            return f"needs a varied numeric parameter with 2-{MAX_X} levels"
        return None


# not in the standard set: only a tail sweep can make it (`instalign figures DIR --only
# tail_probability`), and a tail sweep records no metric for the standard figures
NEEDS = _Needs(standard=False)


def data(store_or_frames, x: str | None = None) -> pd.DataFrame:
    """One row per design point: x, *others, n (replications finished; 0: none yet), p, lo,
    hi, model_steps, status. attrs: x, others, log_x, title, finding, missing, request."""
    f = frames(store_or_frames)
    why = NEEDS.missing(f)
    if why:
        raise Unavailable(why)
    x = _axis(f, x)
    sp = design.split(f, x)
    runs = f.design.merge(f.outcomes, on="run_id", how="inner")
    req = f.manifest.get("tail") or {}
    rows = [
        {**dict(zip(sp.keys, combo, strict=True)), **pool(design.select(runs, sp.keys, combo))}
        for combo in design.combos(f, sp.keys)
    ]
    out = pd.DataFrame(rows)
    values = pd.to_numeric(f.design[x], errors="coerce")
    out.attrs.update(
        x=x,
        others=list(sp.others),
        log_x=bool(design.is_log(f, x) and (values > 0).all()),
        title=_title(req),
        request=req,
        missing=_missing(out, sp.keys),
    )
    out.attrs["finding"] = finding(out)
    return out


def _missing(out: pd.DataFrame, keys: list[str]) -> list[str]:
    """The design points with no finished run yet."""
    gone = out.loc[out["n"] == 0, keys].itertuples(index=False, name=None)
    return [design.name(keys, combo) for combo in gone]


def _axis(f: Frames, x: str | None) -> str:
    ok = axes(f)
    if x is None:
        return ok[0]
    if x not in ok:
        raise Unavailable(f"x = {x!r} is not a varied numeric parameter with 2-{MAX_X} levels")
    return x


def pool(runs: pd.DataFrame) -> dict:
    """The estimate of one design point from its replications (module docstring)."""
    n = len(runs)
    if n == 0:
        return {"n": 0, "p": np.nan, "lo": np.nan, "hi": np.nan, "model_steps": 0, "status": ""}
    p, lo, hi = (runs[c].to_numpy(dtype=float) for c in ("tail_p", "tail_ci_lo", "tail_ci_hi"))
    status = ", ".join(sorted(set(runs["tail_status"].astype(str))))
    steps = int(runs["tail_model_steps"].sum())
    if n == 1:
        return {"n": 1, "p": p[0], "lo": lo[0], "hi": min(hi[0], 1.0), "model_steps": steps,
                "status": status}  # fmt: skip
    if set(runs["tail_method"]) == {"mc"}:
        lo1, p1, hi1 = _pooled_mc(runs)
    else:
        p1 = float(p.mean())
        rel = runs["tail_rel_error"].to_numpy(dtype=float)
        se = math.sqrt(float(np.nansum((rel * p) ** 2))) / n
        spread = math.exp(Z95 * se / p1) if p1 > 0 else math.nan
        lo1, hi1 = (p1 / spread, p1 * spread) if p1 > 0 else (0.0, float(hi.mean()))
    return {"n": n, "p": p1, "lo": lo1, "hi": min(hi1, 1.0), "model_steps": steps,
            "status": status}  # fmt: skip


def _pooled_mc(runs: pd.DataFrame) -> tuple[float, float, float]:
    """Monte Carlo replications as one sample: hits and paths summed, exact interval."""
    from scipy.stats import binomtest

    paths = runs["tail_ess"].to_numpy(dtype=float)  # MC: ESS = paths
    hits = round(float((runs["tail_p"].to_numpy(dtype=float) * paths).sum()))
    total = int(paths.sum())
    ci = binomtest(hits, total).proportion_ci(0.95, method="exact")
    return float(ci.low), hits / total, float(ci.high)


def _title(req: dict) -> str:
    if not req:
        return TITLE
    return f"{_event(req)} · {req.get('method')}, budget {req.get('budget')}"


def _event(req: dict) -> str:
    """'P(catastrophes >= 1 by step 20)' from the manifest's tail request."""
    by = req.get("by_step")
    when = f"by step {by}" if by is not None else "by the end of the run"
    return f"P({req.get('event', 'event')} {when})"


def finding(df: pd.DataFrame) -> str:
    """'P(catastrophes >= 1 by step 20) rises from 0.0133 [0.00365, 0.0338] at kl budget = 0 to
    0.997 [0.982, 1] at kl budget = 1 (74.8x, 6.22 bits)', one clause per line (intervention,
    other factors, named in brackets), lowest to highest x with an estimate; 'rises'/'falls'
    only when the two intervals do not overlap."""
    a = df.attrs
    parts = []
    for combo in design.combos(_shim(df), a["others"]):
        part = design.select(df, a["others"], combo)
        part = part[part["n"] > 0].sort_values(a["x"])
        if len(part) < 2:
            continue
        where = design.where(a["others"], combo)
        parts.append(_span(part, a["x"]) + (f" ({where})" if where else ""))
    if not parts:
        return ""
    return _event(a["request"]) + " " + "; ".join(parts) + "."


def _span(part: pd.DataFrame, x: str) -> str:
    first, last = part.iloc[0], part.iloc[-1]
    frm, to = _at(first, x), _at(last, x)
    if first["hi"] < last["lo"]:
        verb = "rises"
    elif last["hi"] < first["lo"]:
        verb = "falls"
    else:
        return f"does not clearly change from {frm} to {to}"
    ratio = ""
    if first["p"] > 0 and last["p"] > 0:
        r = last["p"] / first["p"]
        ratio = f" ({findings.num(max(r, 1 / r))}x, {findings.num(abs(math.log2(r)))} bits)"
    return f"{verb} from {frm} to {to}{ratio}"


def _at(row, x: str) -> str:
    level = design.name([x], [row[x]])
    if row["p"] == 0:
        return f"0 (below {findings.num(row['hi'])}) at {level}"
    return f"{findings.num(row['p'])}{findings.interval(row['lo'], row['hi'])} at {level}"


def _shim(df: pd.DataFrame) -> Frames:
    others = df.attrs["others"]
    return Frames(df[others].drop_duplicates(), pd.DataFrame(), params=others)


def draw(df: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Log-y lines with error bars, one per combination of the other factors; a zero estimate
    as a down triangle at its upper bound."""
    a = df.attrs
    fig = theme.figure(title or a["title"])
    looks = design.styles(_shim(df), a["others"])
    ticks = sorted(df[a["x"]].unique())
    category = not a["log_x"] and _uneven(ticks)
    for combo, look in looks.items():
        part = design.select(df, a["others"], combo).sort_values(a["x"])
        _line(fig, part, a["x"], look, category)
    fig.update_yaxes(type="log", title_text="tail probability (95% CI)", dtick=_dtick(df))
    fig.update_xaxes(title_text=theme.label(a["x"]))
    if category:
        labels = [f"{t:g}" for t in ticks]
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    else:
        fig.update_xaxes(type="log" if a["log_x"] else "linear", tickvals=ticks,
                         ticktext=[f"{t:g}" for t in ticks])  # fmt: skip
    fig.update_layout(showlegend=bool(a["others"]), legend_title_text="")
    legend_below(fig, [s.name for s in looks.values()])
    if a.get("missing"):
        findings.subtitle(fig, "no finished run yet at " + "; ".join(a["missing"][:3]))
    return fig


def _dtick(df: pd.DataFrame):
    """Ticks at the powers of ten when the data span a decade or more (no crowded minor
    labels), else at 1, 2 and 5 of each decade."""
    v = df[["lo", "p", "hi"]].to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return 1 if v.size and v.max() / v.min() >= 10 else "D2"


def _uneven(ticks) -> bool:
    """Levels spread over orders of magnitude with a 0 among them (no log axis possible):
    drawn as evenly spaced categories, in order."""
    v = np.asarray(ticks, dtype=float)
    pos = v[v > 0]
    return bool((v <= 0).any() and pos.size >= 2 and pos.max() / pos.min() >= 100)


def _line(fig: go.Figure, part: pd.DataFrame, x: str, look, category: bool) -> None:
    name = look.name or "estimate"
    done = part[part["n"] > 0]
    hit, zero = done[done["p"] > 0], done[done["p"] == 0]

    def at(rows: pd.DataFrame):
        return [f"{v:g}" for v in rows[x]] if category else rows[x]

    fig.add_trace(
        go.Scatter(
            x=at(hit), y=hit["p"], mode="lines+markers", name=name, legendgroup=name,
            line=dict(color=look.colour, width=2, dash=look.dash),
            marker=dict(color=look.colour, size=8, symbol=look.symbol),
            error_y=dict(type="data", array=hit["hi"] - hit["p"],
                         arrayminus=hit["p"] - hit["lo"], color=look.colour, thickness=1.5),
            customdata=hit[["lo", "hi", "n", "model_steps"]],
            hovertemplate=f"{short(x)} %{{x}}: p %{{y:.3g}} [%{{customdata[0]:.3g}}, "
            "%{customdata[1]:.3g}], %{customdata[3]} model steps<extra>" + name + "</extra>",
        )
    )  # fmt: skip
    if len(zero):
        fig.add_trace(
            go.Scatter(
                x=at(zero), y=zero["hi"], mode="markers", name=f"{name}: p = 0, 95% upper bound",
                legendgroup=name, showlegend=False,
                marker=dict(color=look.colour, size=10, symbol="triangle-down"),
                hovertemplate=f"{short(x)} %{{x}}: p = 0, below %{{y:.3g}}<extra>{name}</extra>",
            )
        )  # fmt: skip
