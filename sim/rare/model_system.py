"""The simulator as a rare-event system: `ModelSystem` runs `sim.model.InstitutionModel` under
the protocol of `sim.rare.system.System` (start, clone, step, score, hit, time), so the
estimators of sim/rare (plain Monte Carlo; adaptive multilevel splitting, Cérou & Guyader 2007,
with the resampling of Bréhier et al. 2016) estimate P(the event holds at some step <= T).

A state is a model. `step` advances it in place by exactly one model step: the components'
step, then the scheduled events of that time (elections, budget rounds) and the metric
collection (`model.run_for(1)`), so `hit` sees the metrics of the step just taken.

Cloning (AMS branches a killed particle from a survivor's state): `clone(state, seed)` is a
copy whose random streams are ALL fresh. Every `numpy.random.Generator` and
`random.Random` the model holds (the components' `rng`, sub-streams such as the AI
deployment's `looks_rng`, strategies' and electorates' streams, Mesa's own `rng`/`random`) is
replaced, in the copy, by a new stream of the same kind seeded from
`SeedSequence(seed, spawn_key=(digest of the old stream's state,))`: order-free, so one seed
gives bit-identical clones, and two streams shared by one object stay shared. Common random
numbers, stated honestly: a clone shares its parent's past (every metric so far is identical)
and draws a fresh future; it does not share the parent's future draws. Streams a model creates
after it is built (none do: `model.stream` is called only at set-up) would come from the run's
seed, not the clone's. The copy is a pickle round trip that swaps each stream as pickle writes
it: measured 2x faster than `copy.deepcopy` after a walk that finds the streams (2.3 vs 4.7 ms
for ai_control_protocols-v1 at 200 voters, 5.9 vs 12.4 ms for coupled_institution-v1, step 40),
and it finds every stream the model holds by construction.

Importance functions are declared by components (`Component.importance`, sim/components/base.py):
pairs (`"m"`, climbing metric) for events above a threshold on `m`, (`"-m"`, climbing metric)
for events below one; without a declaration the event metric itself, oriented by the
comparison (`-m` for <= and <). An equality has no direction and so no importance function
(AMS refuses it). Any score keeps AMS unbiased; a poor one (constant until the event, like a
first catastrophe's count) only leaves AMS no better than Monte Carlo.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError
from sim.rare.event import Event


@dataclass(frozen=True)
class Importance:
    """The score: `sign * metric_values[metric]` (NaN scores as -inf: no progress)."""

    metric: str
    sign: int = 1
    declared_by: str | None = None  # the component that declared it (None: the default)


def importance_for(event: Event, config) -> Importance | None:
    """The importance function of `event` in the scenario `config`: an enabled component's
    declaration first, else the event metric oriented by the comparison, else None (==)."""
    from sim.components import COMPONENTS

    key = event.metric if event.direction >= 0 else f"-{event.metric}"
    for cls in COMPONENTS:
        declared = dict(cls.importance)
        if event.direction and cls.enabled(config) and key in declared:
            return Importance(declared[key], 1, cls.name)
    return Importance(event.metric, event.direction) if event.direction else None


def check_measured(event: Event, config, option: str = "--event") -> None:
    """The event's metric is reported by a component enabled in `config`; else a ConfigError
    naming the component to turn on."""
    from sim.components import COMPONENTS
    from sim.params.sections import SECTIONS

    owner = next(c for c in COMPONENTS if any(m.name == event.metric for m in c.metrics))
    if not owner.enabled(config):
        sec = SECTIONS[owner.section]
        raise ConfigError(
            f"metric {event.metric!r} is not measured in {config.id}: its component "
            f"{owner.name!r} is off; turn it on with {sec.enable_hint or sec.gate}",
            source=option,
        )


class ModelSystem:
    """`config` run for `horizon` steps (<= the scenario's `steps`, the model's own horizon);
    `event` the rare event; `importance` the score (None: no AMS, see `importance_for`);
    `families` the tilted draws the enabled components declare (sim/rare/tilting.py), which
    make it a `TiltedSystem` for importance sampling: a tilt is a log-odds shift per family,
    0 the nominal law."""

    def __init__(
        self,
        config,
        event: Event,
        horizon: int,
        importance: Importance | None,
        families: tuple[str, ...] = (),
    ):
        self.config, self.event, self.horizon = config, event, int(horizon)
        self.importance, self.families = importance, tuple(families)

    @property
    def nominal(self) -> dict[str, float]:
        return dict.fromkeys(self.families, 0.0)

    @property
    def target(self) -> float | None:
        """The score at which the event starts, when the score is the event's own metric
        (progress reports only)."""
        imp = self.importance
        if imp is None or imp.metric != self.event.metric:
            return None
        return imp.sign * self.event.threshold

    def start(self, seed: int, tilt: dict[str, float] | None = None):
        """A fresh model from `seed`; with `tilt`, its declared draws tilted (an IS path)."""
        from sim.run import build

        model = build(self.config, int(seed))
        if tilt is not None:
            from sim.rare.tilting import Tilting

            model.tilting = Tilting({f: tilt.get(f, 0.0) for f in self.families})
        return model

    def log_weight(self, state) -> float:
        return 0.0 if state.tilting is None else state.tilting.log_weight

    def stats(self, state) -> dict:
        return {} if state.tilting is None else state.tilting.counts

    def ce_update(self, tilt, weights, elite_stats, alpha: float) -> dict[str, float]:
        """The smoothed cross-entropy update of every family's shift (tilting.fit_shift)."""
        from sim.rare.tilting import fit_shift

        out = {}
        for f, old in tilt.items():
            new = fit_shift(weights, [st.get(f, {}) for st in elite_stats], old)
            out[f] = float(alpha * new + (1 - alpha) * old)
        return out

    def boost(self, tilt, factor: float) -> dict[str, float]:
        from sim.rare.tilting import odds_boost

        return odds_boost(tilt, factor)

    def clone(self, state, seed: int):
        return clone_model(state, seed)

    def step(self, state):
        state.run_for(1)
        return state

    def score(self, state) -> float:
        imp = self.importance
        if imp is None:
            raise ConfigError(f"no importance function for the event {self.event}")
        value = imp.sign * float(state.metric_values[imp.metric])
        return value if value == value else -np.inf

    def hit(self, state) -> bool:
        return self.event.holds(state.metric_values)

    def time(self, state) -> int:
        return int(state.steps)


def clone_model(model, seed: int):
    """A copy of `model` whose random streams are all fresh, from `seed` (module docstring);
    `model` is unchanged. A pickle round trip that swaps each stream as it is written (pickle
    sees every object the model holds and writes a shared one once, so sharing survives)."""
    buffer = io.BytesIO()
    _FreshStreams(buffer, seed).dump(model)
    return pickle.loads(buffer.getbuffer())


class _FreshStreams(pickle.Pickler):
    def __init__(self, file, seed: int) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.seed = int(seed)

    def reducer_override(self, obj):
        if isinstance(obj, np.random.Generator) or _is_stdlib_random(obj):
            return fresh_stream(obj, self.seed).__reduce__()
        return NotImplemented


def fresh_stream(old, seed: int):
    """A new stream of `old`'s kind, seeded from `seed` and a digest of `old`'s state."""
    if _is_stdlib_random(old):  # Mesa's model.random: a seeded instance, never the module
        words = np.random.SeedSequence(seed, spawn_key=(_digest(old.getstate()),))
        return type(old)(words.generate_state(8).tobytes())
    key = _digest(old.bit_generator.state)
    bits = type(old.bit_generator)(np.random.SeedSequence(seed, spawn_key=(key,)))
    return np.random.Generator(bits)


def _is_stdlib_random(obj) -> bool:
    """A `random.Random` instance (recognized without importing the stdlib `random` module,
    which sim/ never draws from: tests/test_reproducibility.py)."""
    return any(c.__module__ == "random" and c.__name__ == "Random" for c in type(obj).__mro__)


def _digest(state) -> int:
    return int.from_bytes(hashlib.blake2b(repr(state).encode(), digest_size=8).digest(), "big")
