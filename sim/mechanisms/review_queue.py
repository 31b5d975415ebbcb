"""A review organization's queue: FIFO service by c reviewers with finite capacity (the
single-server case is Lindley 1952, "The theory of queues with a single server"; c servers
follow the Kiefer & Wolfowitz 1955 workload recursion, "On the theory of queues with many
servers"; M/M/1 closed forms in Kleinrock 1975, Queueing Systems vol. 1, sec. 3.2).

Alignment failure: *oversight that cannot keep up*. An overseer with finite capacity reviews
actions late when the queue is long; an action whose harm takes effect `act_delay` after it
was submitted is reviewed in time only if its time in system is <= act_delay.

Items arrive at times a_1 <= a_2 <= ... with review (service) times s_i. Each item, in
arrival order, goes to the reviewer that is free first:

    start_i = max(a_i, min_k free_k),   free_k <- start_i + s_i,   depart_i = start_i + s_i

(for c = 1 this is Lindley's d_i = max(a_i, d_{i-1}) + s_i). The recursion is sequential and
run in a tight loop over Python floats (about 0.5 us per item), so splitting a stream into
steps gives bit-identical results: `step` carries the reviewers' free times (and the items
still in the system) in a `QueueState` from one step to the next, and `serve` runs a whole
stream in one step. Time-boxed reviews use a deterministic service time (`service_times`).
Within a step of length dt, a Poisson number of arrivals has uniform order-statistic times
(`step_arrivals`; e.g. Ross 2014, Introduction to Probability Models, sec. 5.3.5).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class QueueState:
    """Between steps: when each reviewer is next free, the last arrival seen, and the review
    start and departure times of the items still in the system at that arrival."""

    free_at: tuple[float, ...]
    clock: float = 0.0
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    departs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def servers(self) -> int:
        return len(self.free_at)


@dataclass(frozen=True)
class Reviews:
    """Per item, in arrival order: arrival, review start and end times, and the reviewer (its
    position in the state's free_at)."""

    arrival: np.ndarray
    start: np.ndarray
    depart: np.ndarray
    server: np.ndarray

    @property
    def wait(self) -> np.ndarray:
        return self.start - self.arrival

    @property
    def sojourn(self) -> np.ndarray:
        """Time in system: waiting plus review."""
        return self.depart - self.arrival

    def in_time(self, act_delay) -> np.ndarray:
        """Reviewed before the item's harm takes effect (act_delay after its arrival)."""
        return self.sojourn <= act_delay


def empty(servers: int = 1, t0: float = 0.0) -> QueueState:
    """An idle organization with `servers` reviewers at time t0."""
    _check_servers(servers)
    return QueueState(tuple([float(t0)] * servers), float(t0))


def staff(state: QueueState, servers: int) -> QueueState:
    """Change the number of reviewers from the next arrival on (a budget decision): hires are
    free at the clock; the reviewers let go are those free last (their reviews still finish)."""
    _check_servers(servers)
    free = sorted(state.free_at)[:servers]
    free += [state.clock] * (servers - len(free))
    return QueueState(tuple(free), state.clock, state.starts, state.departs)


def step(state: QueueState, arrivals, services) -> tuple[QueueState, Reviews]:
    """Serve one step's arrivals (sorted, not before state.clock) after the carried backlog."""
    a, s = _checked(state, arrivals, services)
    if state.servers == 1:
        start, server, free = _lindley(state.free_at[0], a, s)
    else:
        start, server, free = _kiefer_wolfowitz(state.free_at, a, s)
    out = Reviews(a, start, start + s, server)
    return _carry(state, out, free), out


def serve(arrivals, services, servers: int = 1) -> Reviews:
    """A whole arrival stream through an idle organization (the validation entry point)."""
    a = np.asarray(arrivals, dtype=float)
    return step(empty(servers, float(a[0]) if a.size else 0.0), a, services)[1]


def backlog(state: QueueState, t: float) -> tuple[int, int]:
    """(items in the system, items waiting) at time t >= state.clock."""
    return int(np.count_nonzero(state.departs > t)), int(np.count_nonzero(state.starts > t))


def poisson_arrivals(rng: np.random.Generator, rate: float, n: int, t0: float = 0.0):
    """n arrival times of a Poisson process of the given rate after t0."""
    return t0 + np.cumsum(rng.exponential(1.0 / rate, n))


def step_arrivals(rng: np.random.Generator, count: int, t: float, dt: float = 1.0):
    """Times of `count` arrivals in [t, t + dt): uniform order statistics (Poisson, given count)."""
    return t + dt * np.sort(rng.random(count))


def service_times(rng: np.random.Generator, n: int, rate: float, time_box: float | None = None):
    """Review times: exponential with the given rate, or the fixed time_box (time-boxed review)."""
    if time_box is not None:
        return np.full(n, float(time_box))
    return rng.exponential(1.0 / rate, n)


def _check_servers(servers: int) -> None:
    if servers < 1:
        raise ValueError(f"a review queue needs at least 1 reviewer, got servers={servers}")


def _checked(state: QueueState, arrivals, services) -> tuple[np.ndarray, np.ndarray]:
    a, s = np.asarray(arrivals, dtype=float), np.asarray(services, dtype=float)
    if a.shape != s.shape or a.ndim != 1:
        raise ValueError(f"arrivals {a.shape} and services {s.shape}: one service per arrival")
    if a.size and (a[0] < state.clock or np.any(np.diff(a) < 0)):
        raise ValueError(
            f"arrivals must be sorted and not before the last step's (clock {state.clock}); "
            "most likely: sort a step's arrival times, or pass steps in time order"
        )
    if np.any(s < 0):
        raise ValueError("service times must be >= 0")
    return a, s


def _lindley(free: float, a: np.ndarray, s: np.ndarray):
    """Single reviewer: start_i = max(a_i, d_{i-1}), d_i = start_i + s_i."""
    starts = []
    push = starts.append
    for ai, si in zip(a.tolist(), s.tolist(), strict=True):
        begin = ai if ai > free else free
        push(begin)
        free = begin + si
    return np.array(starts, dtype=float), np.zeros(a.size, np.int64), (free,)


def _kiefer_wolfowitz(free_at: tuple[float, ...], a: np.ndarray, s: np.ndarray):
    """c reviewers, FIFO: each item goes to the reviewer free first (lowest index on ties)."""
    heap = [(f, k) for k, f in enumerate(free_at)]
    heapq.heapify(heap)
    starts, servers = [], []
    for ai, si in zip(a.tolist(), s.tolist(), strict=True):
        free, k = heap[0]
        begin = ai if ai > free else free
        heapq.heapreplace(heap, (begin + si, k))
        starts.append(begin)
        servers.append(k)
    free = tuple(f for f, _ in sorted(heap, key=lambda fk: fk[1]))
    return np.array(starts, dtype=float), np.array(servers, np.int64), free


def _carry(state: QueueState, out: Reviews, free: tuple[float, ...]) -> QueueState:
    """The next state: free times, the new clock, and the items still in the system then."""
    clock = float(out.arrival[-1]) if out.arrival.size else state.clock
    starts = np.concatenate([state.starts, out.start])
    departs = np.concatenate([state.departs, out.depart])
    keep = departs > clock
    return QueueState(free, clock, starts[keep], departs[keep])
