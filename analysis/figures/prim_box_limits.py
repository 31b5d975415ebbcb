"""PRIM box limits: one selected box of the peeling trajectory (see `scenario_discovery`), input
by input, as its range within that input's full range in the sweep (on a log scale for inputs
declared `log`), with the box's coverage and density and each restriction's quasi-p-value
(Bryant & Lempert 2010, sec. 3.3; Friedman & Fisher 1999 for PRIM). An input the box does not
restrict spans the whole bar; a restriction with a large quasi-p (say above 0.05) is probably
noise, which is how a reader tells the inputs that matter from the ones peeling happened to
trim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme
from analysis.data import Frames, frames
from analysis.figures import Needs
from analysis.figures.scenario_discovery import RULE_WIDTH, chosen, peeled
from sim.params import PARAMS

NAME = "prim_box_limits"
TITLE = "PRIM box limits"
NEEDS = Needs(params=1, standard=False)  # the dashboard's companion of scenario_discovery


def data(
    store_or_frames,
    outcome_text: str | None = None,
    box: int | None = None,
    alpha: float = 0.05,
    min_mass: float = 0.05,
) -> pd.DataFrame:
    """One row per input: input, lower, upper, min, max, kept, levels (categorical inputs),
    restricted, quasi_p, start and end (a numeric box range as a share of the full range,
    log where the input is). attrs: outcome, step, coverage, density, mass, n, rule,
    finding."""
    f: Frames = frames(store_or_frames)
    res, text = peeled(f, outcome_text, alpha, min_mass)
    sel = chosen(res, box)
    out = res.box_limits(sel)
    log = out["input"].map(lambda k: _is_log(f, k)).to_numpy() & (out["min"] > 0).to_numpy()
    log &= out["levels"].isna().to_numpy()
    span = [_share(out[c], out, log) for c in ("lower", "upper")]
    out = out.assign(start=span[0], end=span[1], log=log)
    b = res.boxes[sel]
    out.attrs.update(
        outcome=text, step=sel, coverage=b.coverage, density=b.density, mass=b.mass, n=b.n,
        rule=res.rule(b), finding=finding(out, text, b),
    )  # fmt: skip
    return out


def _is_log(f: Frames, name: str) -> bool:
    """Whether an input (named by its short name in PRIM's rules) is declared `log`."""
    full = next((p for p in f.params if p == name or p.rsplit(".", 1)[-1] == name), name)
    return full in PARAMS and PARAMS[full].log


def _share(v: pd.Series, df: pd.DataFrame, log: np.ndarray) -> np.ndarray:
    """A bound as a share of its input's full range (0 at the minimum, 1 at the maximum)."""
    f = {k: df[k].to_numpy(dtype=float) for k in ("min", "max")}
    x = v.to_numpy(dtype=float)
    t = [np.where(log, np.log10(np.maximum(a, 1e-300)), a) for a in (x, f["min"], f["max"])]
    width = t[2] - t[1]
    return np.where(width > 0, (t[0] - t[1]) / np.where(width > 0, width, 1), 0.0)


def finding(df: pd.DataFrame, text: str, b) -> str:
    """Which restrictions carry the box (quasi-p < 0.05) and which are probably noise."""
    cut = df[df["restricted"]]
    if cut.empty:
        return f"Box of the whole space: {text} holds in {b.density:.0%} of all runs."
    strong = cut[cut["quasi_p"] < 0.05]["input"].tolist()
    weak = cut[~(cut["quasi_p"] < 0.05)]["input"].tolist()
    parts = [f"the limits on {', '.join(strong)} matter (quasi-p < 0.05)"] if strong else []
    parts += [f"the limits on {', '.join(weak)} may be noise (quasi-p >= 0.05)"] if weak else []
    lead = f"in the selected box (coverage {b.coverage:.2f}, density {b.density:.2f}),"
    return findings.sentence(lead, " and ".join(parts))


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    """One row per input: its full range as a grey bar, the box's range as a thick segment
    with end markers (a box holding one level of a grid is a single marker, still seen)."""
    a = df.attrs
    head = f"{title}: box {a['step']}, coverage {a['coverage']:.2f}, density {a['density']:.2f}"
    fig = theme.figure(head)
    names = [_name(r) for _, r in df.iterrows()]
    fig.add_trace(go.Bar(y=names, x=np.ones(len(df)), orientation="h", marker_color="#E4E4E4",
                         width=0.5, hoverinfo="skip", name="full range"))  # fmt: skip
    for name, (_, r) in zip(names, df.iterrows(), strict=True):
        fig.add_trace(_levels(r, name) if r["levels"] is not None else _range(r, name))
    rule = findings.wrapped(a["rule"], RULE_WIDTH)
    fig.update_layout(showlegend=False, title_subtitle_text=rule)
    fig.update_layout(margin_t=72 + 18 * rule.count("<br>") + 18)
    fig.update_layout(height=max(theme.HEIGHT, 120 + 80 * len(df)))
    fig.update_xaxes(range=[-0.03, 1.03], tickvals=[0, 1], ticktext=["minimum", "maximum"],
                     title_text="within the sweep's range")  # fmt: skip
    return fig.update_yaxes(autorange="reversed")


def _colour(row: pd.Series) -> str:
    return theme.colour(0) if row["restricted"] else "#9A9A9A"


def _range(r: pd.Series, name: str) -> go.Scatter:
    """A numeric input: the box's range as a thick segment between two markers."""
    return go.Scatter(
        x=[r["start"], r["end"]], y=[name, name], mode="lines+markers", name=r["input"],
        line=dict(color=_colour(r), width=12), marker=dict(color=_colour(r), size=16),
        hovertemplate=f"box: {_num(r['lower'])} to {_num(r['upper'])} (data: "
        f"{_num(r['min'])} to {_num(r['max'])})<extra></extra>",
    )  # fmt: skip


def _levels(r: pd.Series, name: str) -> go.Scatter:
    """A categorical input: one marker per level, filled when the box keeps it, hollow when
    peeling dropped it."""
    levels, kept = list(r["levels"]), set(r["kept"])
    on = [v in kept for v in levels]
    return go.Scatter(
        x=np.linspace(0, 1, len(levels)) if len(levels) > 1 else [0.5], y=[name] * len(levels),
        mode="markers", name=r["input"], text=[str(v) for v in levels],
        marker=dict(size=16, color=[_colour(r) if k else "white" for k in on],
                    line=dict(color=_colour(r), width=2)),
        hovertemplate="%{text}<extra></extra>",
    )  # fmt: skip


def _name(row: pd.Series) -> str:
    """'audit_budget<br>0.05 to 0.2 · quasi-p 0.03': the input, its box range (or the levels
    it keeps), its quasi-p."""
    what = f"quasi-p {row['quasi_p']:.2g}" if row["restricted"] else "not restricted"
    if row["levels"] is not None:
        kept = ", ".join(map(str, row["kept"]))
        kept = kept if len(kept) <= 36 else kept[:35] + "…"
        return f"{row['input']}<br>{kept} · {what}"
    scale = " (log)" if row["log"] else ""
    return f"{row['input']}{scale}<br>{_num(row['lower'])} to {_num(row['upper'])} · {what}"


def _num(v: float) -> str:
    return findings.num(v)
