"""Lobbying as a menu auction (Bernheim & Whinston 1986, "Menu Auctions, Resource Allocation,
and Economic Influence", QJE 101; Grossman & Helpman 1994, "Protection for Sale", AER 84).

Alignment failure: *the principal is for sale*. The government is meant to serve the voters'
welfare W, but it maximizes a * W + (contributions), so every organized group buys a pull of
the policy toward its own ideal; the unorganized voters pay in welfare for what it bought.

k organized groups with ideal points z_i in R^d have gross welfare u_i(p) = -|p - z_i|^2. The
voters' welfare is W(p) = -mean_v |p - x_v|^2 and a >= 0 is its weight. Each group offers a
*truthful* (compensating) contribution schedule, C_i(p) = max(0, b_i - |p - z_i|^2): above
zero it changes one-for-one with the group's welfare. The government then picks

    p = argmax_p  a W(p) + sum_i C_i(p)

numerically (`government_choice`: a coarse grid over a box that holds every ideal point, then
its best local maxima refined on zooming grids; the schedules are black boxes to it). The groups set
their constants b_i by iterated best response (`equilibrium`): in turn, each group lowers b_i
to the least at which the government still prefers the policy the group's full schedule buys
over its best policy without that group (plus a margin, so the preference is strict rather
than a tie). At the fixed point each group pays its marginal contribution to the
government's objective: B&W's truthful Nash equilibrium, up to the margin.

Known answer (anchor E1): with truthful schedules the policy maximizes a W + sum_i u_i, so with
quadratic losses p* = (a c + sum_i z_i) / (a + k), c the voters' mean ideal point. The
mechanism never evaluates this formula; the anchor compares against it.

Precision: within the peak that contains the maximizer the objective is an isotropic concave
quadratic, so the best point of a grid is the grid point nearest the maximizer: each
coordinate of the chosen policy is within half the final grid spacing (`Choice.precision`).
Limitation: at equilibrium the government is nearly indifferent (by the margin) between the
joint policy and each group's outside option, so the search must resolve every such peak on
its first grid (box / 200 per axis in d = 2). Groups whose ideals lie within a few cells of
one another and of the voters' mean can leave the joint policy's peak unseen: 1 of 150 stress
draws (ideals 0.05 apart, d = 2, a = 16) missed the precision bound by 2x; none chose a wrong peak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

Objective = Callable[[np.ndarray], np.ndarray]  # (m, d) policies -> (m,) values
COARSE = 40_000  # points of the first grid over the box
ZOOM = 41  # points per axis of each zoom grid, spanning +-2 spacings (spacing falls 10x a round)
PEAKS = 6  # local maxima of the first grid that are refined, best first
BRANCH = 3  # local maxima of each zoom grid that are refined further


@dataclass(frozen=True)
class Lobby:
    """The game: organized groups' ideals z (k, d), voters' ideals x (n, d), welfare weight a."""

    ideals: np.ndarray
    voters: np.ndarray
    weight: float

    @cached_property
    def _moments(self) -> tuple[np.ndarray, float]:
        return self.voters.mean(axis=0), float(np.mean(np.sum(self.voters**2, axis=1)))

    def welfare(self, p: np.ndarray) -> np.ndarray:
        """W(p) = -mean_v |p - x_v|^2, from the voters' first two moments (an exact identity)."""
        mean, square = self._moments
        return -(np.sum(p * p, axis=1) - 2.0 * p @ mean + square)

    def group_welfare(self, p: np.ndarray) -> np.ndarray:
        """u_i(p) = -|p - z_i|^2 for each policy (rows) and group (columns)."""
        return -np.sum((p[:, None, :] - self.ideals[None, :, :]) ** 2, axis=2)

    def box(self) -> tuple[np.ndarray, np.ndarray]:
        """The smallest box holding every ideal point: projecting a policy onto it brings the
        policy nearer every ideal, so the government's optimum lies inside."""
        points = np.vstack([self.voters, self.ideals])
        return points.min(axis=0), points.max(axis=0)


@dataclass(frozen=True)
class Schedules:
    """Truthful contribution schedules C_i(p) = max(0, b_i - |p - z_i|^2)."""

    lobby: Lobby
    constants: np.ndarray  # b_i

    def pay(self, p: np.ndarray) -> np.ndarray:
        """C_i(p) for each policy (rows) and group (columns)."""
        return np.maximum(0.0, self.constants + self.lobby.group_welfare(p))


@dataclass(frozen=True)
class Choice:
    """The government's pick: the policy, its objective value, and the optimizer's precision."""

    policy: np.ndarray
    value: float
    precision: np.ndarray  # per coordinate: |policy - maximizer| <= precision


@dataclass(frozen=True)
class Outcome:
    """The equilibrium: policy, each group's payment C_i(p) and net payoff u_i(p) - C_i(p)."""

    policy: np.ndarray
    payments: np.ndarray
    net_payoffs: np.ndarray
    schedules: Schedules
    precision: np.ndarray
    sweeps: int
    converged: bool


def draw_lobby(rng: np.random.Generator, k: int, d: int, voters: int, weight: float, spread=2.0):
    """Voters' ideals from N(0, I_d), groups' ideals from N(0, spread^2 I_d)."""
    return Lobby(spread * rng.standard_normal((k, d)), rng.standard_normal((voters, d)), weight)


def government_objective(lobby: Lobby, schedules: Schedules, skip: int | None = None) -> Objective:
    """p -> a W(p) + sum_i C_i(p), leaving out group `skip`'s schedule if given."""
    keep = np.arange(lobby.ideals.shape[0]) != (-1 if skip is None else skip)
    return lambda p: lobby.weight * lobby.welfare(p) + schedules.pay(p)[:, keep].sum(axis=1)


def government_choice(
    lobby: Lobby, schedules: Schedules, tol: float = 1e-6, coarse: int = COARSE
) -> Choice:
    """The policy the government picks over the offered schedules."""
    return maximize(government_objective(lobby, schedules), *lobby.box(), tol, coarse)


def maximize(
    objective: Objective, lo: np.ndarray, hi: np.ndarray, tol: float = 1e-6, coarse: int = COARSE
) -> Choice:
    """Global argmax on the box [lo, hi]: a coarse grid of about `coarse` points, then its best
    PEAKS local maxima each refined on zooming grids until the spacing is <= tol; the best
    refined point wins."""
    n = max(3, int(coarse ** (1.0 / lo.size)))
    points = _grid([np.linspace(a, b, n) for a, b in zip(lo, hi, strict=True)])
    values = objective(points).reshape((n,) * lo.size)
    spacing = np.maximum((hi - lo) / (n - 1), tol)
    refined = [_zoom(objective, points[i], spacing, tol) for i in _peaks(values)[:PEAKS]]
    return max(refined, key=lambda c: c.value)


def best_response(
    lobby: Lobby, constants: np.ndarray, i: int, tol: float, margin: float, coarse: int = COARSE
) -> float:
    """Group i's least constant b_i at which the government still strictly prefers the policy
    its schedule buys to its best policy without group i."""
    others = Schedules(lobby, constants)
    lo, hi = lobby.box()
    outside = maximize(government_objective(lobby, others, skip=i), lo, hi, tol, coarse)
    full = np.where(np.arange(constants.size) == i, np.sum((hi - lo) ** 2) + 1.0, constants)
    bought = maximize(government_objective(lobby, Schedules(lobby, full)), lo, hi, tol, coarse)
    return float(full[i] - (bought.value - outside.value) + margin)


def equilibrium(lobby: Lobby, tol=1e-6, margin=1e-8, max_sweeps=50, coarse=COARSE) -> Outcome:
    """Iterated best response from generous schedules until a sweep moves no b_i by more than
    margin / (2 k): then the later moves of the others cost the government at most half the
    margin, so it still strictly prefers the joint policy. Then the government chooses.
    `coarse`: points of the optimizer's first grid (fewer suffice in one dimension)."""
    b = np.full(lobby.ideals.shape[0], np.sum(np.subtract(*lobby.box()) ** 2) + 1.0)
    for sweep in range(1, max_sweeps + 1):
        before = b.copy()
        for i in range(b.size):
            b[i] = best_response(lobby, b, i, tol, margin, coarse)
        if np.max(np.abs(b - before)) <= margin / (2 * b.size):
            return settle(lobby, Schedules(lobby, b), tol, sweep, True, coarse)
    return settle(lobby, Schedules(lobby, b), tol, max_sweeps, False, coarse)


def settle(lobby: Lobby, schedules: Schedules, tol: float, sweeps: int, converged: bool,
           coarse: int = COARSE):  # fmt: skip
    """The government's choice over the schedules, with payments and net payoffs."""
    choice = government_choice(lobby, schedules, tol, coarse)
    p = choice.policy[None, :]
    paid = schedules.pay(p)[0]
    net = lobby.group_welfare(p)[0] - paid
    return Outcome(choice.policy, paid, net, schedules, choice.precision, sweeps, converged)


def _grid(axes: list[np.ndarray]) -> np.ndarray:
    """All points of the product grid, as rows."""
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes))


def _peaks(values: np.ndarray) -> np.ndarray:
    """Flat indices of the grid's local maxima (>= every axis neighbour), best first."""
    padded = np.pad(values, 1, constant_values=-np.inf)
    peak = np.ones(values.shape, dtype=bool)
    for axis in range(values.ndim):
        for shift in (0, 2):
            window = [slice(1, -1)] * values.ndim
            window[axis] = slice(shift, shift + values.shape[axis])
            peak &= values >= padded[tuple(window)]
    index = np.flatnonzero(peak)
    return index[np.argsort(-values.ravel()[index], kind="stable")]


def _zoom(objective: Objective, start: np.ndarray, spacing: np.ndarray, tol: float) -> Choice:
    """Refine around `start` (the grid point nearest a peak): a grid of ZOOM points per axis
    spans +-2 spacings, so the spacing falls by (ZOOM - 1) / 4 a round until it is <= tol. The
    best BRANCH local maxima of each zoom grid are refined in turn, so two peaks that fell into
    one cell of the coarser grid are told apart on the finer one."""
    if spacing.max() <= tol:
        return Choice(start, float(objective(start[None, :])[0]), spacing / 2.0)
    points = start + _grid([s * np.linspace(-2.0, 2.0, ZOOM) for s in spacing])
    values = objective(points).reshape((ZOOM,) * start.size)
    finer = spacing * 4.0 / (ZOOM - 1)
    tries = [_zoom(objective, points[i], finer, tol) for i in _peaks(values)[:BRANCH]]
    return max(tries, key=lambda c: c.value)
