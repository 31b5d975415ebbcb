"""What a rare-event estimator needs from a stochastic process, and three test systems whose
probability is known in closed form (issue 14).

`System` is a path observed step by step (one path per state): AMS clones states and scores
them (Cérou & Guyader 2007; Bréhier, Gazeau, Goudenège, Lelièvre & Rousset 2016), importance
sampling runs `TiltedSystem`s whose random draws can be tilted and record their log
likelihood ratio (Rubinstein 1999; de Boer, Kroese, Mannor & Rubinstein 2005).

The test systems draw only Bernoulli/binomial variables, so a tilt is a dict from draw family to
its tilted rate, and the path keeps the family's sufficient statistics (successes, trials) for
the cross-entropy update:

- `IndependentLayers(k, miss)`: an attack meets k independent oversight layers, one per step,
  each missing it with probability `miss`; the event is that all miss: p = miss^k.
- `PerStepCatastrophe(rate, horizon)`: a catastrophe each step with probability `rate`; the
  event is one within the horizon T: p = 1 - (1 - rate)^T. Its score cannot climb before the
  event, so it is a system for Monte Carlo and importance sampling, not for AMS.
- `CaptureChain(offices, rate, horizon)`: each step every uncaptured office of a chain of L is
  captured with probability r, never freed; the event is all L captured by T:
  p = (1 - (1 - r)^T)^L. Score: the captured count.

`PARAMS[name][p]` gives parameters with exact probability 1e-3, 1e-6 and 1e-9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np

State = Any  # whatever a system uses for one path
Tilt = dict[str, float]  # draw family -> its tilted parameter (here a Bernoulli rate)


@runtime_checkable
class System(Protocol):
    """A stochastic process observed step by step, for rare-event estimation."""

    horizon: int  # steps; the event must happen within them

    def start(self, seed: int) -> State: ...  # a fresh path at time 0 from its own seed
    def clone(self, state: State, seed: int) -> State: ...  # shares the past; fresh future
    def step(self, state: State) -> State: ...  # advance one step (may mutate and return state)
    def score(self, state: State) -> float: ...  # importance function (climbs toward the event)
    def hit(self, state: State) -> bool: ...  # the event has happened
    def time(self, state: State) -> int: ...  # steps done


@runtime_checkable
class TiltedSystem(System, Protocol):
    """A System whose draws can be tilted. `start(seed, tilt)` runs the path under the tilted
    law and `log_weight(state)` accumulates log(nominal density / tilted density) of the
    draws made, so its exp is the likelihood ratio. `stats(state)` gives, per family,
    (sum of the draws' sufficient statistic, number of draws): for Bernoulli draws (successes,
    trials). The cross-entropy update of a family's mean parameter is the likelihood-weighted
    ratio of the two over elite paths (de Boer et al. 2005, sec. 2 and 4). A system whose
    families are not plain rates (the model's log-odds shifts, sim/rare/model_system.py)
    provides `ce_update(tilt, weights, elite_stats, alpha)` and `boost(tilt, factor)`."""

    nominal: Tilt  # the untilted parameters

    def start(self, seed: int, tilt: Tilt | None = None) -> State: ...
    def log_weight(self, state: State) -> float: ...
    def stats(self, state: State) -> dict[str, tuple[float, float]]: ...


@dataclass
class Path:
    """One path of a test system: time, a counter (layers passed, catastrophes, offices
    captured), whether it is stopped (an attack caught), its rng and the tilt bookkeeping."""

    rng: np.random.Generator
    rate: float  # the rate the path draws with (nominal or tilted)
    nominal: float
    t: int = 0
    x: int = 0
    stopped: bool = False
    log_weight: float = 0.0
    successes: int = 0
    trials: int = 0


def draw(path: Path, trials: int) -> int:
    """Binomial(trials, rate) under the path's law; records the log likelihood ratio."""
    if trials <= 0:
        return 0
    c = int(path.rng.binomial(trials, path.rate))
    if path.rate != path.nominal:
        q, r = path.nominal, path.rate
        path.log_weight += c * math.log(q / r) + (trials - c) * (math.log1p(-q) - math.log1p(-r))
    path.successes += c
    path.trials += trials
    return c


class _Toy:
    """Shared start/clone/time/score/stats of the test systems (one Bernoulli family)."""

    family = "rate"
    horizon: int
    rate: float

    @property
    def nominal(self) -> Tilt:
        return {self.family: self.rate}

    def start(self, seed: int, tilt: Tilt | None = None) -> Path:
        r = (tilt or {}).get(self.family, self.rate)
        return Path(np.random.default_rng(seed), r, self.rate)

    def clone(self, state: Path, seed: int) -> Path:
        return replace(state, rng=np.random.default_rng(seed))

    def time(self, state: Path) -> int:
        return state.t

    def log_weight(self, state: Path) -> float:
        return state.log_weight

    def score(self, state: Path) -> float:
        return float(state.x)

    def stats(self, state: Path) -> dict[str, tuple[float, float]]:
        return {self.family: (float(state.successes), float(state.trials))}


class IndependentLayers(_Toy):
    """k independent layers, one met per step, each missing with probability `miss`; the
    attack is stopped by the first layer that catches it. Event: all k miss, p = miss^k.
    Importance function: layers passed. Tilt family "miss"."""

    family = "miss"

    def __init__(self, k: int, miss: float):
        self.k, self.rate, self.horizon = k, miss, k

    def step(self, state: Path) -> Path:
        if not state.stopped and state.x < self.k:
            state.stopped = draw(state, 1) == 0
            state.x += not state.stopped
        state.t += 1
        return state

    def hit(self, state: Path) -> bool:
        return state.x >= self.k

    def exact(self) -> float:
        return self.rate**self.k


class PerStepCatastrophe(_Toy):
    """A catastrophe each step with probability `rate`. Event: one within `horizon` steps,
    p = 1 - (1 - rate)^T. Score: catastrophes so far (0 until the event), so no use to AMS."""

    def __init__(self, rate: float, horizon: int):
        self.rate, self.horizon = rate, horizon

    def step(self, state: Path) -> Path:
        state.x += draw(state, 1)
        state.t += 1
        return state

    def hit(self, state: Path) -> bool:
        return state.x >= 1

    def exact(self) -> float:
        return -math.expm1(self.horizon * math.log1p(-self.rate))


class CaptureChain(_Toy):
    """A chain of `offices`; each step every uncaptured office is captured with probability
    `rate`, no removal. Event: all captured by `horizon`, p = (1 - (1 - rate)^T)^L. Score:
    offices captured. Tilt family "capture"."""

    family = "capture"

    def __init__(self, offices: int, rate: float, horizon: int):
        self.offices, self.rate, self.horizon = offices, rate, horizon

    def step(self, state: Path) -> Path:
        state.x += draw(state, self.offices - state.x)
        state.t += 1
        return state

    def hit(self, state: Path) -> bool:
        return state.x >= self.offices

    def exact(self) -> float:
        return (-math.expm1(self.horizon * math.log1p(-self.rate))) ** self.offices


def per_step_rate(total: float, steps: int) -> float:
    """The per-step rate r with 1 - (1 - r)^steps = total."""
    return -math.expm1(math.log1p(-total) / steps)


CATASTROPHE_T, CHAIN_T = 20, 10
PARAMS: dict[str, dict[float, dict]] = {
    "layers": {1e-3: {"k": 3, "miss": 0.1}, 1e-6: {"k": 6, "miss": 0.1},
               1e-9: {"k": 9, "miss": 0.1}},
    "catastrophe": {p: {"rate": per_step_rate(p, CATASTROPHE_T), "horizon": CATASTROPHE_T}
                    for p in (1e-3, 1e-6, 1e-9)},
    "chain": {p: {"offices": L, "rate": per_step_rate(0.1, CHAIN_T), "horizon": CHAIN_T}
              for p, L in ((1e-3, 3), (1e-6, 6), (1e-9, 9))},
}  # fmt: skip
SYSTEMS = {"layers": IndependentLayers, "catastrophe": PerStepCatastrophe, "chain": CaptureChain}


def make(name: str, p: float) -> IndependentLayers | PerStepCatastrophe | CaptureChain:
    """The test system `name` at exact probability `p` (1e-3, 1e-6 or 1e-9)."""
    return SYSTEMS[name](**PARAMS[name][p])
