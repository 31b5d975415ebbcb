"""Components are the layers a scenario stacks: elections, bureaucracy, AI deployment,
oversight, public opinion. Each owns its actors and metrics, runs in a declared order each
step, and talks to the others only through the shared, typed `WorldState`.

A component declares its joints as data (compare Gymnasium's spaces):
- `section`: the parameter section whose gate turns it on (None: always on); the section
  also declares the actor roles the component creates (sim/params/sections.py);
- `params`: the parameter sections it reads, as typed objects: `self.p.<section>.<field>`.
  Every such access in the class body is checked against the declarations when the class is
  defined, so a typo is an error at import;
- `reads`: `WorldState` fields it reads as written earlier in the same step (the model checks
  at build time that an enabled component before it, or the model's step preamble, writes
  each one); `reads_last`: fields it reads as the previous step left them (or their initial
  value); `writes`: fields it writes. The contract checker (sim/testing.py) traces every
  access during a run and fails on an undeclared one.
- `report()` is pure (this step's metrics); `snapshot()` (per-actor state for views) and
  `tables()` (event tables for analysis) belong to the protocol too.
- `importance`: rare-event support (issue 14, sim/rare): pairs (event metric, one of the
  component's metrics that climbs toward the event), the score adaptive multilevel splitting
  follows; `"m"` is for events above a threshold (`m >= x`), `"-m"` below one (`m <= x`).
  Undeclared, the event metric itself is the score (sim/rare/model_system.py).
- `tilted`: pairs (family, description) naming the explicit Bernoulli decisions toward harm
  that importance sampling may tilt (sim/rare/tilting.py). Each is made through
  `self.bernoulli(family, u, p)`, which is `u < p` in an ordinary run.
- `tail_bound(config, event, horizon)`: an upper bound on P(event by horizon) that follows from
  the component's structure, with its name, or None; `instalign tail` reports the bits of
  surprise it explains (sim/rare/tail.py).
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.meta import Described, attribute_chains
from sim.params.sections import SECTIONS, section_fields

if TYPE_CHECKING:
    from sim.model import InstitutionModel
    from sim.scenario import Config


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str
    # True when the metric is undefined (NaN) in some configurations of an enabled component,
    # e.g. a drift-ledger level below the scenario's depth; its description says when.
    may_be_nan: bool = False


@dataclass
class ActionBatch:
    """Actions taken this step by one kind of actor (bureaucrats, AI agents), as arrays.

    Producers fill everything but `caught`; the oversight component fills `caught` (and
    `flagged_by`, the index of the first layer that flagged each action, -1 for none).
    Producers read `caught` at their next step to apply sanctions.
    """

    producer: str  # name of the component that owns the actors
    actor: np.ndarray  # (A,) int: the actor's Mesa unique_id
    deviation: np.ndarray  # (A,) float >= 0: distance from the mandate / safe policy
    harmful: np.ndarray  # (A,) bool: ground-truth misbehaviour
    capability: np.ndarray  # (A,) float: actor capability (monitors find it harder)
    caught: np.ndarray | None = None
    flagged_by: np.ndarray | None = None
    took_effect: np.ndarray | None = None  # (A,) bool: took effect before review (None: all)
    # (A,) int: the AI model lineage that produced each action (copies of one model share a
    # lineage and can recognize each other's actions); -1 for humans. None: all -1.
    lineage: np.ndarray | None = None
    # (A,) bool: the actor is captured by an interest group (a group never complains about
    # its own official). None: nobody is.
    shielded: np.ndarray | None = None
    # the actors' role (a watchable role their section declares); oversight watches by role
    role: str | None = None
    # (A,) bool: a deliberate attack coordinated among copies of one model (what a colluding
    # copy recognizes); None: none is.
    coordinated: np.ndarray | None = None
    # (A,) bool, filled by oversight with `caught`: examined by at least one layer (what
    # waiting for a review costs the producer is measured on this).
    reviewed: np.ndarray | None = None
    # (A,) float: steps after submission until each held action takes effect (0: took effect
    # already); None: never before its review ends (issue 12: review latency).
    act_delay: np.ndarray | None = None
    # (A,) bool, filled by oversight with `caught`: every review organization that examined the
    # action ended within its act_delay (a late catch still sanctions, but the harm happened).
    # None: every review was in time (no organization reviewed anything).
    in_time: np.ndarray | None = None
    # (A, k) float: how each action looks, its appearance features in the checkers' appearance
    # space (world.appearance_dimensions; issue 13, sim/mechanisms/checker_view.py). None: the
    # producer's actions carry no features (checkers score them without a crack).
    appearance: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.actor.shape[0])


@dataclass
class WorldState:
    """What flows between components. `harm` and `actions` are reset by the model at the start
    of every step (`STEP_RESETS`); everything else persists until a component writes it."""

    mandate: np.ndarray  # the elected policy (what the principal asked for)
    implemented: np.ndarray  # the policy actually carried out
    visible_effort: float = 0.0  # the incumbent's visible-effort share v
    harm: float = 0.0  # welfare lost below the incumbent this step (H)
    # What voters experienced at the end of the last step (written by opinion, carried over):
    # polls taken this step see these, not this step's not-yet-happened harm.
    harm_seen: float = 0.0
    implemented_seen: np.ndarray | None = None
    actions: list[ActionBatch] = field(default_factory=list)  # cleared at each step's start
    voter_information: float = 0.0  # mean information q of the electorate (what alarms hear)
    interest_groups: int = 0  # organized interest groups active in the scenario
    welfare_optimum: np.ndarray | None = None  # the voters' mean ideal point (fixed)
    # The final audit's budget (share of each step's actions examined): oversight.audit_budget
    # unless a government sets it (issue 12: the incumbent's lever).
    oversight_budget: float = 0.0
    # Share of the incumbent's effort left for visible and substantive work after paying for
    # oversight (1: oversight costs no government work).
    effort_budget: float = 1.0
    welfare_seen: float = 0.0  # mean true voter utility at the end of the last step
    approval_seen: float = 0.0  # mean approval of the incumbent at the end of the last step
    # Government levers beyond the audit budget (sim/components/government.py): the share of
    # the top level's offices held by the incumbent's appointees, and the sanction severity it
    # enforces on caught officials. None: no such lever (the bureaucracy's own parameters).
    appointed_share: float | None = None
    sanction_severity: float | None = None
    # Each voter's current information q_i: the baseline drawn at set-up (set by the model),
    # moved by media when it is on (issue 12, item 5); None: `Electorate.information`.
    information: np.ndarray | None = None
    # Interest groups as strategic agents (issue 12, item 2; sim/components/interest_groups.py).
    # None everywhere: no strategic groups (constant capture rates, no lobbying).
    # (G,) per official, the probability each group's bid wins it this step (Tullock contest)
    capture_bids: np.ndarray | None = None
    # (G,) per oversight layer, the probability each group's bid captures it this step
    overseer_bids: np.ndarray | None = None
    # (G,) each group's stake against the audit budget (audit-budget units; 0: not lobbying)
    lobby_stakes: np.ndarray | None = None
    # (G,) contributions each group paid the incumbent at its last budget choice (government)
    lobby_paid: np.ndarray | None = None
    # (G,) share of the officials each group holds (written by the bureaucracy)
    officials_held: np.ndarray | None = None
    # (G,) oversight layers each group holds (written by oversight when groups bid for them)
    overseers_held: np.ndarray | None = None
    # Campaign money (issue 12, item 2(d); sim/mechanisms/campaign_money.py). None: no money.
    group_positions: np.ndarray | None = None  # (G, d) the groups' ideals (the bureaucracy's)
    platforms: np.ndarray | None = None  # (K, d) the politicians' platforms (electoral)
    campaign_money: np.ndarray | None = None  # (K,) money groups gave each candidate this step
    # At the last election with campaign money (written by electoral): share of the cycle's
    # money the winner had, mean valence it bought the winner, share of votes it moved.
    money_to_winner: float = float("nan")
    valence_bought: float = 0.0
    votes_bought: float = 0.0
    # The oversight layers that score AI actions' appearance, as a white-box attacker knows
    # them (checker_view.View, one per such layer; issue 13). None: no such layer.
    checker_views: tuple | None = None


STEP_RESETS = ("harm", "actions")  # fields the model resets at each step's start
# set by the model when it is built (a component may overwrite them each step); `information`
# is the baseline q_i until media writes it
MODEL_SETS = ("voter_information", "welfare_optimum", "oversight_budget", "effort_budget",
              "information")  # fmt: skip
WORLD_FIELDS = frozenset(f.name for f in fields(WorldState))


class WiringError(TypeError):
    """A component's declarations do not fit the world or the other components."""


class Component(Described):
    """A layer of the institution. Subclasses set metadata, `order`, `metrics` and the
    declarations described in the module docstring."""

    order: ClassVar[int]
    metrics: ClassVar[tuple[Metric, ...]] = ()
    section: ClassVar[str | None] = None
    params: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    reads_last: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    importance: ClassVar[tuple[tuple[str, str], ...]] = ()
    tilted: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "name" in cls.__dict__:
            _check_declarations(cls)

    def __init__(self, model: InstitutionModel) -> None:
        self.model = model
        self.world = model.world
        self.rng = model.stream(self.name)  # this component's own stream (common random numbers)
        self.p = types.SimpleNamespace(**{s: model.config.section(s) for s in self.params})

    @classmethod
    def enabled(cls, config: Config) -> bool:
        return cls.section is None or SECTIONS[cls.section].enabled(config.values)

    @classmethod
    def roles(cls) -> tuple[str, ...]:
        """The actor roles this component can create (declared by its section)."""
        return tuple(r.name for r in SECTIONS[cls.section].roles) if cls.section else ()

    @classmethod
    def tail_bound(cls, config: Config, event, horizon: int) -> tuple[float, str] | None:
        """An upper bound on P(event by step `horizon`) from this component's structure, and
        what it is (module docstring); None when it has none for `event`."""
        return None

    def bernoulli(self, family: str, u: np.ndarray, p) -> np.ndarray:
        """The declared decision `family`: `u < p` (uniforms u, probabilities p), tilted under
        importance sampling (sim/rare/tilting.py)."""
        tilting = self.model.tilting
        if tilting is None:
            return u < p
        if family not in self._families:
            raise WiringError(f"{type(self).__qualname__} draws undeclared family {family!r}")
        return tilting.bernoulli(f"{self.name}.{family}", u, p)

    @property
    def _families(self) -> set[str]:
        return {name for name, _ in self.tilted}

    def snapshot(self) -> dict:
        """Per-actor state at this step, for the dashboard's views (JSON-ready)."""
        return {}

    def step(self) -> None:
        raise NotImplementedError

    def tables(self) -> dict:
        """Event tables this component kept during the run (name -> DataFrame), for analysis;
        `sim.run.run` stores them in `RunResult.extra`."""
        return {}

    def report(self) -> dict[str, float]:
        """This step's value of each declared metric (Python floats). Pure: calling it twice
        gives the same values and changes nothing."""
        raise NotImplementedError


def _check_declarations(cls: type[Component]) -> None:
    """Check a component class's declarations when it is defined (import time)."""
    declared = {"reads": cls.reads, "reads_last": cls.reads_last, "writes": cls.writes}
    for attr, names in declared.items():
        unknown = [f for f in names if f not in WORLD_FIELDS]
        if unknown:
            raise WiringError(
                f"{cls.__qualname__}.{attr} names {unknown}, which WorldState lacks "
                f"(fields: {', '.join(sorted(WORLD_FIELDS))})"
            )
    for s in (cls.section, *cls.params):
        if s is not None and s not in SECTIONS:
            raise WiringError(f"{cls.__qualname__}: unknown parameter section {s!r}")
    for sec, name in _param_accesses(cls):
        if sec not in cls.params:
            raise WiringError(
                f"{cls.__qualname__} reads self.p.{sec} but declares params={cls.params}"
            )
        if name is not None and name not in section_fields(sec):
            raise WiringError(
                f"{cls.__qualname__} reads self.p.{sec}.{name}, which is not a declared "
                f"parameter (section {sec}: {', '.join(section_fields(sec))})"
            )


def _param_accesses(cls: type) -> list[tuple[str, str | None]]:
    """Every `self.p.<section>[.<field>]` in the class body (aliases followed)."""
    return [(c[0], c[1] if len(c) > 1 else None) for c in attribute_chains(cls, "p")]


def check_wiring(components: list[Component]) -> None:
    """Every field a component `reads` is written earlier in the step (by the model's step
    preamble or an enabled component before it); raise WiringError naming the gap."""
    written = set(STEP_RESETS) | set(MODEL_SETS)
    writers: dict[str, list[str]] = {}
    for comp in components:
        for f in comp.writes:
            writers.setdefault(f, []).append(comp.name)
    for comp in components:
        for f in comp.reads:
            if f not in written:
                who = ", ".join(writers.get(f, [])) or "no enabled component"
                raise WiringError(
                    f"component {comp.name!r} reads world.{f} this step, but nothing before it "
                    f"writes it (written by: {who}); declare it in reads_last if last step's "
                    f"value is meant"
                )
        written.update(comp.writes)
