"""Scenario discovery: where in parameter space does an outcome of interest happen? PRIM's
peeling trajectory (coverage against density, one point per box, coloured by how many
parameters the box restricts: the trade-off of Bryant & Lempert 2010, fig. 3) with the
selected box as a plain rule (see analysis/prim.py; Friedman & Fisher 1999). On the
dashboard a click on a point selects that box; `prim_box_limits` draws its limits.

The outcome is `metric OP value`, e.g. "catastrophes > 0", "welfare < -0.5", where value may
be `baseline` (the run's own value at step 0; needs time series) or `q25` (the sweep's lower
quartile). By default the first of DEFAULT_OUTCOMES whose metric was recorded and that holds
in some but not all runs.
"""

from __future__ import annotations

import operator
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, prim, theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures._common import short
from analysis.figures.phase_diagram import factors
from sim.errors import ConfigError

NAME = "scenario_discovery"
TITLE = "Scenario discovery (PRIM peeling trajectory)"
NEEDS = Needs(params=1)
DEFAULT_OUTCOMES = ("catastrophes > 0", "welfare < baseline", "welfare < q25")
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
OUTCOME_RE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>)\s*(\S+)\s*$")
MIN_RUNS = 20
RULE_WIDTH = 90  # characters of a rule per subtitle line
DEFAULT_SHARE = (0.05, 0.95)  # a default outcome must hold in this share of runs


def _bad(text: str) -> ConfigError:
    return ConfigError(
        f"bad outcome {text!r}",
        source="--outcome",
        allowed="METRIC OP VALUE, OP one of < <= > >=, VALUE a number, 'baseline' or 'q25', "
        "e.g. 'catastrophes > 0'",
    )


def parse_outcome(text: str) -> tuple[str, str, str]:
    """'welfare < 0.2' -> ('welfare', '<', '0.2'); a bad expression is a ConfigError."""
    m = OUTCOME_RE.match(text)
    if not m:
        raise _bad(text)
    metric, op, raw = m.groups()
    if raw not in ("baseline", "q25"):
        try:
            float(raw)
        except ValueError:
            raise _bad(text) from None
    return metric, op, raw


def outcome(f: Frames, text: str) -> pd.Series:
    """Boolean outcome per run id (NaN metric values are not interesting)."""
    metric, op, raw = parse_outcome(text)
    if metric not in f.metrics:
        raise Unavailable(f"metric not recorded: {metric}")
    y = f.summary.set_index(RUN)[metric].astype(float)
    if raw == "baseline":
        if f.series is None or metric not in f.series:
            raise Unavailable("'baseline' needs time series (the run's value at step 0)")
        first = f.series[f.series["step"] == f.series["step"].min()].set_index(RUN)[metric]
        ref = first.reindex(y.index).astype(float)
    elif raw == "q25":
        ref = float(np.nanquantile(y, 0.25))
    else:
        ref = float(raw)
    return OPS[op](y, ref) & y.notna()


def _default(f: Frames) -> str:
    for text in DEFAULT_OUTCOMES:
        try:
            y = outcome(f, text)
        except Unavailable:
            continue
        if DEFAULT_SHARE[0] <= y.mean() <= DEFAULT_SHARE[1]:
            return text
    raise Unavailable(
        f"none of the default outcomes ({'; '.join(DEFAULT_OUTCOMES)}) holds in 5-95% of "
        "the runs: pass one with --outcome"
    )


def peeled(
    f: Frames, outcome_text: str | None, alpha: float = 0.05, min_mass: float = 0.05
) -> tuple[prim.PrimResult, str]:
    """(PRIM's peeling trajectory, the outcome it was run for) over every factor the sweep
    varied: its parameters, and its interventions, arms or scenarios as categorical inputs
    (shared with the box limits figure, so both read the same boxes)."""
    text = outcome_text or _default(f)
    y = outcome(f, text)
    runs = f.runs().set_index(RUN)
    cols = [c for c in factors(f) if runs[c].nunique() > 1]  # interventions too
    if len(runs) < MIN_RUNS or not cols:
        raise Unavailable(f"PRIM needs {MIN_RUNS}+ finished runs and a varied factor")
    if not 0 < y.sum() < len(y):
        raise Unavailable(f"'{text}' holds in {int(y.sum())} of {len(y)} runs: nothing to find")
    x = runs[cols]
    if len({short(c) for c in cols}) == len(cols):  # rules read better with short names
        x = x.rename(columns=short)
    return prim.peel(x, y.reindex(runs.index).to_numpy(), alpha=alpha, min_mass=min_mass), text


def chosen(res: prim.PrimResult, box: int | None) -> int:
    """The box to report: `box` (a step of the trajectory) when given, else the best F1 box."""
    if box is None:
        return res.select()
    if not 0 <= box < len(res.boxes):
        raise Unavailable(f"box {box}: this trajectory has boxes 0 to {len(res.boxes) - 1}")
    return int(box)


def data(
    store_or_frames,
    outcome_text: str | None = None,
    box: int | None = None,
    alpha: float = 0.05,
    min_mass: float = 0.05,
) -> pd.DataFrame:
    """The peeling trajectory: step, coverage, density, mass, n, restricted, rule; attrs:
    the outcome, the selected step (`box`, else the best F1 box) and its rule, finding."""
    f: Frames = frames(store_or_frames)
    res, text = peeled(f, outcome_text, alpha, min_mass)
    out = res.trajectory()
    sel = chosen(res, box)
    out.attrs.update(
        outcome=text, selected=sel, rule=out["rule"][sel], runs=len(res.y),
        cases=res.n_interesting, default=res.select(),
    )  # fmt: skip
    out.attrs["finding"] = finding(out.iloc[sel], text, res.n_interesting, len(out))
    return out


def finding(box: pd.Series, text: str, cases: int, steps: int) -> str:
    """What the selected box says, as coverage and density."""
    return (
        f"The box {box['rule']} holds {box['coverage']:.0%} of the {cases} runs where {text} "
        f"(coverage) and {box['density']:.0%} of its {box['n']} runs have it (density), "
        f"box {box['step']} of a {steps}-box peeling trajectory."
    )


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    a = df.attrs
    fig = theme.figure(f"{title}: {a['outcome']} ({a['cases']} of {a['runs']} runs)")
    fig.add_trace(
        go.Scatter(
            x=df["coverage"],
            y=df["density"],
            mode="markers+lines",
            line=dict(color="#BBBBBB", width=1),
            marker=dict(
                color=df["restricted"],
                colorscale="Viridis",
                size=8,
                colorbar=dict(
                    title=dict(text="restricted inputs", font_size=12, side="right"),
                    thickness=12,
                    tickfont_size=11,
                    dtick=1,
                ),
            ),
            customdata=df[["step", "mass", "rule"]],  # step first: a click selects that box
            hovertemplate="step %{customdata[0]}: coverage %{x:.2f}, density %{y:.2f}, "
            "mass %{customdata[1]:.2f}<br>%{customdata[2]}<extra></extra>",
            showlegend=False,
        )
    )
    s = df.iloc[a["selected"]]
    fig.add_trace(
        go.Scatter(
            x=[s["coverage"]],
            y=[s["density"]],
            mode="markers",
            marker=dict(
                size=16, color="rgba(0,0,0,0)", line=dict(color=theme.colour(5), width=2.5)
            ),
            name=f"box {a['selected']}",
            hoverinfo="skip",
        )
    )
    rule = findings.wrapped(f"box {a['selected']}: {a['rule']}", RULE_WIDTH)
    fig.update_layout(title_subtitle_text=rule, margin_t=72 + 18 * rule.count("<br>") + 18)
    fig.update_xaxes(title_text="coverage (share of cases in box)", range=[0, 1.02])
    fig.update_yaxes(title_text="density (share of box that are cases)", range=[0, 1.02])
    return fig.update_layout(legend=dict(x=0.02, y=0.05))
