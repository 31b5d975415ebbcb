"""The electorate as numpy arrays: one row per voter, never one Python object per voter.

Each voter has an ideal point x_i, an information level q_i in [0, 1], a perceived
performance pi_i of the incumbent, an aspiration c_i and an approval a_i in [0, 1]. True
delivered utility is

    u_i = -||x_i - p||^2 / d + G(v) - H

(quadratic spatial loss from the implemented policy p, the welfare from the incumbent's effort
split G(v), and harms H done by the institutions below the incumbent). Voters do not see u_i;
they see a mix of it and the incumbent's visible signals S(v):

    s_i = q_i u_i + (1 - q_i) S(v) + eps_i,   eps_i ~ N(0, sigma^2)
    pi_i <- (1 - m) pi_i + m s_i,             a_i = logistic(kappa (pi_i - c_i))

This is the proxy of the Goodhart story: approval tracks welfare only as far as voters are
informed (Downs 1957 on rational ignorance; Gao, Schulman & Hilton 2022 on proxy rewards).
`Perception.update` is the one implementation of these equations: public opinion
(sim/components/opinion.py) applies it to every voter, polls (sim/mechanisms/polling.py) to
proposals x sampled voters, and the Goodhart benchmark to the same voters fully informed.

The aspiration c_i is relative, not absolute: what voter i perceives from a typical
government (the welfare-optimal policy with the politicians' initial effort split), plus
`electorate.aspiration`. A voter approves of a government that does better than one can
expect, as in the retrospective-voting models where the voter's cutoff is the value of
replacing the incumbent (Ferejohn 1986; Fearon 1999).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BLOCK = 1 << 14  # voters per block of `Electorate.observe` (16 arrays of 128 kB fit in cache)


@dataclass
class Electorate:
    """Voters as arrays. `ideals` is stored column-major (Fortran order): the loops over
    candidates and dimensions then read contiguous memory (see sim/mechanisms/voting.py).

    The `informed_*` arrays are the same voters had they full information (q = 1): the
    benchmark against which the Goodhart gap measures approval (sim/components/opinion.py).
    """

    ideals: np.ndarray  # (N, d) ideal points
    information: np.ndarray  # (N,) q_i in [0, 1]
    perceived: np.ndarray  # (N,) perceived performance of the incumbent
    approval: np.ndarray  # (N,) approval of the incumbent in [0, 1]
    aspiration: np.ndarray | float = 0.0  # (N,) c_i: perceived performance approved at 0.5
    informed_aspiration: np.ndarray = field(init=False, repr=False)  # (N,) c_i at q = 1
    informed_perceived: np.ndarray = field(init=False, repr=False)  # (N,) pi_i at q = 1
    informed_approval: np.ndarray = field(init=False, repr=False)  # (N,) a_i at q = 1
    sq_norms: np.ndarray = field(init=False, repr=False)  # (N,) ||x_i||^2, ideals are fixed

    def __post_init__(self) -> None:
        self.ideals = np.asfortranarray(self.ideals, dtype=float)
        self.sq_norms = np.einsum("ij,ij->i", self.ideals, self.ideals)
        self.perceived = np.asarray(self.perceived, dtype=float)  # updated in place each step
        self.approval = np.asarray(self.approval, dtype=float)
        self.aspiration = np.full(self.n, 0.0) + self.aspiration
        self.informed_aspiration = self.aspiration.copy()
        self.informed_perceived = np.array(self.perceived, dtype=float)
        self.informed_approval = np.array(self.approval, dtype=float)

    @property
    def n(self) -> int:
        return self.ideals.shape[0]

    def centroid(self) -> np.ndarray:
        """Welfare-optimal policy under quadratic loss: the mean ideal point."""
        return self.ideals.mean(axis=0)

    def utility(
        self, policy: np.ndarray, out: np.ndarray | None = None, rows: slice = slice(None)
    ) -> np.ndarray:
        """`policy_utility(ideals, policy)` from cached norms: -(||x||^2 - 2 x.p + ||p||^2) / d
        (of the voters in `rows`; into `out` when given: the same numbers, no fresh array)."""
        x = self.ideals.T[:, rows]
        lin = np.einsum("jn,j->n", x, 2.0 * np.asarray(policy, dtype=float), out=out)
        lin -= self.sq_norms[rows]
        lin -= float(np.dot(policy, policy))
        if out is None:
            return lin / self.ideals.shape[1]
        lin /= self.ideals.shape[1]
        return lin

    def observe(
        self,
        perception: Perception,
        policy: np.ndarray,
        bonus: float,
        information,
        visible: float,
        rng: np.random.Generator,
        utility: np.ndarray,
        first: bool = False,
    ) -> np.ndarray:
        """Every voter, and its fully informed twin, observes one step of government: the
        utility u = `utility(policy)` + `bonus` (written into `utility`, an (N,) array), the
        perceived signal through `information` (q_i, (N,) or a scalar) with one shared draw of
        perception noise, and the updated perceived performance and approval, in place.

        Voters are processed in blocks of `BLOCK`: a block's temporaries stay in cache
        between the ~28 operations a voter needs, and the noise is drawn block by block from
        the same stream in the same order. Every number is the one the whole-array form gives
        (each operation is elementwise, and `Perception.update` keeps the allocating form's
        order of operations)."""
        n = self.n
        size = min(BLOCK, n)
        work = np.empty(size)
        noise_buf = np.empty(size) if perception.noise_sd > 0 else None
        per_voter = np.ndim(information) > 0
        for start in range(0, n, BLOCK):
            rows = slice(start, min(start + BLOCK, n))
            m = rows.stop - start
            u = self.utility(policy, out=utility[rows], rows=rows)
            u += bonus
            noise = perception.noise(m, rng, out=None if noise_buf is None else noise_buf[:m])
            q = information[rows] if per_voter else information
            perceived = self.perceived[rows]
            perception.update(
                u, q, visible, perceived, self.aspiration[rows], noise, first,
                out=(perceived, self.approval[rows]), work=work[:m],
            )  # fmt: skip
            informed = self.informed_perceived[rows]
            perception.update(
                u, 1.0, visible, informed, self.informed_aspiration[rows], noise, first,
                out=(informed, self.informed_approval[rows]), work=work[:m],
            )  # fmt: skip
        return utility

    def mean_utility(self, platforms: np.ndarray) -> np.ndarray:
        """Mean over voters of -||x_i - p||^2 / d for each of K platforms, (K, d) -> (K,):
        exactly the mean of `policy_utility`, in O(K d) from the ideal points' moments."""
        second = float(self.sq_norms.mean())
        p = np.atleast_2d(platforms)
        return (
            -(second - 2.0 * p @ self.centroid() + np.einsum("ij,ij->i", p, p))
            / self.ideals.shape[1]
        )

    def set_expectations(
        self, policy: np.ndarray, welfare: float, visible: float, offset: float
    ) -> None:
        """Aspirations from what each voter can expect of a typical government that enacts
        `policy` with effort welfare G = `welfare` and visible signal S = `visible`: the
        noiseless perceived signal of that government, q_i u_i + (1 - q_i) S, plus `offset`
        (and u_i + offset for the fully informed benchmark). Computed once, at set-up."""
        expected = self.utility(policy) + welfare
        self.informed_aspiration = expected + offset
        self.aspiration = signal(expected, self.information, visible, 0.0) + offset

    def new_government(self) -> None:
        """A new incumbent starts without a record: perceived performance = aspiration."""
        self.perceived[:] = self.aspiration
        self.informed_perceived[:] = self.informed_aspiration


@dataclass(frozen=True)
class Perception:
    """How voters turn delivered utility into approval: perception noise sigma, memory m and
    approval sensitivity kappa of the equations in the module docstring."""

    noise_sd: float
    memory: float
    sensitivity: float

    @classmethod
    def from_section(cls, electorate) -> Perception:
        """From the typed `electorate` parameter section (`Config.section("electorate")`)."""
        return cls(electorate.perception_noise, electorate.memory, electorate.approval_sensitivity)

    def noise(
        self, shape: int | tuple[int, ...], rng: np.random.Generator, out: np.ndarray | None = None
    ):
        """Perception noise eps for an array of this shape (0.0 when sigma = 0: no draws).
        With `out` (a float buffer of that shape) the draws are written in place: the same
        numbers from the same stream, without a fresh array."""
        if self.noise_sd <= 0:
            return 0.0
        if out is None:
            return self.noise_sd * rng.standard_normal(shape)
        rng.standard_normal(out=out)
        out *= self.noise_sd
        return out

    def update(
        self,
        utility: np.ndarray,
        information,
        visible,
        prior,
        aspiration,
        noise,
        first: bool = False,
        out: tuple[np.ndarray, np.ndarray] | None = None,
        work: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """One observation: (perceived pi', approval a') from delivered utility u, information
        q, visible signal S, prior perceived performance pi, aspiration c and pre-drawn noise
        eps. Arguments broadcast: (N,) for every voter, or (n, 1) proposals against (1, m)
        sampled voters in a poll. `first`: no record yet, pi' = s.

        In place (the whole electorate each step): `out` = (perceived, approval) arrays of
        the voters' shape to write into, the first of which may be `prior` itself, and `work`
        a scratch array of that shape; the same operations in the same order as the
        allocating form, so the same numbers, and no fresh temporaries."""
        if out is None:
            s = signal(utility, information, visible, noise)
            perceived = s if first else smooth(prior, s, self.memory)
            return perceived, approval(perceived, self.sensitivity, aspiration)
        perceived, appr = out
        s = signal_into(work, utility, information, visible, noise)
        if first:
            np.copyto(perceived, s)
        else:  # pi + m (s - pi), evaluated as the allocating form does
            s -= prior
            s *= self.memory
            np.add(prior, s, out=perceived)
        approval_into(appr, perceived, self.sensitivity, aspiration)
        return perceived, appr


def sample_ideals(
    n: int, d: int, distribution: str, polarization: float, rng: np.random.Generator
) -> np.ndarray:
    """Ideal points with unit variance per dimension; polarization p splits axis 0 into two
    groups at +-p with within-group spread sqrt(1 - p^2) (bimodal above p = 1/sqrt 2)."""
    if distribution == "uniform":
        base = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), size=(n, d))
    else:
        base = rng.standard_normal((n, d))
    if polarization > 0:
        side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        base *= np.sqrt(1.0 - polarization**2)
        base[:, 0] += polarization * side
    return base


def sample_information(
    n: int, mean: float, concentration: float, rng: np.random.Generator
) -> np.ndarray:
    """q_i ~ Beta(mean k, (1 - mean) k); degenerate at the ends of [0, 1]. The cross-voter sd
    is sqrt(mean (1 - mean) / (k + 1)) (calibrated to Delli Carpini & Keeter 1996, anchor E3b)."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, float(mean))
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n)


def sample(
    n: int,
    d: int,
    distribution: str,
    polarization: float,
    info_mean: float,
    info_concentration: float,
    aspiration: float,
    rng: np.random.Generator,
) -> Electorate:
    """Voters without a record; `aspiration` is the offset c_i starts from (absolute until
    `Electorate.set_expectations` makes it relative to a typical government)."""
    ideals = sample_ideals(n, d, distribution, polarization, rng)
    info = sample_information(n, info_mean, info_concentration, rng)
    perceived = np.full(n, float(aspiration))
    return Electorate(ideals, info, perceived, np.full(n, 0.5), float(aspiration))


def policy_utility(ideals: np.ndarray, policy: np.ndarray) -> np.ndarray:
    """-||x_i - p||^2 / d for every voter: quadratic spatial loss, per dimension."""
    diff = ideals - policy
    return -np.einsum("ij,ij->i", diff, diff) / ideals.shape[1]


def signal(utility, information, visible, noise):
    """s = q u + (1 - q) S + eps (broadcasting; `noise` pre-drawn, or 0)."""
    return information * (utility - visible) + visible + noise


def signal_into(out: np.ndarray, utility, information, visible, noise) -> np.ndarray:
    """`signal` written into `out`, operation by operation: (q (u - S) + S) + eps."""
    np.subtract(utility, visible, out=out)
    if not (isinstance(information, float) and information == 1.0):  # 1.0 * x is x
        out *= information
    out += visible
    out += noise
    return out


def smooth(perceived: np.ndarray, signal: np.ndarray, memory: float) -> np.ndarray:
    """pi_i <- (1 - m) pi_i + m s_i."""
    return perceived + memory * (signal - perceived)


def approval(perceived: np.ndarray, sensitivity: float, aspiration) -> np.ndarray:
    """a_i = logistic(kappa (pi_i - c_i))."""
    return 0.5 * (1.0 + np.tanh(0.5 * sensitivity * (perceived - aspiration)))


def approval_into(out: np.ndarray, perceived: np.ndarray, sensitivity: float, aspiration):
    """`approval` written into `out`, operation by operation."""
    np.subtract(perceived, aspiration, out=out)
    out *= 0.5 * sensitivity
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out
