"""The review queue (sim/mechanisms/review_queue.py): M/M/1 closed forms over independent
replications, FIFO and conservation over random small streams, step-wise == whole stream
bit for bit, seeded replay, and anchor E2 (which fails when the queue stops queueing)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mechanisms import review_queue as rq
from sim.validate import ANCHORS
from sim.validate.core import rng_for

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)
TIMES = st.floats(0.0, 3.0, allow_nan=False).map(lambda x: round(x, 1))  # rounding makes ties


@st.composite
def streams(draw):
    """A small stream: sorted arrivals (with ties), services (with zeros), 1-3 reviewers."""
    n = draw(st.integers(0, 25))
    gaps = draw(st.lists(TIMES, min_size=n, max_size=n))
    services = draw(st.lists(TIMES, min_size=n, max_size=n))
    return np.cumsum(gaps), np.array(services, dtype=float), draw(st.integers(1, 3))


def replications(rho: float, reps: int = 40, n: int = 20_000, seed: int = 11):
    """Per independent M/M/1 replication (mu = 1): mean sojourn and share within d = 5."""
    out = []
    for r in range(reps):
        rng = rng_for(seed, r)
        rev = rq.serve(rq.poisson_arrivals(rng, rho, n), rq.service_times(rng, n, 1.0))
        keep = slice(n // 10, None)  # warm-up: each replication starts idle
        out.append((rev.sojourn[keep].mean(), rev.in_time(5.0)[keep].mean()))
    return np.array(out)


def mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


@pytest.mark.parametrize("rho", [0.5, 0.75])
def test_mm1_time_in_system_and_deadline_match_closed_forms(rho):
    res = replications(rho)
    t, t_se = mean_se(res[:, 0])
    p, p_se = mean_se(res[:, 1])
    assert abs(t - 1 / (1 - rho)) <= 3 * t_se, (t, t_se)
    assert abs(p - (1 - math.exp(-(1 - rho) * 5.0))) <= 3 * p_se, (p, p_se)
    assert t_se < 0.03 / (1 - rho)  # the test has power: SE under 3% of the mean


@PROPERTY
@given(streams())
def test_fifo_and_conservation(stream):
    a, s, c = stream
    out = rq.serve(a, s, c)
    assert out.start.shape == a.shape and np.all((out.server >= 0) & (out.server < c))
    assert np.all(out.start >= a) and np.array_equal(out.depart, out.start + s)
    assert np.all(np.diff(out.start) >= 0)  # FIFO: reviews start in arrival order
    for k in range(c):  # one reviewer never reviews two items at once
        mine = np.flatnonzero(out.server == k)
        assert np.all(out.start[mine[1:]] >= out.depart[mine[:-1]])


@PROPERTY
@given(streams())
def test_each_item_starts_when_the_first_reviewer_frees(stream):
    """Work conservation: no reviewer idles while an item waits."""
    a, s, c = stream
    out = rq.serve(a, s, c)
    for i in range(a.size):
        free = [out.depart[:i][out.server[:i] == k].max(initial=a[0]) for k in range(c)]
        assert out.start[i] == max(a[i], min(free))


@PROPERTY
@given(streams(), st.lists(st.integers(0, 25), max_size=6))
def test_steps_give_the_whole_stream_bit_for_bit(stream, cuts):
    a, s, c = stream
    whole = rq.serve(a, s, c)
    state, parts = rq.empty(c, float(a[0]) if a.size else 0.0), []
    for chunk in np.split(np.arange(a.size), sorted(min(x, a.size) for x in cuts)):
        state, rev = rq.step(state, a[chunk], s[chunk])
        parts.append(rev)
        if chunk.size:  # the carried backlog: items up to this step still in the system
            done = slice(0, chunk[-1] + 1)
            want = (whole.depart[done] > state.clock, whole.start[done] > state.clock)
            assert rq.backlog(state, state.clock) == tuple(int(w.sum()) for w in want)
    for field in ("start", "depart", "server"):
        got = np.concatenate([getattr(p, field) for p in parts])
        assert np.array_equal(got, getattr(whole, field)), field


@PROPERTY
@given(streams())
def test_one_reviewer_heap_equals_lindley(stream):
    a, s, _ = stream
    lind = rq._lindley(0.0, a, s)
    heap = rq._kiefer_wolfowitz((0.0,), a, s)
    assert np.array_equal(lind[0], heap[0]) and lind[2] == heap[2]


def test_backlog_counts_waiting_and_in_review():
    state, _ = rq.step(rq.empty(1), [0.0, 0.0, 0.0], [2.0, 2.0, 2.0])
    assert rq.backlog(state, 0.0) == (3, 2)
    assert rq.backlog(state, 3.0) == (2, 1)
    assert rq.backlog(state, 6.0) == (0, 0)


def test_staffing_changes_capacity_from_the_next_arrival():
    state, _ = rq.step(rq.empty(1), [0.0, 0.0], [2.0, 2.0])
    _, hired = rq.step(rq.staff(state, 2), [0.5, 0.5], [1.0, 1.0])
    assert hired.start.tolist() == [0.5, 1.5]  # the new reviewer takes the first at once
    state, _ = rq.step(rq.empty(2), [0.0, 0.0], [1.0, 5.0])
    cut = rq.staff(state, 1)
    assert cut.free_at == (1.0,) and rq.backlog(cut, 0.5) == (2, 0)  # let go, still finishing
    assert rq.step(cut, [0.5], [1.0])[1].start.tolist() == [1.0]


def test_deadline_and_time_box():
    rng = np.random.default_rng(3)
    arrivals = rq.step_arrivals(rng, 50, 4.0, dt=2.0)
    assert np.all(np.diff(arrivals) >= 0) and arrivals.min() >= 4.0 and arrivals.max() < 6.0
    out = rq.serve(arrivals, rq.service_times(rng, 50, 1.0, time_box=0.5))
    assert np.allclose(out.depart - out.start, 0.5)
    assert np.array_equal(out.in_time(2.0), out.sojourn <= 2.0)
    assert out.in_time(np.inf).all() and not out.in_time(0.4).any()


def stream_for(seed: int, n: int = 500):
    rng = np.random.default_rng(seed)
    a = rq.poisson_arrivals(rng, 1.5, n)
    return rq.serve(a, rq.service_times(rng, n, 1.0), servers=2)


def test_same_seed_identical_other_seed_differs():
    one, two, other = stream_for(5), stream_for(5), stream_for(6)
    for field in ("arrival", "start", "depart", "server"):
        assert np.array_equal(getattr(one, field), getattr(two, field))
    assert not np.array_equal(one.depart, other.depart)


@pytest.mark.parametrize(
    ("state", "arrivals", "services", "match"),
    [
        (rq.empty(1), [1.0, 0.5], [1.0, 1.0], "sorted"),
        (rq.QueueState((0.0,), clock=2.0), [1.0], [1.0], "clock 2.0"),
        (rq.empty(1), [1.0], [1.0, 2.0], "one service per arrival"),
        (rq.empty(1), [1.0], [-1.0], ">= 0"),
    ],
)
def test_bad_input_is_refused(state, arrivals, services, match):
    with pytest.raises(ValueError, match=match):
        rq.step(state, arrivals, services)


def test_no_reviewers_is_refused():
    with pytest.raises(ValueError, match="at least 1 reviewer"):
        rq.empty(0)
    with pytest.raises(ValueError, match="at least 1 reviewer"):
        rq.staff(rq.empty(2), 0)


def test_anchor_e2_passes():
    failed = [c.label for c in ANCHORS["E2"].run() if not c.passed]
    assert not failed, failed


def test_anchor_e2_measures_the_queue(monkeypatch):
    """A queue whose reviewers never fall behind (every item starts on arrival) fails E2."""

    def no_queue(free, a, s):
        return a.copy(), np.zeros(a.size, np.int64), (free,)

    monkeypatch.setattr(rq, "_lindley", no_queue)
    failed = [c.label for c in ANCHORS["E2"].run() if not c.passed]
    assert "rho=0.9: mean time in system" in failed and "rho=0.8: mean number waiting" in failed
