"""What the watch panel sends to the browser for one run (dashboard/watch.py shows it): every
recorded frame at once, as the figure of the last frame (each figure's own `draw()`, laid
out for a card of any width) plus, per frame, only the trace fields that differ from it
(each figure module's `traces()` of that frame's `data(snapshot, step)`), the figure's
finding, the monitors' values and the slider's election marks. Built from the run cache
only, once per run and code version (cached beside the run)."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard import views
from dashboard.runs import Run

FIGS = {  # card key: (analysis figure, card title)
    "voters": ("voter_map", "Voters and platforms"),
    "tree": ("bureaucracy_tree", "Bureaucracy: drift and capture by office"),
    "funnel": ("oversight_funnel", "Oversight funnel so far"),
}
MONITORS = (  # (metric, label): shown when the scenario records it
    ("approval", "approval"), ("welfare", "welfare"), ("goodhart_gap", "Goodhart gap"),
    ("mandate_distance", "mandate distance"), ("policy_drift", "policy drift"),
    ("capture_index", "captured offices"), ("detection_rate", "detection rate"),
    ("catastrophes", "catastrophes"), ("autonomy", "AI autonomy"),
)  # fmt: skip
KEPT, LOST = "#888888", "#D55E00"  # election marks: incumbent re-elected / replaced


def payload(run: Run, search: str, config) -> dict[str, Any]:
    """Every frame of one run for the browser: figures, per-frame patches and findings
    (figures a scenario cannot make are left out), monitors, slider marks."""
    from analysis import snapshots

    snap, seed = run.snapshot, run.seed
    steps = snapshots.steps(snap)
    out: dict[str, Any] = {"steps": steps, "figs": {}, "patches": {}, "findings": {}}
    for key, (name, _) in FIGS.items():
        shown = frames_of(name, snap, steps)
        if shown is not None:
            out["figs"][key], out["patches"][key], out["findings"][key] = shown
    source = {"kind": "snapshot", "search": search, "seed": str(seed)}
    out["specs"] = {k: views.spec(FIGS[k][0], source) for k in out["figs"]}
    out["monitors"] = monitors(run.series, snap, steps)
    interval = int(config.section("elections").interval)
    out["marks"], out["elections"] = marks(run.series, steps, interval)
    return out


def frames_of(name: str, snap, steps: list[int]) -> tuple | None:
    """(figure of the last frame, per-frame trace patches, per-frame findings), or None
    when the scenario cannot make this figure (a component that is off)."""
    from analysis.figures import FIGURES, Unavailable

    mod = FIGURES[name]
    try:
        dfs = [mod.data(snap, step=s) for s in steps]
    except Unavailable:
        return None
    fig = json.loads(narrow(views.screen(mod.draw(dfs[-1]))).to_json())
    base = mod.traces(dfs[-1])
    patches = _plain([_diff(base, mod.traces(df)) for df in dfs])
    return fig, patches, [df.attrs.get("finding", "") for df in dfs]


def narrow(fig):
    """The figure for a card of any width, down to a phone's: the legend in rows above the
    plot and colour bars under it (a column on the right would squeeze the plot), all
    centred like a plot kept square."""
    fig.update_layout(legend=dict(orientation="h", x=0.5, xanchor="center", y=1.02,
                                  yanchor="bottom", title_text=""))  # fmt: skip
    fig.update_xaxes(constraintoward="center")
    for trace in fig.data:
        if _has_colorbar(trace):
            title = trace.marker.colorbar.title.text.replace("<br>", " ")
            trace.marker.colorbar.update(
                orientation="h", x=0.5, xanchor="center", y=-0.22, yanchor="top", len=160,
                lenmode="pixels", thickness=10, tickangle=0, title=dict(text=title, side="top"),
            )  # fmt: skip
    return fig


def _has_colorbar(trace) -> bool:
    marker = getattr(trace, "marker", None)
    return bool(marker is not None and marker.colorbar.title.text)


def _plain(traces: Any) -> Any:
    """Trace dicts as pure JSON values (numpy and pandas arrays become lists)."""
    from plotly.io.json import to_json_plotly

    return json.loads(to_json_plotly(traces))


def _diff(base: list[dict], other: list[dict]) -> list[dict]:
    """Per trace, the fields of `other` that differ from `base` (nested objects such as
    `marker` field by field, so a frame sends its colours, not its static sizes)."""
    return [_delta(b, o) for b, o in zip(base, other, strict=True)]


def _delta(base: dict, other: dict) -> dict:
    out = {}
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            inner = _delta(base[k], v)
            out.update({k: inner} if inner else {})
        elif not _same(base.get(k), v):
            out[k] = v
    return out


def _same(a: Any, b: Any) -> bool:
    """Equal values, arrays (numpy, pandas, lists) compared element by element."""
    arrays = (np.ndarray, pd.Series, list)
    if not (isinstance(a, arrays) or isinstance(b, arrays)):
        return type(a) is type(b) and a == b
    x, y = np.asarray(a), np.asarray(b)
    if x.shape != y.shape or x.dtype.kind != y.dtype.kind:
        return False
    return bool(np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))


def monitors(series: pd.DataFrame, snap, steps: list[int]) -> dict[str, list]:
    """Monitor labels, tooltips and, per frame, values: step, incumbent, oversight catches
    and the recorded headline metrics at that step."""
    from analysis import snapshots
    from sim.components import METRICS

    frames = snapshots.every(snap)
    rows = series.set_index("step").sort_index().reindex(steps, method="ffill")
    shown = [(m, label) for m, label in MONITORS if m in rows and rows[m].notna().any()]
    labels = ["step", "incumbent", *(["caught / harmful"] * _has(frames, "oversight"))]
    titles = ["recorded step of the run", "incumbent politician: index, strategy, vote share",
              "harmful actions caught so far / harmful actions so far"][: len(labels)]  # fmt: skip
    labels += [label for _, label in shown]
    titles += [f"{m} ({METRICS[m].unit}): {METRICS[m].description}" for m, _ in shown]
    values = [
        [f"{s} / {steps[-1]}", _incumbent(f), *([_caught(f)] * _has(frames, "oversight")),
         *(_fmt(rows.at[s, m]) for m, _ in shown)]
        for s, f in zip(steps, frames, strict=True)
    ]  # fmt: skip
    return {"labels": labels, "titles": titles, "values": values}


def _has(frames: list[dict], layer: str) -> bool:
    return any(layer in (f.get("layers") or {}) for f in frames)


def _incumbent(frame: dict) -> str:
    inc = next((p for p in frame.get("politicians", []) if p["incumbent"]), None)
    if inc is None:
        return "none"
    share = (frame.get("layers") or {}).get("electoral", {}).get("vote_share")
    vote = f", {share:.0%} of the vote" if share is not None and np.isfinite(share) else ""
    return f"{inc['index']}: {inc['strategy']}{vote}"


def _caught(frame: dict) -> str:
    o = frame["layers"].get("oversight")
    return f"{int(o['caught']):,} / {int(o['harmful']):,}" if o else "n/a"


def _fmt(value: Any) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{float(value):.3g}"


def marks(series: pd.DataFrame, steps: list[int], interval: int) -> tuple[dict, str]:
    """Slider marks (first and last step numbered, each election a triangle at the first
    frame on or after it: grey when the incumbent was re-elected, vermillion when it lost)
    and a line that lists the elections."""
    out: dict[int, Any] = {0: str(steps[0]), len(steps) - 1: str(steps[-1])}
    turnover = series.set_index("step").get("incumbent_turnover", pd.Series(dtype=float))
    held = list(range(interval, steps[-1] + 1, interval)) if interval > 0 else []
    lost = [t for t in held if turnover.get(t, 0) == 1]
    for t in held:
        i = int(np.searchsorted(steps, t))
        colour = LOST if t in lost else KEPT
        out[i] = {"label": "▲", "style": {"color": colour, "fontSize": "14px"}}
    text = (
        f"▲ elections every {interval} steps ({len(held)} in this run; vermillion: the "
        f"incumbent lost, at step{'s' * (len(lost) != 1)} {', '.join(map(str, lost)) or 'none'})"
        if held
        else "no election in this run"
    )
    return out, text


@functools.cache
def code_version() -> str:
    """A hash of the code that makes a payload (this module, the snapshot reader and the
    three figures), so a cached payload is never served after that code changes."""
    from analysis import snapshots
    from analysis.figures import FIGURES

    mods = [sys.modules[__name__], snapshots, *(FIGURES[name] for name, _ in FIGS.values())]
    h = hashlib.sha256()
    for mod in mods:
        h.update(Path(mod.__file__).read_bytes())
    return h.hexdigest()[:12]
