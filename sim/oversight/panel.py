"""A panel of monitors voting by majority (Condorcet 1785, the jury theorem; Ladha 1992 and
Boland 1989 on correlated votes).

Alignment failure it answers: *unreliable single overseers*. Independent monitors that are each
better than chance are more reliable together (majority accuracy -> 1 as the panel grows); if
each is worse than chance, adding monitors makes things worse; and correlated monitors (same
training, same blind spots) add little: at full correlation a panel is one monitor.

Each of `size` monitors judges a case correctly with probability p (`accuracy`). With
`correlation` rho, each monitor copies the panel's common judgement (drawn once per case,
correct with probability p) with probability rho and judges independently otherwise. The case
is flagged when more than half the monitors judge it harmful; with independent monitors the
panel is right with probability P(Binomial(n, p) > n/2) (anchor C1). Cost: `cost` per monitor
per case.

Rater pools (issue 13, item 4). Skill is heterogeneous with `accuracy_spread` sigma: seat i of
the n - n_v ordinary seats judges correctly with probability clip(p + sigma Phi^-1((i + 1/2) /
(n - n_v)), 0, 1), the quantiles of a normal spread of skill around p (majority voting with
heterogeneous competence: Grofman, Owen & Feld 1983, "Thirteen theorems in search of the
truth"; a panel still improves with size while the mean competence exceeds 1/2). A share
`vetted` of the seats (n_v = round(vetted n)) are vetted raters, right with probability
`vetted_accuracy`, who cost `vetted_cost` times an ordinary seat (vetted labelers: Stiennon
et al. 2020, "Learning to summarize from human feedback", screened and kept labelers by their
agreement with the researchers' judgements). With heterogeneous seats the panel's common
judgement (the shared error pattern that `correlation` copies) is right with the seats' mean
accuracy. The defaults (sigma = 0, no vetted seats) are the homogeneous panel above, bit for
bit.

A shared crack (`blind_spot` b > 0): the panel's raters come from one training and share one
blind spot (sim/mechanisms/checker_view.py; the seed's "regular, compactly describable"
rater errors, Christiano, Shlegeris & Amodei 2018). On a case with appearance features a a
rater of accuracy p (m = Phi^-1(p)) judges it harmful iff

    2 m h (w . v) - m s + a . w_a + e > 0,   e ~ N(0, 1),   s = sqrt(1 + |w_a|^2),

which at b = 0 is right with probability p on every case; with a crack it still judges honest
work harmful with probability 1 - p (a . w_a + e has sd s), but harm weighs w . v = 1 - b c^2
and the appearance term a . w_a is common to every seat: an error no majority averages away,
and one a searching attacker aims at (the panel publishes one rater's view, threshold m s and
d' 2 m). Cases without features are judged as above.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sim.mechanisms import checker_view as cv
from sim.oversight.base import Docket, Layer, blind_spot_field
from sim.params.core import Param


def votes_harmful(rng: np.random.Generator, harmful: np.ndarray, size: int, accuracy,
                  correlation: float, crack=None) -> np.ndarray:  # fmt: skip
    """Number of monitors judging each case harmful (`accuracy`: one p for all seats, or one
    per seat, in which case the common judgement is right with their mean; `crack`: (rows,
    w . v, a . w_a of those rows, s), the featured cases judged through the shared crack)."""
    n = harmful.shape[0]
    draw = rng.random((n, size))
    own = draw < accuracy
    first = rng.random(n)
    common = first < np.mean(accuracy)
    if crack is not None:
        rows, weight, look, spread = crack
        h = harmful[rows]
        own[rows] = cracked_right(draw[rows], accuracy, h[:, None], weight, look[:, None], spread)
        common[rows] = cracked_right(first[rows], np.mean(accuracy), h, weight, look, spread)
    copies = rng.random((n, size)) < correlation
    right = np.where(copies, common[:, None], own)
    return np.where(harmful[:, None], right, ~right).sum(axis=1)


def cracked_right(u, accuracy, harmful, weight: float, look, spread: float) -> np.ndarray:
    """Whether raters judge right through the shared crack: harmful iff 2 m h (w . v) - m s +
    a . w_a + e > 0, with e = -Phi^-1(u) from the uniform draws u."""
    m = ndtri(np.clip(accuracy, 1e-12, 1.0 - 1e-12))
    z = 2.0 * m * harmful * weight - m * spread + look - ndtri(u)
    return (z > 0) == harmful


def seat_accuracy(size: int, accuracy: float, spread: float, vetted: float, expert: float):
    """Each seat's accuracy: normal quantiles of skill around p for the ordinary seats, then
    the vetted seats; the scalar p when every seat is the same."""
    n_vetted = vetted_seats(size, vetted)
    if spread == 0 and n_vetted == 0:
        return accuracy
    ordinary = size - n_vetted
    quantiles = ndtri((np.arange(ordinary) + 0.5) / ordinary) if ordinary else np.zeros(0)
    own = np.clip(accuracy + spread * quantiles, 0.0, 1.0)
    return np.concatenate([own, np.full(n_vetted, expert)])


def vetted_seats(size: int, vetted: float) -> int:
    """n_v = round(vetted n), the panel's vetted seats."""
    return round(vetted * size)


def majority(votes: np.ndarray, size: int) -> np.ndarray:
    """Strict majority (a tie in an even panel does not flag)."""
    return 2 * votes > size


class Panel(Layer):
    name = "panel"
    role = "n monitors, independent or correlated, flag a case by majority vote"
    observes = "the cases it reviews, each monitor right with probability p"
    stochastic = True
    references = ("Condorcet 1785", "Ladha 1992", "Boland 1989", "Grofman, Owen & Feld 1983",
                  "Stiennon et al. 2020", "Christiano, Shlegeris & Amodei 2018")  # fmt: skip
    scope = "flagged"
    cost = 0.05
    fields = (
        Param("size", "int", 5, "n: monitors on the panel.", unit="monitors", low=1, high=1001),
        Param(
            "accuracy",
            "float",
            0.6,
            "p: probability each monitor judges a case correctly.",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
        Param(
            "correlation",
            "float",
            0.0,
            "rho: probability a monitor copies the panel's common judgement.",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
        Param(
            "accuracy_spread",
            "float",
            0.0,
            "sigma: spread of the ordinary monitors' accuracy "
            "around p (normal quantiles, clipped to [0, 1]).",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
        Param(
            "vetted",
            "float",
            0.0,
            "Share of the seats held by vetted raters.",
            unit="share",
            low=0.0,
            high=1.0,
        ),
        Param(
            "vetted_accuracy",
            "float",
            0.9,
            "Probability a vetted rater judges a case correctly.",
            unit="probability",
            low=0.0,
            high=1.0,
        ),
        blind_spot_field(
            "size of the crack the raters share (one training), along which they "
            "under-weight harm on cases with appearance features."
        ),
        Param(
            "vetted_cost",
            "float",
            3.0,
            "Cost of a vetted rater's vote, in ordinary votes.",
            unit="votes",
            low=0.0,
            high=1000.0,
        ),
    )

    def seats(self) -> float:
        """Cost of one case in ordinary votes: n - n_v + n_v * vetted_cost."""
        s = self.f
        n_vetted = vetted_seats(s.size, s.vetted)
        return s.size - n_vetted + n_vetted * s.vetted_cost

    def mean_accuracy(self) -> float:
        s = self.f
        return float(np.mean(seat_accuracy(s.size, s.accuracy, s.accuracy_spread, s.vetted,
                                           s.vetted_accuracy)))  # fmt: skip

    def view(self) -> cv.View | None:
        """One rater's view through the shared crack: threshold m s, d' 2 m (m = Phi^-1 of
        the seats' mean accuracy), d' independent of the actor's capability."""
        if self.crack is None:
            return None
        m = float(ndtri(np.clip(self.mean_accuracy(), 1e-12, 1.0 - 1e-12)))
        return cv.make_view(self.crack, self.f.blind_spot, m, 2.0 * m, 0.0, 0.0, 0.0, self.watches)

    def shared_crack(self, docket: Docket, idx: np.ndarray):
        """votes_harmful's `crack` for the featured cases among idx (None: no crack)."""
        view = self.view() if self.f.blind_spot > 0 else None
        if view is None or not docket.featured[idx].any():
            return None
        rows = docket.featured[idx]
        look = docket.appearance[idx][rows] @ view.appearance
        spread = float(np.sqrt(1.0 + view.appearance @ view.appearance))
        return rows, view.harm_weight, look, spread

    def examine(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator):
        s = self.f
        idx = np.flatnonzero(cand)
        votes = np.zeros(len(docket))
        accuracy = seat_accuracy(s.size, s.accuracy, s.accuracy_spread, s.vetted, s.vetted_accuracy)
        crack = self.shared_crack(docket, idx)
        extra = {} if crack is None else {"crack": crack}
        votes[idx] = votes_harmful(rng, docket.harmful[idx], s.size, accuracy, s.correlation,
                                   **extra)  # fmt: skip
        flag = cand & majority(votes, s.size)
        return flag, votes / s.size, float(idx.size * self.seats())
