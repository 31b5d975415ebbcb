"""Anchor E2 (shared/ANCHORS.md): review queues. Every check runs the review organization's
queue (sim/mechanisms/review_queue.py) on a simulated arrival stream and measures what
happened in it; the closed forms only supply the expected values.

M/M/1 (Kleinrock 1975, Queueing Systems vol. 1, sec. 3.2), service rate mu = 1, arrival rate
lambda = rho: mean time in system 1 / (mu - lambda); mean number waiting rho^2 / (1 - rho);
time in system exponential with rate mu - lambda, so a review deadline d is met with
probability 1 - exp(-(mu - lambda) d). Beyond the anchor, two checks of the other service
regimes the mechanism offers: c = 2 reviewers (M/M/c, Erlang 1917: waiting
C(c, a) / (c mu - lambda), C the Erlang C probability of waiting) and time-boxed reviews of
fixed length (M/D/1, Pollaczek 1930 / Khinchine 1932: waiting rho / (2 mu (1 - rho))).

Measurements: the time in system is averaged over items; the number waiting is the time
average of N(t) = #{arrived by t} - #{review started by t}, integrated exactly between events
(not Little's law). Each run starts idle; the first 5% of items are dropped as warm-up.
Waiting times are strongly autocorrelated near rho = 1 (over hundreds of items at rho = 0.9), so
standard errors are batch means over 30 contiguous batches (items) or equal time windows.
"""

from __future__ import annotations

import math

import numpy as np

from sim.mechanisms import review_queue as rq
from sim.validate.core import Check, anchor, rng_for, within_se

E2_SOURCE = "Kleinrock 1975, Queueing Systems I, sec. 3.2 (M/M/1); Erlang 1917; Pollaczek 1930"
ITEMS, BATCHES, WARMUP = 400_000, 30, 0.05


def simulate(seed: int, key: int, rate: float, servers: int = 1, time_box=None) -> rq.Reviews:
    """ITEMS Poisson arrivals at `rate` through `servers` reviewers with service rate 1."""
    rng = rng_for(seed, key)
    arrivals = rq.poisson_arrivals(rng, rate, ITEMS)
    return rq.serve(arrivals, rq.service_times(rng, ITEMS, 1.0, time_box), servers)


def batch_mean(values: np.ndarray) -> tuple[float, float]:
    """Mean after warm-up and its batch-means standard error."""
    means = [b.mean() for b in np.array_split(values[int(WARMUP * values.size) :], BATCHES)]
    return float(np.mean(means)), float(np.std(means, ddof=1) / math.sqrt(BATCHES))


def number_waiting(out: rq.Reviews) -> tuple[float, float]:
    """Time average of the number waiting over equal time windows after warm-up, with its SE."""
    edges = np.linspace(out.arrival[int(WARMUP * out.arrival.size)], out.arrival[-1], BATCHES + 1)
    per_window = np.diff(waiting_integral(out.arrival, out.start, edges)) / np.diff(edges)
    return float(per_window.mean()), float(per_window.std(ddof=1) / math.sqrt(BATCHES))


def waiting_integral(arrivals: np.ndarray, starts: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Integral of N(t) from the first event to each time in `at` (N is piecewise constant)."""
    times = np.concatenate([arrivals, starts])
    order = np.argsort(times, kind="stable")
    t = times[order]
    count = np.cumsum(np.concatenate([np.ones(arrivals.size), -np.ones(starts.size)])[order])
    area = np.concatenate([[0.0], np.cumsum(count[:-1] * np.diff(t))])
    return np.interp(at, t, area)


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda / mu."""
    top = load**servers / math.factorial(servers) / (1.0 - load / servers)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


@anchor("E2", "M/M/1 review queue", E2_SOURCE)
def review_queue(seed: int) -> list[Check]:
    checks = []
    for i, rho in enumerate((0.5, 0.8, 0.9)):
        out = simulate(seed, i, rho)
        t, t_se = batch_mean(out.sojourn)
        q, q_se = number_waiting(out)
        checks.append(within_se(f"rho={rho}: mean time in system", t, 1 / (1 - rho), t_se))
        checks.append(within_se(f"rho={rho}: mean number waiting", q, rho**2 / (1 - rho), q_se))
        if rho == 0.8:
            p, p_se = batch_mean(out.in_time(10.0).astype(float))
            want = 1 - math.exp(-(1 - rho) * 10.0)
            checks.append(within_se("rho=0.8: share reviewed within d=10", p, want, p_se))
    return checks + _other_regimes(seed)


def _other_regimes(seed: int) -> list[Check]:
    """Two reviewers (M/M/2) and time-boxed reviews (M/D/1), both at rho = 0.8."""
    two = batch_mean(simulate(seed, 10, 1.6, servers=2).sojourn)
    boxed = batch_mean(simulate(seed, 11, 0.8, time_box=1.0).sojourn)
    mm2 = 1.0 + erlang_c(2, 1.6) / (2.0 - 1.6)
    md1 = 1.0 + 0.8 / (2.0 * (1.0 - 0.8))
    return [
        within_se("M/M/2, rho=0.8: mean time in system", two[0], mm2, two[1]),
        within_se("M/D/1 (time-boxed), rho=0.8: mean time in system", boxed[0], md1, boxed[1]),
    ]
