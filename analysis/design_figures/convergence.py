"""The convergence of a design search: hypervolume per generation (Zitzler & Thiele 1999)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import findings, theme

from .store import FRONT, GREY, DesignStore, Unavailable

TITLE = "Convergence"


def convergence_data(store: DesignStore) -> pd.DataFrame:
    """history.parquet: generation, evaluations, hypervolume, feasible_designs. attrs:
    finding."""
    h = store.history
    need = {"generation", "hypervolume"}
    if h.empty or not need <= set(h.columns):
        raise Unavailable("no search history (history.parquet) in this store")
    df = h.sort_values("generation").reset_index(drop=True).copy()
    df.attrs["finding"] = convergence_finding(df)
    return df


LEVELLED = 0.01  # a last generation adding less than this share of hypervolume: levelled off


def convergence_finding(df: pd.DataFrame) -> str:
    """How much the hypervolume grew, and whether the last generation still added to it."""
    hv = df["hypervolume"].to_numpy(dtype=float)
    g = df["generation"].astype(int).to_numpy()
    lead = (f"Hypervolume rose from {findings.num(hv[0])} after generation {g[0]} to "
            f"{findings.num(hv[-1])} after generation {g[-1]}")  # fmt: skip
    if len(hv) < 2:
        lead = f"One generation: hypervolume {findings.num(hv[0])}"
    elif hv[0] > 0:
        lead += f" (+{(hv[-1] / hv[0] - 1):.0%})"
    tail = ""
    if len(hv) >= 2 and hv[-2] > 0:
        gain = hv[-1] / hv[-2] - 1
        tail = f"; the last generation added {gain:.1%}, " + (
            "so the search has levelled off" if gain < LEVELLED else "so it is still rising"
        )
    feas = ""
    if "feasible_designs" in df and "evaluations" in df:
        feas = (f", with {int(df['feasible_designs'].iloc[-1])} feasible designs in "
                f"{int(df['evaluations'].iloc[-1])} evaluations")  # fmt: skip
    return findings.sentence(lead + feas, tail)


def convergence_draw(df: pd.DataFrame) -> go.Figure:
    """Hypervolume per generation on top; evaluations and feasible designs below."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        row_heights=[0.62, 0.38])  # fmt: skip
    fig.update_layout(template=theme.template(), title_text=TITLE, height=520)
    fig.add_trace(go.Scatter(
        x=df["generation"], y=df["hypervolume"], mode="lines+markers", name="hypervolume",
        line=dict(color=FRONT, width=2), marker=dict(size=8),
        hovertemplate="generation %{x}: hypervolume %{y:.4g}<extra></extra>",
    ), row=1, col=1)  # fmt: skip
    for name, col, colour in (
        ("evaluations", "evaluations", GREY),
        ("feasible designs", "feasible_designs", theme.colour(2)),
    ):
        if col in df:
            fig.add_trace(go.Bar(x=df["generation"], y=df[col], name=name, marker_color=colour,
                                 hovertemplate=f"%{{x}}: %{{y}} {name}<extra></extra>"),
                          row=2, col=1)  # fmt: skip
    fig.update_layout(
        barmode="group", margin_b=110, legend=dict(orientation="h", y=-0.2, x=0, yanchor="top")
    )
    fig.update_xaxes(title_text="generation", dtick=1, row=2, col=1)
    fig.update_yaxes(title_text="hypervolume", row=1, col=1)
    return fig.update_yaxes(title_text="designs", row=2, col=1)
