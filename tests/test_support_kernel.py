"""The vote-share kernels (sim/mechanisms/support_kernel.py) against the full-matrix
computation they replace, kept here as the reference: the same choices bit for bit, so the same
shares and the same centroids, for K = 1..12 candidates, exact ties, and a sequence of
single-platform moves through one cached kernel. Also the in-place opinion update
(sim/electorate.py) against the allocating one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import electorate as el
from sim.mechanisms import voting
from sim.mechanisms.support_kernel import DIRECT, SupportKernel


# -- the reference: voting.support before the kernels ------------------------------------------
def ref_scores(ideals: np.ndarray, platforms: np.ndarray) -> np.ndarray:
    d = ideals.shape[1]
    u = np.einsum("kj,jn->kn", 2.0 / d * platforms, ideals.T)
    u -= (np.einsum("kj,kj->k", platforms, platforms) / d)[:, None]
    return u


def ref_nearest(ideals: np.ndarray, platforms: np.ndarray) -> np.ndarray:
    u = ref_scores(ideals, platforms)
    best = np.zeros(ideals.shape[0], dtype=np.intp)
    best_u = u[0].copy()
    for k in range(1, u.shape[0]):
        np.copyto(best, k, where=u[k] > best_u)
        np.maximum(best_u, u[k], out=best_u)
    return best


def ref_support(ideals: np.ndarray, platforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    choice = ref_nearest(ideals, platforms)
    k, d = platforms.shape
    counts = np.bincount(choice, minlength=k).astype(float)
    sums = np.stack(
        [np.bincount(choice, weights=ideals[:, j], minlength=k) for j in range(d)], axis=1
    )
    centroids = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], platforms)
    return counts / ideals.shape[0], centroids


def assert_same(kernel: SupportKernel, ideals: np.ndarray, platforms: np.ndarray) -> None:
    got = kernel.support(platforms)
    shares, centroids = ref_support(ideals, platforms)
    np.testing.assert_array_equal(kernel.choices(platforms), ref_nearest(ideals, platforms))
    assert np.array_equal(got.shares, shares)  # bit for bit: same choices, same arithmetic
    assert np.array_equal(got.centroids, centroids)


def voters(rng, n: int, d: int) -> np.ndarray:
    return np.asfortranarray(rng.standard_normal((n, d)))  # column-major, as the Electorate


# -- random electorates, every K -----------------------------------------------------------
@pytest.mark.parametrize("k", range(1, 13))
@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_kernel_equals_full_matrix(k, d):
    rng = np.random.default_rng(100 * k + d)
    ideals = voters(rng, DIRECT + 904, d)  # the kernels' own paths, over two blocks
    kernel = SupportKernel(ideals)
    for scale in (0.1, 1.0, 30.0):
        assert_same(kernel, ideals, scale * rng.standard_normal((k, d)))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    d=st.integers(1, 4),
    k=st.integers(1, 12),
    moves=st.integers(1, 30),
    direct=st.sampled_from([0, DIRECT]),
)
def test_single_platform_moves(seed, n, d, k, moves, direct):
    """A sequence of moves through one cached kernel, each one platform (Laver's asynchronous
    updating), some onto another platform exactly (a Predator catching its leader), some by
    a step, some not at all: the state after each move is the full recomputation's. With
    `direct` 0 the incremental and two-candidate paths run at any size (2 voters and up)."""
    rng = np.random.default_rng(seed)
    ideals = voters(rng, n, d)
    platforms = rng.standard_normal((k, d))
    kernel = SupportKernel(ideals, direct=direct)
    assert_same(kernel, ideals, platforms)
    for _ in range(moves):
        i, how = int(rng.integers(k)), rng.integers(4)
        platforms = platforms.copy()
        if how == 0:
            platforms[i] = platforms[int(rng.integers(k))]  # onto another platform: ties
        elif how == 1:
            platforms[i] += 0.1 * rng.standard_normal(d)
        elif how == 2:
            platforms[i] = ideals[int(rng.integers(n))]  # onto a voter
        assert_same(kernel, ideals, platforms)


def test_exact_ties_go_to_the_lower_index():
    """Voters exactly at the midpoint of two platforms, and platforms placed twice: the
    reference's rounded scores decide, as before, in both kernels."""
    rng = np.random.default_rng(7)
    base = np.repeat(np.array([[0.0, 0.0], [0.3, -0.2]]), 500, axis=0)
    ideals = np.asfortranarray(np.concatenate([base, rng.standard_normal((500, 2))]))
    for platforms in (
        np.array([[1.0, 0.0], [-1.0, 0.0]]),  # voter at the origin: an exact tie
        np.array([[0.5, 0.3], [0.5, 0.3]]),  # the same platform twice
        np.array([[0.3, -0.2], [0.1, 0.1], [0.3, -0.2], [0.5, -0.5]]),
        np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]),  # four-way tie at 0
        np.array([[0.1, 0.2], [0.1, 0.2], [0.1, 0.2]]),
    ):
        assert_same(SupportKernel(ideals), ideals, platforms)
        assert_same(SupportKernel(ideals, direct=0), ideals, platforms)


def test_near_ties_are_rechecked():
    """Voters within rounding of the two-candidate boundary: the guard band hands them to the
    reference arithmetic, so none is decided differently (the fast mask alone would be)."""
    rng = np.random.default_rng(3)
    p = rng.standard_normal((2, 2))
    mid, normal = p.mean(axis=0), np.array([-(p[1] - p[0])[1], (p[1] - p[0])[0]])
    along = rng.uniform(-3, 3, 20_000)[:, None] * normal
    wiggle = rng.integers(-4, 5, (20_000, 2)) * np.spacing(1.0)  # a few ulps off the line
    ideals = np.asfortranarray(mid + along + wiggle)
    assert ideals.shape[0] >= DIRECT
    kernel = SupportKernel(ideals)
    assert_same(kernel, ideals, p)
    d = ideals.shape[1]
    delta = 2.0 / d * (p[1] - p[0])
    r = (p[1] @ p[1] - p[0] @ p[0]) / d
    fast = ideals @ delta > r
    assert (fast != (ref_nearest(ideals, p) == 1)).any(), "no near tie to recheck in this test"


def test_degenerate_inputs_follow_the_reference():
    rng = np.random.default_rng(11)
    ideals = voters(rng, 200, 2)
    kernel = SupportKernel(ideals, direct=0)
    with np.errstate(invalid="ignore"):
        for platforms in (
            np.array([[np.nan, 0.0], [0.5, 0.5], [1.0, 1.0]]),
            np.array([[0.0, 0.0], [np.inf, 0.0]]),
            np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]),  # finite again: state afresh
        ):
            np.testing.assert_array_equal(kernel.choices(platforms), ref_nearest(ideals, platforms))


def test_row_major_ideals_in_two_dimensions():
    """`voting.support` on a row-major array (tests and validators pass those) is the
    reference's: in d <= 2 every einsum order is the same sum."""
    rng = np.random.default_rng(5)
    ideals = np.ascontiguousarray(rng.standard_normal((1000, 2)))
    for k in (1, 2, 3, 6):
        platforms = rng.standard_normal((k, 2))
        got, want = voting.support(ideals, platforms), ref_support(ideals, platforms)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_stale_centroids_are_refused():
    rng = np.random.default_rng(2)
    ideals = voters(rng, 100, 2)
    kernel = SupportKernel(ideals)
    first = kernel.support(rng.standard_normal((3, 2)))
    kernel.support(rng.standard_normal((3, 2)))
    with pytest.raises(RuntimeError, match="stale"):
        _ = first.centroids


# -- plurality's nearest, block by block ------------------------------------------------------
def ref_nearest_bonus(ideals, platforms, bonus=None, bonus_for=None, extra=None):
    """`voting.nearest` before it ran over blocks: the whole (K, N) matrix."""
    u = ref_scores(ideals, platforms)
    if bonus is not None and bonus_for is not None:
        u[bonus_for] += bonus
    if extra is not None:
        u += extra
    best = np.zeros(ideals.shape[0], dtype=np.intp)
    best_u = u[0].copy()
    for k in range(1, u.shape[0]):
        np.copyto(best, k, where=u[k] > best_u)
        np.maximum(best_u, u[k], out=best_u)
    return best


@pytest.mark.parametrize("n", [1, 2, 63, 64, 65, 129, 1000])
@pytest.mark.parametrize("d", [1, 2, 4])
@pytest.mark.parametrize("order", ["F", "C"])
def test_nearest_in_blocks_equals_whole_matrix(n, d, order):
    rng = np.random.default_rng(n * d)
    ideals = rng.standard_normal((n, d))
    ideals = np.asfortranarray(ideals) if order == "F" else np.ascontiguousarray(ideals)
    for k in (1, 2, 3, 7):
        platforms = rng.standard_normal((k, d))
        valence, extra = rng.standard_normal(n), 0.3 * rng.standard_normal((k, n))
        inc = int(rng.integers(k))
        for block in (64, 1 << 14):
            got = voting.nearest(ideals, platforms, valence, inc, extra, 0.7, block=block)
            want = ref_nearest_bonus(ideals, platforms, 0.7 * valence, inc, extra)
            np.testing.assert_array_equal(got, want)
            got = voting.nearest(ideals, platforms, block=block)
            np.testing.assert_array_equal(got, ref_nearest(ideals, platforms))


# -- the in-place opinion update ---------------------------------------------------------
def ref_update(perception, utility, information, visible, prior, aspiration, noise, first):
    s = information * (utility - visible) + visible + noise
    perceived = s if first else prior + perception.memory * (s - prior)
    approval = 0.5 * (1.0 + np.tanh(0.5 * perception.sensitivity * (perceived - aspiration)))
    return perceived, approval


@pytest.mark.parametrize("n", [1, 2, 17, 1000, 70_001])
@pytest.mark.parametrize("first", [False, True])
@pytest.mark.parametrize("noise_sd", [0.0, 0.4])
def test_update_in_place_equals_allocating(n, first, noise_sd):
    rng = np.random.default_rng(n)
    perception = el.Perception(noise_sd, 0.3, 2.5)
    utility, info = rng.standard_normal(n), rng.uniform(0, 1, n)
    prior, aspiration = rng.standard_normal(n), rng.standard_normal(n)
    noise = perception.noise(n, np.random.default_rng(1))
    buffer = np.empty(n)
    in_place = perception.noise(n, np.random.default_rng(1), out=buffer)
    assert np.array_equal(noise, in_place)  # the same draws, written in place
    for q in (info, 1.0):
        want = ref_update(perception, utility, q, 0.2, prior, aspiration, noise, first)
        p_out, a_out, work = prior.copy(), np.empty(n), np.empty(n)
        perception.update(
            utility, q, 0.2, p_out, aspiration, in_place, first, out=(p_out, a_out), work=work
        )
        assert np.array_equal(p_out, want[0]) and np.array_equal(a_out, want[1])


def test_utility_in_place_equals_allocating():
    rng = np.random.default_rng(4)
    for d in (1, 2, 3):
        v = el.Electorate(rng.standard_normal((5000, d)), np.full(5000, 0.5), np.zeros(5000),
                          np.full(5000, 0.5))  # fmt: skip
        policy = rng.standard_normal(d)
        out = np.empty(v.n)
        assert np.array_equal(v.utility(policy, out=out), v.utility(policy))


# -- the blocked opinion update of a whole model against the allocating one ----------------
def ref_observe(self, first: bool = False) -> None:
    """`Opinion.observe` before the blocked in-place update (issue 16)."""
    model, world, voters = self.model, self.world, self.model.electorate
    v, harm, work = world.visible_effort, world.harm, world.effort_budget
    implemented, info = world.implemented, world.information
    self.utility = voters.utility(implemented) + (work * model.effort.welfare(v) - harm)
    visible = work * model.effort.signal(v)
    noise = self.perception.noise(voters.n, self.rng)
    voters.perceived[:], voters.approval[:] = self.perception.update(
        self.utility, info, visible, voters.perceived, voters.aspiration, noise, first
    )
    voters.informed_perceived[:], voters.informed_approval[:] = self.perception.update(
        self.utility, 1.0, visible, voters.informed_perceived, voters.informed_aspiration,
        noise, first,
    )  # fmt: skip
    world.harm_seen = float(harm)
    world.welfare_seen = float(self.utility.mean())
    world.approval_seen = float(np.mean(voters.approval))
    world.implemented_seen = np.array(implemented, dtype=float)


def ref_report(self) -> dict[str, float]:
    """`Opinion.report` before the means were kept from `observe`."""
    voters = self.model.electorate
    approval = float(np.mean(voters.approval))
    return {
        "welfare": float(self.utility.mean()),
        "approval": approval,
        "goodhart_gap": approval - float(np.mean(voters.informed_approval)),
    }


@pytest.mark.parametrize("scenario", ["baseline_democracy-v1", "scandal_information-v1"])
def test_blocked_opinion_update_equals_whole_array(monkeypatch, scenario):
    """Several blocks and a ragged last one; media (scandal_information) makes information
    per voter and moving. Voters' arrays and metrics are the allocating form's, bit for bit."""
    from sim.components.opinion import Opinion
    from sim.model import InstitutionModel
    from sim.scenario import load

    cfg = load(scenario, {"electorate.n_voters": 2 * el.BLOCK + 5})
    runs = []
    for observe, report in ((Opinion.observe, Opinion.report), (ref_observe, ref_report)):
        monkeypatch.setattr(Opinion, "observe", observe)
        monkeypatch.setattr(Opinion, "report", report)
        model = InstitutionModel(cfg, 4)
        model.run_for(6)
        v, opinion = model.electorate, model.component("opinion")
        runs.append(
            [v.perceived, v.approval, v.informed_perceived, v.informed_approval,
             opinion.utility, model.world.platforms, np.array(list(opinion.report().values()))]
        )  # fmt: skip
    for new, old in zip(*runs, strict=True):
        assert np.array_equal(new, old)


def test_noise_in_blocks_is_the_whole_draw():
    perception = el.Perception(0.7, 0.5, 1.0)
    whole = perception.noise(10_007, np.random.default_rng(8))
    rng, parts = np.random.default_rng(8), []
    for size in (4096, 4096, 1815):
        parts.append(perception.noise(size, rng, out=np.empty(size)).copy())
    assert np.array_equal(np.concatenate(parts), whole)
