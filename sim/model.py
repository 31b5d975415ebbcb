"""InstitutionModel: the Mesa model that stacks a scenario's components.

Step order (one model step = one unit of Mesa time):
  1. each enabled component's `step()` in declared order (electoral 10, bureaucracy 20,
     AI deployment 30, oversight 40, opinion 90);
  2. elections, as a recurring Mesa event every `elections.interval` steps (after the step);
  3. metrics, recorded as a low-priority event (after elections): each component's `report()`
     into `model.metric_values`, and that row into `model.recorder` (sim/recorder.py), a
     preallocated steps x metrics array. `model.datacollector` is a Mesa-compatible view of
     it (`get_model_vars_dataframe()`), built only when asked.
"""

from __future__ import annotations

import zlib

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from sim import electorate
from sim.components import COMPONENTS, METRICS, WorldState, check_wiring
from sim.mechanisms.effort import EffortModel
from sim.recorder import DataCollectorView, Recorder
from sim.scenario import Config


class InstitutionModel(mesa.Model):
    """Voters, politicians and the institutions below them, for one scenario and one seed."""

    def __init__(self, config: Config, seed: int | None = None, horizon: int | None = None) -> None:
        self.seed = int(config["seed"] if seed is None else seed)
        super().__init__(rng=self.seed)
        self.config = config
        # steps this run is meant to last (what "the first share of the deployment" refers to)
        self.horizon = int(config["steps"] if horizon is None else horizon)
        # importance sampling's tilted draws and likelihood ratio (sim/rare/tilting.py); None
        # in an ordinary run, where Component.bernoulli is a plain comparison
        self.tilting = None
        d, e = config.section("world").dimensions, config.section("electorate")
        self.effort = EffortModel.from_section(config.section("effort"))
        self.electorate = electorate.sample(
            e.n_voters,
            d,
            e.distribution,
            e.polarization,
            e.information,
            e.information_concentration,
            e.aspiration,
            self.stream("electorate"),
        )
        self.welfare_optimum = self.electorate.centroid()
        self.world = WorldState(
            mandate=np.zeros(d),
            implemented=np.zeros(d),
            implemented_seen=np.zeros(d),
            voter_information=float(np.mean(self.electorate.information)),
            information=self.electorate.information.copy(),  # each voter's q_i (media moves it)
            welfare_optimum=self.welfare_optimum,
            oversight_budget=float(config["oversight.audit_budget"]),
        )
        enabled = [cls for cls in COMPONENTS if cls.enabled(config)]
        check_wiring(enabled)
        self.components = [cls(self) for cls in enabled]
        self.metric_values: dict[str, float] = dict.fromkeys(METRICS, float("nan"))
        self.recorder = Recorder(tuple(METRICS), self.horizon)
        self.datacollector = DataCollectorView(self.recorder)
        self._collect()
        self.schedule_recurring(self._collect, Schedule(interval=1, start=1), priority=Priority.LOW)

    def stream(self, name: str) -> np.random.Generator:
        """The run's random stream for one part of the model, spawned from the run's seed
        with `SeedSequence(seed, spawn_key=(crc32(name),))`. Each component draws from its
        own stream, so an intervention that changes how much one component draws (an extra
        oversight layer, say) leaves every other component's draws unchanged: common random
        numbers across interventions hold part by part, not just for the first draw."""
        key = zlib.crc32(name.encode())
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))

    def component(self, name: str):
        """The enabled component called `name`, or None: for observers outside the model (the
        dashboard, validation harnesses, tests). Components never call it: they talk only
        through the world state (a test checks)."""
        return next((c for c in self.components if c.name == name), None)

    def step(self) -> None:
        world = self.world
        world.actions = []  # STEP_RESETS
        world.harm = 0.0
        for comp in self.components:
            world._active = comp.name  # whose reads and writes a traced world records
            comp.step()
        world._active = None

    def _collect(self) -> None:
        values = self.metric_values
        for comp in self.components:
            values.update(comp.report())
        # metric_values was made from METRICS and updates keep its key order, so its values
        # are in the recorder's column order unless a report added an undeclared key
        row = values.values() if len(values) == len(METRICS) else [values[k] for k in METRICS]
        self.recorder.record(self.steps, self.time, row)
