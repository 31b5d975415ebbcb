"""Time from misbehaviour to detection per oversight layer: Kaplan-Meier curves with 95% CI
bands (analysis/survival.py).

From the sweep's event tables (oversight's `offenders`: one row per offence spell, i.e. an
actor's harmful actions from its first undetected one until a detection closes the spell):
the duration is detected_step - first_harm_step, or end_step - first_harm_step for a spell
still undetected at the end (right-censored). Each layer's curve is cause-specific: a spell
detected by another layer (its first flagging layer) is censored at that time, so 1 - S is
not the share that layer catches when layers compete (that is the cumulative incidence);
S is the survival if only that layer's hazard acted. 'any layer' counts every detection.
Spells are pooled over runs and actors (an actor can have several spells), so the bands,
which treat spells as independent, are somewhat narrow when runs differ.

Fallback, when the store has no event tables (made before they were stored): time to a
layer's FIRST catch per run, from the series of `catches_layer_<k>` (the first recorded step
with a catch; censored at the last step), which is not the time from misbehaviour to
detection. With `record.every` k > 1 a catch on an unrecorded step is missed and the curve
overstates survival; the figure says so.

A sweep that varied its design gets one 'any layer' curve per design point (spells or runs of
that point only); curves are pooled over design points only when asked (--pool)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import findings, survival, theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable
from analysis.figures import _design as design
from analysis.figures._common import legend_below

NAME = "detection_survival"
TITLE = "Time from misbehaviour to detection per oversight layer (Kaplan-Meier, 95% CI)"
FALLBACK_TITLE = "Time to a layer's first catch per run (Kaplan-Meier, 95% CI)"
ANY = "any layer"
LAYER = re.compile(r"catches_layer_(\d+)")


@dataclass(frozen=True)
class _Needs(Needs):
    """Event tables suffice; without them the series fallback needs catches_layer_<k>."""

    def missing(self, f: Frames) -> str | None:
        return None if _offenders_stored(f) else super().missing(f)


NEEDS = _Needs(
    series=True,
    pattern=r"catches_layer_\d+",
    pattern_help="oversight event tables, or series of catches_layer_<k> (an oversight layer)",
)


def _offenders_stored(f: Frames) -> bool:
    return f.events is not None and "offenders" in f.events.event_tables


def data(store_or_frames, pool: bool = False) -> pd.DataFrame:
    """Tidy: layer, time, at_risk, events, censored, survival, lo, hi; attrs: layers, source
    ('events' or 'series'), and spells and runs (events) or the recording period (series),
    per_design (one 'any layer' curve per design point: `layer` names the point), finding."""
    f: Frames = frames(store_or_frames)
    sp = design.split(f, None, pool)
    out = _per_design(f, sp.keys) if sp.keys else _pooled(f)
    out.attrs.update(per_design=bool(sp.keys), pooled=sp.note())
    out.attrs["finding"] = finding(out)
    return out


def _pooled(f: Frames) -> pd.DataFrame:
    if _offenders_stored(f):
        spells = f.events.events("offenders", design=False)
        if len(spells):
            return from_offenders(spells)
    return _from_series(f)


def _per_design(f: Frames, keys: list[str]) -> pd.DataFrame:
    """One 'any layer' curve per design point."""
    spells = f.events.events("offenders", design=False) if _offenders_stored(f) else None
    source = "events" if spells is not None and len(spells) else "series"
    curves = []
    for combo in design.combos(f, keys):
        runs = set(design.select(f.design, keys, combo)[RUN])
        name = design.name(keys, combo)
        if source == "events":
            km = _any_layer(spells[spells[RUN].isin(runs)])
        else:
            km = _first_catch(f.series[f.series[RUN].isin(runs)], f.series_metrics)
        curves.append(km.assign(layer=name))
    out = pd.concat(curves, ignore_index=True)
    n = len(spells) if source == "events" else 0
    out.attrs.update(layers=list(dict.fromkeys(out["layer"])), source=source, spells=n,
                     runs=len(f.summary), period=_period(f))  # fmt: skip
    return out


def _any_layer(spells: pd.DataFrame) -> pd.DataFrame:
    detected = spells["detected_step"].notna().to_numpy()
    stop = np.where(detected, spells["detected_step"], spells["end_step"])
    return survival.kaplan_meier(stop - spells["first_harm_step"].to_numpy(float), detected)


def _first_catch(ser: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Time to the first catch by any layer, per run (the series fallback)."""
    layers = [c for c in metrics if LAYER.fullmatch(c)]
    if not layers:
        raise Unavailable("needs oversight event tables or series of catches_layer_<k>")
    anyc = ser[[RUN, "step"]].assign(any=ser[layers].fillna(0).sum(axis=1))
    first = survival.first_event(anyc, "any", run=RUN)
    return survival.kaplan_meier(first["duration"], first["observed"])


def _period(f: Frames) -> int:
    if f.series is None:
        return 1
    steps = np.unique(f.series["step"].to_numpy())
    return int(np.min(np.diff(steps))) if steps.size > 1 else 1


def finding(df: pd.DataFrame) -> str:
    """Which curve keeps harm undetected longest: its survival at the last time seen."""
    ends = {k: g.sort_values("time").iloc[-1] for k, g in df.groupby("layer", sort=False)}
    if not ends:
        return ""
    worst = max(ends, key=lambda k: ends[k]["survival"])
    r = ends[worst]
    what = "offence spells" if df.attrs.get("source") == "events" else "runs"
    return findings.sentence(
        f"{findings.num(100 * r['survival'])}% of {what}"
        f"{findings.interval(100 * r['lo'], 100 * r['hi'])} are still undetected after "
        f"{r['time']:g} steps for {worst}, the slowest of {len(ends)} curves"
    )


def from_offenders(spells: pd.DataFrame) -> pd.DataFrame:
    """Cause-specific KM curves per detecting layer plus 'any layer' from offence spells."""
    detected = spells["detected_step"].notna().to_numpy()
    stop = np.where(detected, spells["detected_step"], spells["end_step"])
    duration = stop - spells["first_harm_step"].to_numpy(dtype=float)
    layer = spells["layer"].to_numpy(dtype=float)
    curves = [survival.kaplan_meier(duration, detected).assign(layer=ANY)]
    for k in np.unique(layer[detected]).astype(int).tolist():
        km = survival.kaplan_meier(duration, layer == k)
        curves.append(km.assign(layer=f"layer {k}"))
    out = pd.concat(curves, ignore_index=True)
    runs = spells["run_id"].nunique() if "run_id" in spells else 1
    out.attrs.update(
        layers=list(dict.fromkeys(out["layer"])), source="events", spells=len(spells), runs=runs
    )
    return out


def _from_series(f: Frames) -> pd.DataFrame:
    layers = [c for c in f.series_metrics if LAYER.fullmatch(c)]
    if not layers:
        raise Unavailable(
            "needs oversight event tables or time series of catches_layer_<k> (an oversight layer)"
        )
    out = pd.concat([_layer(f, c) for c in layers], ignore_index=True)
    steps = np.unique(f.series["step"].to_numpy())
    period = int(np.min(np.diff(steps))) if steps.size > 1 else 1
    out.attrs.update(layers=list(dict.fromkeys(out["layer"])), period=period, source="series")
    return out


def _layer(f: Frames, column: str) -> pd.DataFrame:
    ser = f.series[np.isfinite(f.series[column].to_numpy(dtype=float))]
    first = survival.first_event(ser, column, run=RUN)
    km = survival.kaplan_meier(first["duration"], first["observed"])
    return km.assign(layer=f"layer {LAYER.fullmatch(column).group(1)}")


def draw(df: pd.DataFrame, title: str | None = None) -> go.Figure:
    events = df.attrs.get("source", "series") == "events"
    fig = theme.figure(title or (TITLE if events else FALLBACK_TITLE))
    for i, layer in enumerate(df.attrs["layers"]):
        _curve(fig, df[df["layer"] == layer], layer, theme.colour(i))
    if events:
        note = (
            f"{df.attrs['spells']} offence spells in {df.attrs['runs']} runs; per layer "
            "cause-specific (detection by another layer or the end of the run = censored)"
        )
        fig.update_xaxes(title_text="steps from first undetected harmful action to detection")
        fig.update_yaxes(title_text="share of offence spells not yet detected", range=[0, 1.02])
    else:
        note = "fallback (no event tables in this store): first catch per run, from the series"
        period = df.attrs.get("period", 1)
        if period > 1:
            note += (
                f"; recorded every {period} steps: catches on other steps are not seen "
                "(survival is overstated)"
            )
        fig.update_xaxes(title_text="step (time to a layer's first catch)")
        fig.update_yaxes(title_text="share of runs without a catch yet", range=[0, 1.02])
    if df.attrs.get("per_design"):
        note = "one curve per design point: detection by any layer"
    if df.attrs.get("pooled"):
        note += f"; {df.attrs['pooled']}"
    findings.subtitle(fig, note)
    legend_below(fig, df.attrs["layers"])
    return fig


def _curve(fig: go.Figure, part: pd.DataFrame, layer: str, c) -> None:
    for col in ("hi", "lo"):
        fig.add_trace(
            go.Scatter(
                x=part["time"],
                y=part[col],
                mode="lines",
                line=dict(width=0, shape="hv"),
                fill="tonexty" if col == "lo" else None,
                fillcolor=theme.rgba(c, 0.2),
                hoverinfo="skip",
                showlegend=False,
                legendgroup=layer,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=part["time"],
            y=part["survival"],
            mode="lines",
            name=layer,
            legendgroup=layer,
            line=dict(color=c, width=3 if layer == ANY else 2, shape="hv"),
            customdata=part[["at_risk", "lo", "hi"]],
            hovertemplate="%{x} steps: %{y:.2f} [%{customdata[1]:.2f}, %{customdata[2]:.2f}]"
            ", at risk %{customdata[0]}<extra>" + layer + "</extra>",
        )
    )
