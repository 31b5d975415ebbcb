"""Time to first detection per oversight layer as Kaplan-Meier survival curves with 95% CI
bands (see analysis/survival.py): the share of runs in which layer k had not yet caught a
harmful action by step t. Built from the time series of `catches_layer_<k>` (harmful actions
layer k caught first at that step): the first recorded step with a catch is the detection
time; a run in which the layer never caught anything is censored at its last step.

Resolution: the sweep's recording period. With `record.every` k > 1 only every k-th step is
seen, so a catch on an unrecorded step is missed and the curve overstates survival; the
figure says so. Record every step for exact times. (`time_to_detection`, a running mean of
detection lags, is not a per-run time to event and is not used here.)"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import survival, theme
from analysis.data import RUN, Frames, frames
from analysis.figures import Needs, Unavailable

NAME = "detection_survival"
TITLE = "Time to first detection per oversight layer (Kaplan-Meier, 95% CI)"
LAYER = re.compile(r"catches_layer_(\d+)")
NEEDS = Needs(
    series=True,
    pattern=r"catches_layer_\d+",
    pattern_help="catches_layer_<k> (an oversight layer)",
)


def data(store_or_frames) -> pd.DataFrame:
    """Tidy: layer, time, at_risk, events, censored, survival, lo, hi; attrs: layers and the
    recording period."""
    f: Frames = frames(store_or_frames)
    layers = [c for c in f.series_metrics if LAYER.fullmatch(c)]
    if not layers:
        raise Unavailable("needs time series of catches_layer_<k> (an oversight layer)")
    out = pd.concat([_layer(f, c) for c in layers], ignore_index=True)
    steps = np.unique(f.series["step"].to_numpy())
    period = int(np.min(np.diff(steps))) if steps.size > 1 else 1
    out.attrs.update(layers=list(dict.fromkeys(out["layer"])), period=period)
    return out


def _layer(f: Frames, column: str) -> pd.DataFrame:
    ser = f.series[np.isfinite(f.series[column].to_numpy(dtype=float))]
    first = survival.first_event(ser, column, run=RUN)
    km = survival.kaplan_meier(first["duration"], first["observed"])
    return km.assign(layer=f"layer {LAYER.fullmatch(column).group(1)}")


def draw(df: pd.DataFrame, title: str = TITLE) -> go.Figure:
    fig = theme.figure(title)
    for i, layer in enumerate(df.attrs["layers"]):
        part = df[df["layer"] == layer]
        c = theme.colour(i)
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
                line=dict(color=c, width=2, shape="hv"),
                customdata=part[["at_risk", "lo", "hi"]],
                hovertemplate="step %{x}: %{y:.2f} [%{customdata[1]:.2f}, %{customdata[2]:.2f}]"
                ", at risk %{customdata[0]}<extra>" + layer + "</extra>",
            )
        )
    period = df.attrs.get("period", 1)
    if period > 1:
        fig.update_layout(
            title_subtitle_text=f"series recorded every {period} steps: catches on other "
            "steps are not seen (survival is overstated)",
            margin_t=90,
        )
    fig.update_xaxes(title_text="step (time to first detection)")
    fig.update_yaxes(title_text="share of runs not yet detected", range=[0, 1.02])
    return fig
