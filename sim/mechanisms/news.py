"""News and forgetting: how detected scandals raise what voters know, for a while.

Models and sources:
- Reception (Zaller 1992, "The Nature and Origins of Mass Opinion", Cambridge UP, ch. 3):
  a message changes only the voters who receive it; here each voter hears each covered
  story independently with probability r (the reach), so voter i hears
  k_i ~ Binomial(s, r) of the s stories of a step.
- Fire alarms as a source of news (McCubbins & Schwartz 1984, "Congressional Oversight
  Overlooked: Police Patrols versus Fire Alarms", AJPS 28(1)): complaints and detections are
  the events that make abuse public.
- Media and government responsiveness (Besley & Burgess 2002, "The Political Economy of
  Government Responsiveness: Theory and Evidence from India", QJE 117(4); Stromberg 2004,
  "Radio's Impact on Public Spending", QJE 119(1)): coverage raises the share of informed
  voters, and informed voters are the ones politicians respond to.
- Exponential forgetting (Ebbinghaus 1885; the geometric decay of memory used in
  retrospective-voting models, e.g. Healy & Lenz 2014, "Substituting the End for the Whole",
  AJPS 58(1)): information above a voter's baseline decays by a share d each step.

Per voter and step (decay first, then the stories of the step):

    q <- base + (q - base)(1 - d)            (forgetting toward the baseline)
    q <- 1 - (1 - q)(1 - b)^k,  k ~ Binomial(s, r)   (each heard story adds b of what is unknown)

With a constant s stories a step, g = E[(1 - b)^k] = (1 - r b)^s and the gap m = E[1 - q]
relaxes geometrically, m' = g (1 - d) m + g d (1 - base), to the stationary mean

    E[q*] = 1 - g d (1 - base) / (1 - g (1 - d))

(tests/test_media.py reproduces it by running `step`).
"""

from __future__ import annotations

import numpy as np


def covered(events: int, coverage: float, rng: np.random.Generator) -> int:
    """Stories this step: each of `events` newsworthy events is covered with prob. `coverage`."""
    if events <= 0 or coverage <= 0.0:
        return 0
    return int(rng.binomial(events, coverage))


def heard(n: int, stories: int, reach: float, rng: np.random.Generator) -> np.ndarray:
    """Stories each of n voters hears, k_i ~ Binomial(stories, reach) (zeros: no draws)."""
    if stories <= 0 or reach <= 0.0:
        return np.zeros(n, dtype=np.int64)
    return rng.binomial(stories, reach, size=n)


def forget(q: np.ndarray, base: np.ndarray, decay: float) -> np.ndarray:
    """q <- base + (q - base)(1 - decay)."""
    return base + (q - base) * (1.0 - decay)


def inform(q: np.ndarray, k: np.ndarray, boost: float) -> np.ndarray:
    """q <- 1 - (1 - q)(1 - boost)^k: each heard story adds `boost` of what is unknown
    (voters who learn nothing keep q exactly: 1 - (1 - q) can differ from q in the last bit)."""
    if boost <= 0.0:
        return q
    return np.where(k > 0, 1.0 - (1.0 - q) * (1.0 - boost) ** k, q)


def step(
    q: np.ndarray,
    base: np.ndarray,
    stories: int,
    reach: float,
    boost: float,
    decay: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One step of forgetting and news: (new information, stories each voter heard)."""
    k = heard(q.shape[0], stories, reach, rng)
    return inform(forget(q, base, decay), k, boost), k
