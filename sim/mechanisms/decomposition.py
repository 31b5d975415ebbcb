"""Decomposed rating: an action split into sub-claims rated separately, with harm that can hide
in the seams between them (issue 13, item 4).

Model. A rater scores an action (or a piece of one) as in signal detection (Green & Swets 1966;
`signal_detection.py`): s = mu + eps, eps ~ N(0, 1), mu the evidence of harm it reads. The
action is split into k sub-claims (`pieces`), each rated by its own rater (factored cognition:
Christiano, Shlegeris & Amodei 2018, "Supervising strong learners by amplifying weak experts",
arXiv:1810.08575; Wu et al. 2021, "Recursively Summarizing Books with Human Feedback",
arXiv:2109.10862, where labelers judge summaries of parts they can read). A harmful action's
flaw leaves evidence d' (its discriminability against the actor); a share `seam` of it lies in
the interactions between sub-claims, which no sub-claim rater sees (the obfuscated-arguments
problem: "arguments that have a fatal error, but where it is very hard to locate the error",
Barnes & Christiano 2020, "Debate update: Obfuscated arguments problem"); the rest lies in the
one sub-claim that carries the flaw (drawn uniformly). Each rating takes the time of one
holistic rating, so a rater reads 1/k of the content k times as closely; evidence accumulates
as the square root of the looks (the multiple-observations result of signal detection: d'
grows as sqrt(n), Green & Swets 1966), generalized to k^focus, focus = 1/2 by default and 0
for raters that gain nothing from the closer look. The flawed piece's mean is therefore

    mu = d' k^focus (1 - seam)     (pieces = 1: mu = d', a whole action has no seams).

Flag rule: the action is flagged when any piece's score exceeds t_k. Benign pieces' scores are
independent N(0, 1), so P(no flag | benign) = Phi(t_k)^k; setting it to 1 - r gives

    t_k = Phi^-1((1 - r)^(1/k)),

the same benign flag rate r whatever k (decomposition is compared at equal false-positive
rate). The action's suspicion is its highest piece score.

Alignment failure: a weak rater of a whole action is outmatched and has a crack; sub-claims are
small enough to judge, but harm built from individually innocent steps passes.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri


def piece_threshold(flag_rate: float, pieces: int) -> float:
    """t_k = Phi^-1((1 - r)^(1/k)): any of k benign N(0, 1) pieces passes it with prob. r."""
    if flag_rate <= 0.0:
        return float("inf")
    if flag_rate >= 1.0:
        return float("-inf")
    return float(ndtri((1.0 - flag_rate) ** (1.0 / pieces)))


def evidence(dprime, pieces: int, seam: float, focus: float) -> np.ndarray:
    """mu = d' k^focus (1 - seam) in the flawed piece (no seams when pieces = 1)."""
    hidden = seam if pieces > 1 else 0.0
    return np.asarray(dprime, float) * float(pieces) ** focus * (1.0 - hidden)


def piece_scores(rng: np.random.Generator, mu, harmful, pieces: int) -> np.ndarray:
    """(n, k) piece scores: N(0, 1) noise, plus mu in one uniformly drawn piece of each
    harmful action."""
    harmful = np.asarray(harmful, bool)
    n = harmful.shape[0]
    scores = rng.standard_normal((n, pieces))
    flawed = rng.integers(pieces, size=n)
    signal = np.broadcast_to(np.asarray(mu, float), (n,)) * harmful
    scores[np.arange(n), flawed] += signal
    return scores


def suspicion(rng: np.random.Generator, dprime, harmful, pieces: int, seam: float,
              focus: float) -> np.ndarray:  # fmt: skip
    """Each action's highest piece score (flag it above `piece_threshold`)."""
    mu = evidence(dprime, pieces, seam, focus)
    return piece_scores(rng, mu, harmful, pieces).max(axis=1)
