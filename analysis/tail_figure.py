"""The AMS level trajectory of a tail estimate (issue 14): how adaptive multilevel splitting
(Cérou & Guyader 2007; Bréhier et al. 2016; sim/rare/ams.py) climbed toward the rare event.
Top: the level Z_q of each iteration q (the k-th lowest path maximum of the importance
function, in the units of its metric), with the event's threshold when the event is on that
metric. Bottom, on a log axis: the running estimate prod (1 - K_q / n), the chance of a path
reaching beyond Z_q, starting from 1; the final p (that product times the share of the n
paths that hit) is marked at the end with its 95% CI.

`data(result)` takes the object of `instalign tail --json` (`sim.rare.tail.payload`) and
states the result in one sentence (`attrs["finding"]`, computed from the same numbers);
`draw` only draws. `instalign tail --method ams --figure FILE` writes it with its provenance
(`write`, found by sim through the `instalign.figures` entry point, analysis/export.py); the
dashboard's Tail panel shows it after an AMS run (dashboard/tail.py).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme

NAME = "ams_trajectory"
TITLE = "AMS level trajectory"
FORMATS = (".png", ".svg", ".pdf")
COLUMNS = ["iteration", "level", "value", "killed", "kept", "reach"]
STOPPED = {
    "extinct": "every path tied below the event and none reached it",
    "truncated": "it stopped at the iteration cap, so p is biased low",
}


class NotAMS(ValueError):
    """The result has no level trajectory (it was not estimated by AMS)."""


def data(result: dict[str, Any]) -> pd.DataFrame:
    """Tidy, one row per AMS iteration: iteration (1..Q), level (Z_q, the importance score),
    value (Z_q in the metric's own units), killed (K_q), kept (1 - K_q / n) and reach (the
    running product). attrs: the estimate (p, lo, hi, n, status), what it is of (scenario,
    event, by_step, metric, sign, threshold or None, budget, seed) and `finding`."""
    traj = result.get("trajectory")
    if result.get("method") != "ams" or not traj:
        raise NotAMS(f"the level trajectory needs --method ams (this is {result.get('method')})")
    n, levels, killed = int(traj["n"]), traj["levels"], traj["killed"]
    metric, sign = _importance(result.get("importance") or "")
    df = pd.DataFrame(
        {
            "iteration": range(1, len(levels) + 1),
            "level": [float(z) for z in levels],
            "value": [sign * float(z) for z in levels],
            "killed": [int(k) for k in killed],
            "kept": [1 - int(k) / n for k in killed],
            "reach": [float(r) for r in traj["reach"]],
        },
        columns=COLUMNS,
    )
    lo, hi = (math.nan if x is None else float(x) for x in result["ci"])
    event = str(result["event"])
    df.attrs.update(
        p=float(result["p"]), lo=lo, hi=hi, n=n, status=result.get("status", "done"),
        scenario=result.get("scenario", ""), event=event, by_step=result.get("by_step"),
        budget=result.get("budget"), seed=(result.get("provenance") or {}).get("seed"),
        metric=metric, sign=sign, threshold=_threshold(event, metric),
    )  # fmt: skip
    df.attrs["finding"] = sentence(df)
    return df


def _importance(text: str) -> tuple[str, int]:
    """('catastrophes', 1) from 'catastrophes'; ('safety', -1) from '-safety'."""
    return (text[1:], -1) if text.startswith("-") else (text, 1)


def _threshold(event: str, metric: str) -> float | None:
    """The event's threshold when the event is on the importance metric (it is drawn as the
    level the paths climb to), else None. `event` is `str(Event)`: 'metric op number'."""
    parts = event.split()
    if len(parts) != 3 or parts[0] != metric:
        return None
    try:
        return float(parts[2])
    except ValueError:
        return None


def sentence(df: pd.DataFrame) -> str:
    """The trajectory and the estimate in one sentence, from the table's numbers."""
    a = df.attrs
    q, levels = len(df), df["level"].nunique()
    name = a["metric"].replace("_", " ")
    verb = "climbed" if a["sign"] > 0 else "went down"
    what = f"the event ({a['event']} by step {a['by_step']})"
    steps = (
        f"AMS {verb} {levels} level{'s' * (levels != 1)} of {name} in {q} iteration{'s' * (q != 1)}"
        if q
        else f"AMS climbed no level of {name}: enough of its first {a['n']} paths reached the event"
    )
    if a["p"] <= 0:
        why = STOPPED.get(a["status"], "no path reached the event")
        return findings.sentence(
            steps, f"; {why}, so the chance of {what} is below {findings.num(a['hi'])}"
        )
    tail = f", and {STOPPED[a['status']]}" if a["status"] == "truncated" else ""
    chance = f"{findings.num(a['p'])}{findings.interval(a['lo'], a['hi'])}"
    return findings.sentence(steps, f"; the chance of reaching {what} is {chance}{tail}")


def draw(df: pd.DataFrame, notes: bool = True) -> go.Figure:
    """Levels on top, the running estimate on a log axis below, the final p and CI marked;
    with `notes`, the finding as subtitle and the final p written in the lower panel (the
    dashboard shows the finding under its card instead: a narrow card has no room)."""
    from plotly.subplots import make_subplots

    a = df.attrs
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.16,
        subplot_titles=(f"Level Z_q: {_level_words(a)}", "Chance of passing Z_q: ∏ (1 − K_q / n)"),
    )  # fmt: skip
    fig.update_layout(template=theme.template(), height=620, showlegend=False)
    fig.update_layout(title_text=f"{a['scenario']}: P({a['event']} by step {a['by_step']})")
    fig.update_annotations(font_size=13)
    _levels(fig, df)
    _reach(fig, df, notes)
    end = len(df) + 1
    ticks = dict(range=[-0.4, end + 0.6], tickformat="d", dtick=1 if end <= 20 else None)
    fig.update_xaxes(**ticks, row=1, col=1)
    fig.update_xaxes(title_text="AMS iteration q (the final p at the end)", **ticks, row=2, col=1)
    fig.update_yaxes(title_text=theme.label(a["metric"]), row=1, col=1)
    low = min([*df["reach"], *(x for x in (a["p"], a["lo"], a["hi"]) if x > 0)], default=1.0)
    decades = dict(dtick=1) if low < 0.03 else {}  # no minor labels over two decades and more
    fig.update_yaxes(title_text="probability", type="log", exponentformat="power", **decades,
                     row=2, col=1)  # fmt: skip
    if notes:
        note = f"AMS with n = {a['n']} paths; seed {a['seed']}."
        findings.subtitle(fig, f"{a['finding']}<br>{note}")
    return fig


def _level_words(a: dict) -> str:
    """What a level is, for the panel title."""
    return "k-th lowest path maximum" if a["sign"] > 0 else "k-th highest path minimum"


def _levels(fig: go.Figure, df: pd.DataFrame) -> None:
    """The upper panel: the levels as steps, and the event's threshold."""
    a = df.attrs
    fig.add_trace(
        go.Scatter(
            x=df["iteration"], y=df["value"], mode="lines+markers", line_shape="hv",
            line=dict(color=theme.colour(0), width=2), marker=dict(size=7),
            customdata=df[["killed"]].to_numpy(),
            hovertemplate="iteration %{x}: level %{y:.4g}, %{customdata[0]} paths killed"
                          f"<extra>n = {a['n']}</extra>",
        ),
        row=1, col=1,
    )  # fmt: skip
    if df.empty:
        fig.add_annotation(
            x=0.5, y=0.2, xref="x domain", yref="y domain", showarrow=False, font_size=13,
            text="no iteration: enough of the first paths reached the event at once",
        )  # fmt: skip
    if a["threshold"] is not None:
        fig.add_hline(
            y=a["threshold"], row=1, col=1, line=dict(color=theme.colour(5), width=1.5, dash="dot"),
            annotation_text=f"event: {a['event']}", annotation_position="top left",
            annotation_font=dict(size=12, color=theme.colour(5)),
        )  # fmt: skip


def _reach(fig: go.Figure, df: pd.DataFrame, label: bool) -> None:
    """The lower panel: the running product from 1, the final p with its CI (or its upper
    bound when p = 0), and the final p written out when `label`."""
    a = df.attrs
    fig.add_trace(
        go.Scatter(
            x=[0, *df["iteration"]], y=[1.0, *df["reach"]], mode="lines+markers",
            line=dict(color=theme.colour(2), width=2), marker=dict(size=7),
            hovertemplate="after iteration %{x}: %{y:.3g}<extra></extra>",
        ),
        row=2, col=1,
    )  # fmt: skip
    end, colour = len(df) + 1, theme.colour(7)
    if a["p"] > 0:
        up, down = _gap(a["hi"], a["p"]), _gap(a["p"], a["lo"])
        err = dict(type="data", symmetric=False, array=[up], arrayminus=[down], color=colour,
                   thickness=2, width=8)  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[end], y=[a["p"]], mode="markers", error_y=err,
                marker=dict(color=colour, size=12, symbol="diamond"),
                hovertemplate=f"p = %{{y:.3g}} [{a['lo']:.3g}, {a['hi']:.3g}]<extra></extra>",
            ),
            row=2, col=1,
        )  # fmt: skip
        text = f"p = {findings.num(a['p'])}{findings.interval(a['lo'], a['hi'])}"
    else:
        fig.add_trace(
            go.Scatter(
                x=[end], y=[a["hi"]], mode="markers",
                marker=dict(color=colour, size=12, symbol="triangle-down"),
                hovertemplate="p = 0; 95% upper bound %{y:.3g}<extra></extra>",
            ),
            row=2, col=1,
        )  # fmt: skip
        text = f"p = 0, below {findings.num(a['hi'])}"
    if label:
        fig.add_annotation(  # top right: the running product starts top left and falls
            x=0.99, y=0.97, xref="x2 domain", yref="y2 domain", text=f"final {text}",
            showarrow=False, xanchor="right", yanchor="top", font=dict(size=13),
        )  # fmt: skip


def _gap(a: float, b: float) -> float:
    """The length of a CI arm (0 when an end is missing)."""
    return a - b if math.isfinite(a) and math.isfinite(b) else 0.0


def provenance(result: dict[str, Any]) -> dict[str, Any]:
    """What an exported file records (analysis/metadata.py): the scenario, the master seed, the
    paths of the budget and the code version for its caption line, and the whole estimate
    request (event, horizon, method, overrides, every parameter) beside them."""
    prov = dict(result.get("provenance") or {})
    sid = str(result.get("scenario", ""))
    name, _, version = sid.rpartition("-")
    keep = ("instalign_version", "git_commit", "git_dirty")
    return {
        "figure": NAME, **{k: prov.get(k) for k in keep},
        "scenarios": [{"id": sid, "name": name or sid, "version": version if name else ""}],
        "master_seed": prov.get("seed"), "runs": result.get("budget"),
        "tail": {k: result.get(k) for k in ("event", "by_step", "method", "budget", "p", "ci",
                                            "status")},
        "run": prov,
    }  # fmt: skip


def write(result: dict[str, Any], path: Path) -> Path:
    """Export the trajectory of `result` (an `instalign tail --json` object) to `path`
    (.png, .svg or .pdf), its finding as subtitle, provenance in the caption line and in the
    file's metadata (analysis/export.py); NotAMS when it has none. Written atomically."""
    from analysis.export import ExportError, export_bytes

    path = Path(path)
    if path.suffix not in FORMATS:
        raise ExportError(f"{path}: unsupported file type (allowed: {', '.join(FORMATS)})")
    fmt = path.suffix[1:]
    fig = draw(data(result))
    raw = export_bytes({NAME: fig}, [fmt], provenance(result))[(NAME, fmt)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    tmp.write_bytes(raw)
    os.replace(tmp, path)
    return path
