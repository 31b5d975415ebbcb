"""Anchor E1 (shared/ANCHORS.md): menu auctions. Every check runs the lobbying mechanism
(sim/mechanisms/menu_auction.py): the groups find their truthful schedules by iterated best
response and the government maximizes numerically over them; the closed form only supplies
the expected value.

Grossman & Helpman 1994 (with Bernheim & Whinston 1986): with truthful schedules the policy
maximizes a W + sum_i u_i; with quadratic losses p* = (a c + sum_i z_i) / (a + k), c the
voters' mean ideal point. Tolerance: each coordinate of the government's choice is within half
the final grid spacing of its optimizer (`Choice.precision`, here <= 5e-7), stated per check.
Comparative static: as the weight a on voters' welfare grows, the policy moves monotonically
toward c (measured as the distance |p - c| over a rising sequence of a).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import menu_auction as ma
from sim.validate.core import Check, anchor, holds, rng_for, within_abs

E1_SOURCE = "Bernheim & Whinston 1986, QJE 101; Grossman & Helpman 1994, AER 84"
VOTERS = 101
CONFIGS = ((1, 1, 0.5), (1, 2, 1.0), (1, 3, 4.0), (2, 1, 4.0), (2, 2, 0.5), (2, 3, 1.0))
WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def welfare_optimum(lobby: ma.Lobby) -> np.ndarray:
    """c: the voters' mean ideal point."""
    return lobby.voters.mean(axis=0)


def closed_form(lobby: ma.Lobby) -> np.ndarray:
    """Grossman-Helpman: p* = (a c + sum_i z_i) / (a + k)."""
    a, k = lobby.weight, lobby.ideals.shape[0]
    return (a * welfare_optimum(lobby) + lobby.ideals.sum(axis=0)) / (a + k)


def policy_checks(label: str, lobby: ma.Lobby) -> list[Check]:
    """One row per coordinate of the equilibrium policy, and one for convergence."""
    out = ma.equilibrium(lobby)
    want = closed_form(lobby)
    rows = [
        within_abs(f"{label}: p[{j}]", float(out.policy[j]), float(want[j]), float(tol))
        for j, tol in enumerate(out.precision)
    ]
    done = holds(f"{label}: best responses converged", out.converged, "yes", str(out.sweeps))
    return [*rows, done]


def monotone_check(seed: int) -> Check:
    """|p - c| falls strictly as a rises (d = 2, k = 2, the same voters and groups)."""
    base = ma.draw_lobby(rng_for(seed, 100), 2, 2, VOTERS, 1.0)
    c = welfare_optimum(base)
    dist = [
        float(np.linalg.norm(ma.equilibrium(ma.Lobby(base.ideals, base.voters, a)).policy - c))
        for a in WEIGHTS
    ]
    shown = ", ".join(f"{x:.4f}" for x in dist)
    return holds(
        "|p - c| falls as a rises (a = 0.25..16)",
        bool(np.all(np.diff(dist) < 0)),
        "strictly decreasing",
        shown,
    )


@anchor("E1", "Menu auction (truthful schedules)", E1_SOURCE)
def menu_auction(seed: int) -> list[Check]:
    checks = []
    for i, (d, k, a) in enumerate(CONFIGS):
        lobby = ma.draw_lobby(rng_for(seed, i), k, d, VOTERS, a)
        checks += policy_checks(f"d={d}, k={k}, a={a:g}", lobby)
    return [*checks, monotone_check(seed)]
