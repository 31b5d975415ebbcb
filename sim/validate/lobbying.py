"""Anchors E1 and E4. E1 (shared/ANCHORS.md): menu auctions. Every check runs the lobbying mechanism
(sim/mechanisms/menu_auction.py): the groups find their truthful schedules by iterated best
response and the government maximizes numerically over them; the closed form only supplies
the expected value.

Grossman & Helpman 1994 (with Bernheim & Whinston 1986): with truthful schedules the policy
maximizes a W + sum_i u_i; with quadratic losses p* = (a c + sum_i z_i) / (a + k), c the
voters' mean ideal point. Tolerance: each coordinate of the government's choice is within half
the final grid spacing of its optimizer (`Choice.precision`, here <= 5e-7), stated per check.
Comparative static: as the weight a on voters' welfare grows, the policy moves monotonically
toward c (measured as the distance |p - c| over a rising sequence of a).

E4: the Tullock contest (Tullock 1980, "Efficient Rent Seeking"). In the symmetric n-player
lottery contest for a prize V with linear costs the equilibrium bid is x* = (n - 1) V / n^2;
the simulator's contest (sim/mechanisms/contest.py) finds it by iterated best responses
(golden-section search on V p(x) - x), never evaluating the formula. Tolerance: rel 1e-6
(the search stops at a bracket of 1e-10). And the contest as the simulator runs it: the
share of a four-level tree's 780 free officials captured in one step by G groups spending B
each on a reservation price k matches the win probability G x / (G x + k) (x = B / 780 per
official) times 1 - the officials' believed detection rate, within 3 binomial standard errors
over 12 seeded runs.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import contest
from sim.mechanisms import menu_auction as ma
from sim.validate.core import Check, anchor, holds, rng_for, within_abs, within_rel, within_se

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


E4_SOURCE = "Tullock 1980, Efficient Rent Seeking (Toward a Theory of the Rent-Seeking Society)"
CONTESTS = ((2, 1.0), (3, 1.0), (5, 2.0), (10, 4.0))  # (n, V)
CAPTURE = ((1, 7.8, 0.03), (2, 7.8, 0.03), (3, 3.9, 0.01))  # (groups, budget, k)
OFFICIALS, BELIEF, RUNS = 780, 0.2, 12


def capture_check(seed: int, groups: int, budget: float, k: float) -> Check:
    """Share of officials captured in one step of regulatory_capture-v1 (depth 4) when the
    groups bid in the contest, against the total win probability x (1 - belief)."""
    from sim.run import run
    from sim.scenario import load

    sets = {"steps": 1, "electorate.n_voters": 200, "bureaucracy.depth": 4,
            "bureaucracy.interest_groups": groups, "bureaucracy.prior_detection": BELIEF,
            "interest_groups.strategy": "fixed_split", "interest_groups.budget": budget,
            "interest_groups.official_price": k}  # fmt: skip
    cfg = load("regulatory_capture-v1", sets)
    shares = [run(cfg, seed=seed + r).series["capture_index"].iloc[-1] for r in range(RUNS)]
    total = groups * budget / OFFICIALS  # all groups' bids per official
    p = total / (total + k) * (1 - BELIEF)
    se = float(np.sqrt(p * (1 - p) / (OFFICIALS * RUNS)))
    return within_se(f"capture share, {groups} group(s), k={k:g}", float(np.mean(shares)), p, se)


@anchor("E4", "Tullock contest (symmetric equilibrium; capture frequency)", E4_SOURCE)
def tullock_contest(seed: int) -> list[Check]:
    checks = []
    for n, value in CONTESTS:
        bids = contest.equilibrium(n, value)
        want = (n - 1) * value / n**2
        for label, bid in (("lowest", bids.min()), ("highest", bids.max())):
            checks.append(within_rel(f"n={n}, V={value:g}: {label} bid", float(bid), want, 1e-6))
    return [*checks, *(capture_check(seed, *c) for c in CAPTURE)]
