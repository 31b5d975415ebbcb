"""Strategic collusion of an untrusted monitor through a coordination signal, and the blue
team's counters: honeypots (upfront validation), paraphrasing (redaction) and, in
sim/mechanisms/control.py, trusted editing (Greenblatt, Shlegeris, Sachan & Roger 2023, "AI
Control", ICML 2024, sec. 3.4-3.5 and Table 1).

Alignment failure: *collusion*. A monitor that is a copy of the model it watches can wave its
own attacks through; the lab cannot stop it by asking, only by making collusion costly.

Model (a signal-detection game, Green & Swets 1966, played against a best-responding red team):
- The attacking policy embeds a coordination signal of strength `signal` (sd units) in each
  attack ("replace for loops with while loops", the paper's best collusion strategy). The
  monitor perceives signal * (1 - paraphrase) + N(0, 1) on each action it scores (a trusted
  paraphraser, the paper's redaction, removes a share `paraphrase` of the signal) and colludes
  (reports the lowest suspicion) iff the perception exceeds its threshold kappa.
- Honeypots: before deployment the lab submits H synthetic attacks (made by trusted labour, so
  without the signal, which blue cannot forge) and counts those the monitor flags (scores above
  the audit threshold). An honest monitor flags each with probability q = Phi(d' - t_audit); the
  lab shuts the deployment down (the paper's response: "if the false negative rate is too high,
  shut down", i.e. use only the trusted model) when the count is at most the largest c with
  P(Binomial(H, q) <= c) <= FALSE_ALARM: more misses than honest error explains.
- The red team chooses kappa (`best_kappa`; control.best_kappa plays it against a protocol) to
  maximize its exact win probability P(pass validation) * P(a successful attack before one is
  caught), evaluated task by task by control.red_win over a grid: with no honeypots it
  colludes on everything (kappa -> -inf, safety 0 when the monitor is the only check); with
  honeypots a low kappa also colludes on honeypots (probability Phi(-kappa)) and fails
  validation, so it must raise kappa and miss some of its own signals (probability
  Phi(kappa - signal (1 - paraphrase))), which bounds collusion.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import ndtr

FALSE_ALARM = 0.05  # the lab's accepted chance of shutting down an honest monitor
KAPPAS = np.linspace(-6.0, 10.0, 321)  # the red team's grid of collusion thresholds


def perceived(signal: float, paraphrase: float) -> float:
    """Mean perceived signal after paraphrasing."""
    return signal * (1.0 - paraphrase)


def colludes(rng, signalled, signal: float, paraphrase: float, kappa: float) -> np.ndarray:
    """Whether the monitor colludes on each action: its perception, signal * (1 - paraphrase)
    on signalled actions plus N(0, 1) noise, exceeds kappa."""
    signalled = np.asarray(signalled, dtype=bool)
    noise = rng.standard_normal(signalled.shape)
    return np.where(signalled, perceived(signal, paraphrase), 0.0) + noise > kappa


def collusion_rate(signal: float, paraphrase: float, kappa) -> np.ndarray:
    """Exact P(collude) on a signalled attack."""
    return ndtr(perceived(signal, paraphrase) - np.asarray(kappa, dtype=float))


def critical_count(honeypots: int, recall: float) -> int:
    """Most flagged honeypots at which the lab shuts down (-1: the test can never fire)."""
    if honeypots <= 0:
        return -1
    from scipy.stats import binom  # ~0.5 s to import: only validation needs it

    counts = np.arange(honeypots + 1)
    ok = binom.cdf(counts, honeypots, recall) <= FALSE_ALARM
    return int(counts[ok].max()) if ok.any() else -1


def pass_probability(honeypots: int, recall: float, on_honeypot) -> np.ndarray:
    """Exact P(the monitor passes validation) when it colludes on a honeypot with probability
    `on_honeypot` (and otherwise flags it with the honest recall)."""
    from scipy.stats import binom

    flag = recall * (1.0 - np.asarray(on_honeypot, dtype=float))
    return binom.sf(critical_count(honeypots, recall), honeypots, flag)


def validate(rng, honeypots: int, recall: float, collude, n: int = 1) -> np.ndarray:
    """Simulate validation of n monitors: H honeypots each; `collude(rng, shape)` draws the
    monitor's collusion on them; a non-colluding verdict flags with the honest recall. Returns
    which monitors are caught."""
    shape = (n, honeypots)
    flagged = ~collude(rng, shape) & (rng.random(shape) < recall)
    return flagged.sum(axis=1) <= critical_count(honeypots, recall)


def best_kappa(red_payoff: Callable[[float], float]) -> float:
    """The red team's collusion threshold: the kappa on the grid KAPPAS that maximizes its
    payoff (control.best_kappa passes its exact win probability); ties go to the lowest."""
    wins = [red_payoff(float(k)) for k in KAPPAS]
    return float(KAPPAS[int(np.argmax(wins))])
