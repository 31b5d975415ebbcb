"""The budget-maximizing bureau (Niskanen 1971, "Bureaucracy and Representative Government";
Miller & Moe 1983, "Bureaucrats, Legislators, and the Size of Government", APSR 77).

Alignment failure: *the agent optimizes its own proxy of success* (budget size) and uses its
information advantage (it knows the sponsor's demand and its own cost; the sponsor knows
neither) to extract the whole surplus.

The sponsor values output Q at V(Q) = a Q - b Q^2 / 2 (marginal valuation a - b Q) and takes an
all-or-nothing offer (Q, B) iff V(Q) - B >= 0. The bureau, with constant unit cost c, offers the
(Q, B) with the largest B it can get accepted subject to covering its cost, B >= c Q. Here
the offer is found by *running* that bargaining: the bureau probes the sponsor's acceptance
(bisection on B for each Q) and searches Q on a zooming grid.

Known answers (anchor B3): efficient output Q* = (a - c)/b. If c >= a/2 the cost constraint
binds (budget-constrained regime): Q_B = 2 Q*, B = c Q_B and the sponsor's net surplus is 0.
If c < a/2 (demand-constrained): Q_B = a/b and the budget exceeds cost; the excess is slack.

A sponsor with cost information pays c per unit (Miller & Moe's price schedule) and buys Q*.
Welfare lost to the bureau, in sponsor surplus, is W* - (V(Q) - B) = overproduction loss
[W* - (V(Q) - c Q)] + slack [B - c Q], with W* = V(Q*) - c Q*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Accepts = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Sponsor:
    a: float  # marginal valuation of the first unit
    b: float  # slope of the marginal valuation

    def value(self, q: np.ndarray | float) -> np.ndarray | float:
        return self.a * q - 0.5 * self.b * np.square(q)

    def accepts(self, q: np.ndarray, budget: np.ndarray) -> np.ndarray:
        """All-or-nothing: take the offer iff it leaves a non-negative net surplus."""
        return self.value(q) - budget >= 0.0


@dataclass(frozen=True)
class Contract:
    output: float
    budget: float
    unit_cost: float

    @property
    def slack(self) -> float:
        return self.budget - self.unit_cost * self.output

    def sponsor_surplus(self, sponsor: Sponsor) -> float:
        return float(sponsor.value(self.output)) - self.budget


def max_budget(accepts: Accepts, q: np.ndarray, iters: int = 200) -> np.ndarray:
    """Largest budget the sponsor accepts with each output q (bisection); -inf if none."""
    q = np.asarray(q, dtype=float)
    hi = np.ones_like(q)
    while np.any(grow := accepts(q, hi)) and hi.max() < 1e300:
        hi = np.where(grow, 2.0 * hi, hi)
    lo = np.zeros_like(q)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        ok = accepts(q, mid)
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return np.where(accepts(q, np.zeros_like(q)), lo, -np.inf)


def zoom_argmax(score: Callable[[np.ndarray], np.ndarray], hi: float, rounds: int = 6) -> float:
    """argmax of score on [0, hi] by a grid that zooms in around the best point."""
    lo, grid = 0.0, 2001
    best = 0.0
    for _ in range(rounds):
        q = np.linspace(lo, hi, grid)
        s = score(q)
        best = float(q[int(np.argmax(s))])
        step = (hi - lo) / (grid - 1)
        lo, hi = max(0.0, best - step), best + step
    return best


def search_range(score: Callable[[np.ndarray], np.ndarray]) -> float:
    """Double Q until the score stops improving or becomes infeasible (-inf)."""
    hi = 1.0
    while hi < 1e12:
        s1, s2 = score(np.array([hi, 2.0 * hi]))
        if not np.isfinite(s2) or s2 <= s1:
            return 2.0 * hi
        hi *= 2.0
    return hi


def budget_offer(accepts: Accepts, unit_cost: float) -> Contract:
    """The bureau's budget-maximizing all-or-nothing offer that covers its cost."""

    def score(q: np.ndarray) -> np.ndarray:
        b = max_budget(accepts, q)
        return np.where(b >= unit_cost * q, b, -np.inf)

    q = zoom_argmax(score, search_range(score))
    return Contract(q, float(max_budget(accepts, np.array([q]))[0]), unit_cost)


def priced_purchase(sponsor: Sponsor, unit_cost: float) -> Contract:
    """A sponsor that knows the cost pays it per unit and buys what maximizes V(Q) - c Q."""

    def score(q: np.ndarray) -> np.ndarray:
        return sponsor.value(q) - unit_cost * q

    q = zoom_argmax(score, search_range(score))
    return Contract(q, unit_cost * q, unit_cost)


def surplus_lost(sponsor: Sponsor, contract: Contract, efficient: Contract) -> float:
    """W* - (V(Q) - B): sponsor surplus lost relative to efficient provision at cost."""
    return efficient.sponsor_surplus(sponsor) - contract.sponsor_surplus(sponsor)


@lru_cache(maxsize=256)
def contracts(a: float, b: float, unit_cost: float) -> tuple[Contract, Contract]:
    """(the bureau's budget-maximizing offer, the priced efficient purchase) for a sponsor (a, b)
    and unit cost c. Cached: the bargaining is deterministic, and every run and budget round
    with the same parameters would repeat it."""
    sponsor = Sponsor(a, b)
    return budget_offer(sponsor.accepts, unit_cost), priced_purchase(sponsor, unit_cost)
