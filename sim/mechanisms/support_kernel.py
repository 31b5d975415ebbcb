"""Vote-share kernels: proximity-voting support of K platforms over one fixed electorate,
without a fresh candidates x voters score matrix per call.

Proximity voting (Downs 1957; Hotelling 1929): voter i supports the platform that maximizes
-||x_i - p_k||^2 / d, that is the score u_ik = c_k . x_i - q_k with c_k = (2/d) p_k and
q_k = ||p_k||^2 / d (the per-voter constant -||x_i||^2 / d dropped); ties go to the lower
index. Laver's vote-seeking rules (Laver 2005; Laver & Sergenti 2011: Hunter, Aggregator,
Predator, sim/strategies/) observe the resulting vote shares and supporters' centroids after
every single party's move (asynchronous updating, sim/components/electoral.py), so the pass
runs once per move: K moves a step. Recomputing the K x N scores at each move makes a step
O(K^2 N); the kernels here make a move O(N d), so a step is O(K N d).

- K = 2: one dot product and a mask. Voter i supports platform 1 iff
  x_i . (c_1 - c_0) > q_1 - q_0.
- K > 2: a cached (K, N) score matrix with each voter's choice and best score. When platforms
  move, only their rows are recomputed; a voter that supported a moved platform and now
  scores it lower rescans the K cached scores, any other voter compares the moved row with
  its best. Vote counts are integers, kept up to date exactly from the voters that switched.
- K = 1: everyone supports the one platform.
- Below `DIRECT` voters (4,096) every pass recomputes the scores outright, as
  `voting.nearest` does: at that size the bookkeeping costs more numpy calls than it saves.

Exactness. The choices are bit for bit those of the full computation (`voting.scores`, then
the first argmax): the K > 2 kernel keeps the same scores computed by the same arithmetic
(an einsum row of the same platform is the same row of the matrix) and the same tie rule.
The two-candidate difference is not the same arithmetic as comparing two rounded scores, so
its mask is trusted only outside a guard band: |x . (c_1 - c_0) - (q_1 - q_0)| above a
rounding-error bound (`_tolerance`, from each dimension's largest |x_ij|), where both
computations provably agree with the exact sign. Voters inside the band (exact ties such as a
voter at the midpoint of two platforms; in practice none) are decided by the two scores
computed exactly as `voting.scores` does. Supporters' centroids use `np.bincount` over the
voters in index order, as `voting.support` always has, so they are the same sums. (The
kernel reads the ideal points column-major, as an Electorate stores them; a row-major array is
copied, and in d >= 3 einsum sums a row-major array's scores in another order, so there a
near tie could go the other way than `voting.scores` on the row-major array. In d <= 2 every
order is the same sum.)

Buffers (masks, the score matrix; a block of the dot product) are allocated once per kernel
and filled in place: a 10M-voter electorate pays its page faults once, not per move.
"""

from __future__ import annotations

import numpy as np

_EPS = float(np.finfo(float).eps)  # 2^-52: twice the unit roundoff, a built-in margin
DIRECT = 4096  # below this many voters every pass recomputes the scores outright (fewer calls)
BLOCK = 1 << 14  # voters per block of the two-candidate pass (its temporaries stay in cache)


def first_argmax(u: np.ndarray, choice: np.ndarray, best: np.ndarray) -> None:
    """Each column's first maximal row of (K, n) scores `u` into `choice` (intp) and its
    value into `best`: `voting.nearest`'s scan (ties to the lower index; a NaN score never
    wins and a NaN best keeps its index)."""
    choice.fill(0)
    np.copyto(best, u[0])
    for k in range(1, u.shape[0]):
        np.copyto(choice, k, where=u[k] > best)
        np.maximum(best, u[k], out=best)


class Support:
    """The kernel's answer for one set of platforms: vote shares now, supporters' centroids
    on first use (only the Aggregator reads them). Valid until the kernel moves on to other
    platforms; reading the centroids after that is an error."""

    def __init__(self, kernel: SupportKernel, shares: np.ndarray, platforms: np.ndarray):
        self.shares = shares  # (K,) share of voters supporting each platform
        self.platforms = platforms  # (K, d) the platforms these shares are for
        self._kernel, self._version = kernel, kernel.version
        self._centroids: np.ndarray | None = None

    @property
    def centroids(self) -> np.ndarray:
        """(K, d) centroid of each platform's supporters (a platform without supporters keeps
        itself)."""
        if self._centroids is None:
            if self._kernel.version != self._version:
                raise RuntimeError("stale support: the kernel has moved on to other platforms")
            self._centroids = self._kernel.centroids(self.platforms)
        return self._centroids


class SupportKernel:
    """Proximity-voting support over one electorate's fixed ideal points (N, d), cached
    across calls: `support(platforms)` recomputes only what changed since the last call."""

    def __init__(self, ideals: np.ndarray, direct: int = DIRECT) -> None:
        # below `direct` voters recompute outright; never below 2 (see `_recheck`)
        self.direct = max(int(direct), 2)
        self.source = ideals  # the array the caller passed (identity: see `bound_to`)
        self.ideals = np.asfortranarray(ideals, dtype=float)  # no copy for an Electorate
        self.xt = self.ideals.T  # (d, N), C-contiguous: each dimension is one run of memory
        n, d = self.ideals.shape
        self.n, self.d = n, d
        with np.errstate(invalid="ignore"):
            self.bound = np.abs(self.ideals).max(axis=0) if n else np.zeros(d)  # max_i |x_ij|
        self.finite_ideals = bool(np.isfinite(self.bound).all())  # else: no incremental state
        self.mask = np.empty(n, dtype=bool)  # K = 2: supports platform 1; K > 2: scratch
        self.dot = np.empty(min(n, BLOCK))  # K = 2: a block of x . (c_1 - c_0)
        self.band = np.empty(min(n, BLOCK), dtype=bool)  # K = 2: a block's guard band
        self.scratch: np.ndarray | None = None  # K > 2: (N,) bool scratch
        self.version = 0  # bumped whenever the choices change
        self.platforms: np.ndarray | None = None  # the platforms the state is for
        self.incremental = False  # whether the next update may start from this state
        self.counts = np.zeros(0, dtype=np.intp)  # supporters per platform
        self.scores: np.ndarray | None = None  # K > 2: (K, N) scores
        self.choice: np.ndarray | None = None  # K > 2: (N,) each voter's platform
        self.best: np.ndarray | None = None  # K > 2: (N,) its score
        self.coef = self.offset = np.zeros(0)  # c_k = (2/d) p_k and q_k = ||p_k||^2 / d

    def bound_to(self, ideals: np.ndarray) -> bool:
        """Whether this kernel serves these ideal points (the same array it was built on)."""
        return ideals is self.source or ideals is self.ideals

    # -- the public passes ----------------------------------------------------------------

    def support(self, platforms: np.ndarray) -> Support:
        """Vote shares (and centroids on demand) of `platforms` (K, d)."""
        platforms = np.array(platforms, dtype=float)  # a private copy: the state refers to it
        self.update(platforms)
        return Support(self, self.counts / self.n, platforms)

    def choices(self, platforms: np.ndarray) -> np.ndarray:
        """Each voter's platform (intp), as `voting.nearest` without a bonus."""
        self.update(np.array(platforms, dtype=float))
        k = self.platforms.shape[0]
        if k > 2:
            return self.choice.copy()
        if k == 2:
            return self.mask.astype(np.intp)
        return np.zeros(self.n, dtype=np.intp)

    def centroids(self, platforms: np.ndarray) -> np.ndarray:
        """Supporters' centroids for the current state, the sums in voter order (bincount)."""
        k = platforms.shape[0]
        if k > 2:
            labels = self.choice
        else:  # bool labels count as 0/1; K = 1 leaves the mask all False
            labels = self.mask
        counts = self.counts.astype(float)
        sums = np.stack(
            [np.bincount(labels, weights=self.ideals[:, j], minlength=k) for j in range(self.d)],
            axis=1,
        )
        return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], platforms)

    # -- state ------------------------------------------------------------------------------

    def update(self, platforms: np.ndarray) -> None:
        """Bring the choices up to date with `platforms` (K, d)."""
        old, k = self.platforms, platforms.shape[0]
        same_shape = old is not None and old.shape == platforms.shape and self.incremental
        if same_shape and old.tobytes() == platforms.tobytes():
            return  # nothing moved (bit for bit)
        self.version += 1
        self.platforms = platforms
        self._coefficients(platforms)
        # q_k = ||p_k||^2 / d is finite iff p_k is (and then so is c_k); overflow errs safe
        finite = self.finite_ideals and bool(np.isfinite(self.offset).all())
        if k == 1:
            self.mask.fill(False)
            self.counts = np.array([self.n], dtype=np.intp)
        elif k == 2:
            self._pair(finite)
        elif not (same_shape and finite and self.n >= self.direct):
            self._full()
        else:
            moved = np.flatnonzero((old != platforms).any(axis=1))
            if 3 * moved.size > k:
                self._full()
            else:
                for j in moved:
                    self._move(int(j))
        self.incremental = finite  # NaN scores break the incremental invariants: start afresh

    def _coefficients(self, platforms: np.ndarray) -> None:
        """c_k and q_k exactly as `voting.scores` computes them."""
        self.coef = 2.0 / self.d * platforms
        self.offset = np.einsum("kj,kj->k", platforms, platforms) / self.d

    # -- K = 2 ------------------------------------------------------------------------------

    def _pair(self, finite: bool) -> None:
        c, q, mask = self.coef, self.offset, self.mask
        if (c[0] == c[1]).all() and q[0] == q[1]:  # one platform twice: every voter ties, to 0
            mask.fill(False)
        elif not finite or self.n < self.direct:
            u = np.einsum("kj,jn->kn", c, self.xt)
            u -= q[:, None]
            np.greater(u[1], u[0], out=mask)
        else:
            delta, r = c[1] - c[0], q[1] - q[0]
            tol = self._tolerance(delta, r)
            if not np.isfinite(tol):
                self._recheck(np.arange(self.n))
            else:
                for start in range(0, self.n, BLOCK):  # a block's dot product stays in cache
                    self._pair_block(slice(start, min(start + BLOCK, self.n)), delta, r, tol)
        ones = int(np.count_nonzero(mask))
        self.counts = np.array([self.n - ones, ones], dtype=np.intp)

    def _pair_block(self, rows: slice, delta: np.ndarray, r: float, tol: float) -> None:
        """The two-candidate mask of voters `rows`: x . delta > r, trusted outside r +- tol."""
        m = rows.stop - rows.start
        s = np.einsum("j,jn->n", delta, self.xt[:, rows], out=self.dot[:m])
        sure = np.greater(s, r + tol, out=self.mask[rows])  # surely prefer 1
        maybe = np.greater(s, r - tol, out=self.band[:m])  # 1 unless surely 0
        if np.count_nonzero(maybe) != np.count_nonzero(sure):
            np.greater(maybe, sure, out=maybe)  # inside the band
            self._recheck(rows.start + np.flatnonzero(maybe))

    def _tolerance(self, delta: np.ndarray, r: float) -> float:
        """A bound on |computed - exact| of both the difference s - r and the difference of
        the two rounded scores u_1 - u_0: each is a d-term dot product, a subtraction and
        (for s - r) the roundings of c_1 - c_0 and q_1 - q_0, so each errs by at most
        (d + 1) u (|c| . max|x| + |q|) with unit roundoff u = 2^-53. The bound below is at
        least 8 times their sum, at the largest |x_ij| of each dimension. Outside r +- tol
        both computations have the exact sign, so they agree."""
        c, q, m = self.coef, self.offset, self.bound
        scale = (np.abs(c[0]) @ m + np.abs(c[1]) @ m + np.abs(delta) @ m) + (
            abs(q[0]) + abs(q[1]) + abs(r)
        )
        return float(4.0 * (self.d + 2) * _EPS * scale)

    def _recheck(self, idx: np.ndarray) -> None:
        """Voters `idx` (at least 2 voters in the electorate, so `voting.scores`' einsum
        sums each score left to right over dimensions) decided by the two rounded scores,
        computed as `voting.scores` does."""
        if idx.size == 0:
            return
        u = [self._scores_at(k, idx) for k in (0, 1)]
        self.mask[idx] = u[1] > u[0]

    def _scores_at(self, k: int, idx: np.ndarray) -> np.ndarray:
        """Score row k at voters idx: ((c_k0 x_0 + c_k1 x_1) + ...) - q_k, the order and
        rounding of `voting.scores`' einsum on column-major ideals with N >= 2 (every
        product rounded, then added; no fused multiply-add)."""
        c = self.coef[k]
        acc = c[0] * self.xt[0, idx]
        for j in range(1, self.d):
            acc += c[j] * self.xt[j, idx]
        acc -= self.offset[k]
        return acc

    # -- K > 2 ------------------------------------------------------------------------------

    def _full(self) -> None:
        """Every score and choice afresh, into the kernel's buffers (`voting.nearest`)."""
        k = self.platforms.shape[0]
        if self.scores is None or self.scores.shape[0] != k:
            self.scores = np.empty((k, self.n))
            self.choice = np.empty(self.n, dtype=np.intp)
            self.best = np.empty(self.n)
            self.scratch = np.empty(self.n, dtype=bool)
        np.einsum("kj,jn->kn", self.coef, self.xt, out=self.scores)
        self.scores -= self.offset[:, None]
        first_argmax(self.scores, self.choice, self.best)
        self.counts = np.bincount(self.choice, minlength=k)

    def _move(self, k: int) -> None:
        """Platform k moved: recompute its row. A former supporter whose new score is no
        worse than its old best stays (every other row was below that best, or tied it from a
        higher index); the others rescan every row. Every other voter switches to k iff the
        new score beats its best (or ties it from a higher index). The result is the first
        argmax of the updated matrix, as `_full` finds it."""
        row, choice, best, counts = self.scores[k], self.choice, self.best, self.counts
        np.einsum("j,jn->n", self.coef[k], self.xt, out=row)
        row -= self.offset[k]
        lost = np.equal(choice, k, out=self.mask)
        maybe = np.greater_equal(row, best, out=self.scratch)
        np.greater(maybe, lost, out=maybe)  # maybe and not lost
        lost_idx, gain_idx = np.flatnonzero(lost), np.flatnonzero(maybe)
        if gain_idx.size:
            new, old, was = row[gain_idx], best[gain_idx], choice[gain_idx]
            win = (new > old) | ((new == old) & (was > k))
            gain_idx, new, was = gain_idx[win], new[win], was[win]
            counts -= np.bincount(was, minlength=counts.size)
            counts[k] += gain_idx.size
            choice[gain_idx], best[gain_idx] = k, new
        if lost_idx.size:
            new = row[lost_idx]
            stay = new >= best[lost_idx]  # no worse than its old best: k is still first
            best[lost_idx[stay]] = new[stay]
            lost_idx = lost_idx[~stay]
        if lost_idx.size:
            sub = self.scores[:, lost_idx]
            now, now_best = np.empty(lost_idx.size, dtype=np.intp), np.empty(lost_idx.size)
            first_argmax(sub, now, now_best)
            counts[k] -= lost_idx.size
            counts += np.bincount(now, minlength=counts.size)
            choice[lost_idx], best[lost_idx] = now, now_best
