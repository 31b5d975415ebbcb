"""The oversight-layer protocol: a layer examines the actions under review this step (the
`Docket`), flags some, and passes its flags on to the layer above; the final human audit
(sim/components/oversight.py) confirms what reaches it, within its budget.

Two scopes (the `scope` field of every layer):
- `all`: a detection channel. It examines every action of the roles it watches and *adds* its
  flags to those from below (police patrols, fire alarms, AI monitors). `Docket.first` records
  the first layer that flagged each action: its marginal contribution in stacking order.
- `flagged`: a review stage. It examines only what the layers below flagged and passes on what
  it confirms; the rest is dismissed (critique-assisted review, debate, a panel).

Each flag (or confirmation) adds 1 + 1/(2 (1 + r)) to the action's audit priority, r being its
position in that layer's own suspicion ranking (0: most suspicious). The final audit thus takes
corroborated actions first and, among equals, goes round-robin down the layers' rankings, so
layers with different score scales and flag counts share the audit budget fairly.

Every layer can be captured (the revolving door): each step an uncaptured overseer is captured
with probability `capture_rate`; a captured layer stops flagging harmful actions (it keeps its
false alarms, so it still looks busy) until it is rotated out every `rotation` steps. When
interest groups bid for overseers (`world.overseer_bids`, sim/components/interest_groups.py),
the bids replace `capture_rate`: a Tullock contest decides whether and by whom it is bought.

Every layer can run inside an organization (the `organization` field and its companions:
reviewers, review_time, queue_limit, skill, access ...; sim/oversight/organization.py): an
in-house safety team or an independent body with a finite review queue, time-boxed reviews and
a specialization. `organization: none` (the default) is today's instantaneous review of
unlimited capacity, bit for bit.

Layer kinds register themselves by `name`; each declares its fields as `Param`s (type, default,
range, unit), so `oversight.layers` items are validated like any parameter, with errors that
name the field path (`oversight.layers[1].audit_budget`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, make_dataclass
from typing import Any, ClassVar

import numpy as np

from sim.meta import Described, attribute_chains
from sim.oversight import organization
from sim.params.core import Param
from sim.params.sections import watchable

MAX_LAYERS = 6  # catches_layer_1 .. catches_layer_6 (NaN beyond the configured layers)
WATCHABLE = watchable()  # actor roles whose actions come to oversight (sections declare them)
LAYERS: dict[str, type[Layer]] = {}


@dataclass
class Docket:
    """This step's actions from every producer, concatenated (one row per action)."""

    role: np.ndarray  # (A,) int: index of the actor's role in WATCHABLE
    harmful: np.ndarray  # (A,) bool: ground truth
    deviation: np.ndarray  # (A,) float >= 0
    capability: np.ndarray  # (A,) float
    took_effect: np.ndarray  # (A,) bool: visible to the public before review
    shielded: np.ndarray  # (A,) bool: the actor is captured by an interest group
    lineage: np.ndarray  # (A,) int: the AI model lineage that produced it; -1 for humans
    coordinated: np.ndarray  # (A,) bool: a deliberate attack coordinated among copies
    flagged: np.ndarray  # (A,) bool: escalated so far
    first: np.ndarray  # (A,) int: 0-based index of the first layer that flagged it, -1 none
    priority: np.ndarray  # (A,) float: audit priority (see the module docstring)
    examined: np.ndarray  # (A,) bool: examined by at least one layer so far
    # (A,) float: steps after submission until a held action takes effect (inf: never before
    # its review; 0: took effect already)
    act_delay: np.ndarray
    # (A,) float: steps from submission to the end of the last organization's review of it
    # (0: only instantaneous reviews; sim/oversight/organization.py)
    sojourn: np.ndarray
    # (A, k) float: each action's appearance features (zeros where its producer gives none;
    # k = 0 when none does) and (A,) bool: whether it has them (issue 13: checkers' cracks)
    appearance: np.ndarray
    featured: np.ndarray

    @classmethod
    def build(
        cls, *given, lineage=None, coordinated=None, act_delay=None, appearance=None, featured=None
    ) -> Docket:
        """From the producers' columns, in field order (role, harmful, deviation, capability,
        took_effect, shielded); lineage -1 (humans), coordinated False, act_delay inf and no
        appearance features unless given."""
        n = given[1].shape[0]
        if len(given) == 8:  # lineage and coordinated passed by position
            *given, lineage, coordinated = given
        lineage = np.full(n, -1, np.int64) if lineage is None else np.asarray(lineage, np.int64)
        coordinated = np.zeros(n, bool) if coordinated is None else np.asarray(coordinated, bool)
        fresh = (np.zeros(n, bool), np.full(n, -1, np.int64), np.zeros(n), np.zeros(n, bool))
        delay = np.full(n, np.inf) if act_delay is None else np.asarray(act_delay, float)
        if appearance is None:
            appearance, featured = np.zeros((n, 0)), np.zeros(n, bool)
        elif featured is None:
            featured = np.ones(n, bool)
        return cls(*given, lineage, coordinated, *fresh, delay, np.zeros(n), appearance, featured)

    def __len__(self) -> int:
        return int(self.harmful.shape[0])


def _common_fields(scope: str, cost: float) -> tuple[Param, ...]:
    return (
        Param(
            "watches",
            "choice",
            "all",
            "Actor roles whose actions this layer examines.",
            choices=("all", *WATCHABLE),
            many=True,
        ),
        Param(
            "scope",
            "choice",
            scope,
            "all: examine every watched action and add flags (a detection channel); flagged: "
            "examine only what the layers below flagged and pass on what it confirms (a review).",
            choices=("all", "flagged"),
        ),
        Param("cost", "float", cost, "Cost per action examined.", unit="audits", low=0.0),
        Param(
            "capture_rate",
            "float",
            0.0,
            "Per-step probability that the overseer is captured (the revolving door).",
            unit="1/step",
            low=0.0,
            high=1.0,
        ),
        Param(
            "rotation",
            "int",
            0,
            "Steps between rotations of the overseer, which end a capture (0: never).",
            unit="steps",
            low=0,
        ),
        *organization.fields(),
    )


def blind_spot_field(text: str) -> Param:
    """The `blind_spot` field of a checker layer kind (issue 13): b in [0, 1], the size of its
    crack in appearance space (sim/mechanisms/checker_view.py); `text` says whose crack."""
    return Param("blind_spot", "float", 0.0, f"b: {text}", low=0.0, high=1.0)


class Layer(Described):
    """One oversight layer. Subclasses set metadata, `fields`, `scope`, `cost` and
    `examine()`; instances hold the normalized spec and the capture state."""

    fields: ClassVar[tuple[Param, ...]] = ()
    scope: ClassVar[str] = "all"
    cost: ClassVar[float] = 0.1
    all_fields: ClassVar[dict[str, Param]]
    Fields: ClassVar[type]  # the typed field object's class (see _fields_type)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "name" not in cls.__dict__:
            return
        if cls.name in LAYERS:
            raise TypeError(f"layer kind {cls.name!r} registered twice")
        declared = (*_common_fields(cls.scope, cls.cost), *cls.fields)
        cls.all_fields = {p.path: p for p in declared}
        if len(cls.all_fields) < len(declared):
            seen = [p.path for p in declared]
            twice = sorted({n for n in seen if seen.count(n) > 1})
            raise TypeError(
                f"{cls.__qualname__} declares the field {twice[0]!r} twice (a kind's fields "
                f"must not reuse a common or organization field name)"
            )
        cls.Fields = _fields_type(cls)
        unknown = {c[0] for c in attribute_chains(cls, "f")} - set(cls.all_fields)
        if unknown:
            raise TypeError(
                f"{cls.__qualname__} reads self.f.{sorted(unknown)[0]}, which is not a declared "
                f"field (fields: {', '.join(cls.all_fields)})"
            )
        LAYERS[cls.name] = cls

    def __init__(self, index: int, spec: Mapping[str, Any], model) -> None:
        self.index = index
        self.spec = dict(spec)
        self.f = self.Fields(**{k: spec[k] for k in self.all_fields})  # typed, frozen fields
        self.model = model
        watches = spec["watches"]
        watches = (watches,) if isinstance(watches, str) else tuple(watches)
        self.watches = WATCHABLE if "all" in watches else watches
        self.watch_codes = np.array([WATCHABLE.index(r) for r in self.watches])
        self.captured = False
        self.captured_by = -1  # the interest group holding a bought overseer (-1: none)
        self.step_cost = 0.0
        self.org = organization.build(self.f)  # None: instantaneous, unlimited review
        # (1 + k,) this layer's blind-spot direction in (harm, appearance) coordinates, set by
        # the oversight component for layers that declare a `blind_spot` field (issue 13)
        self.crack: np.ndarray | None = None

    # --- validation hooks ----------------------------------------------------------------
    @classmethod
    def check(cls, spec: dict, path: str) -> None:
        """Cross-field checks of one normalized spec (override; raise ConfigError)."""

    @classmethod
    def roles_used(cls, spec: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        """Field -> the roles this spec references (checked against the scenario)."""
        w = spec["watches"]
        w = (w,) if isinstance(w, str) else tuple(w)
        return {"watches": tuple(r for r in w if r != "all")}

    # --- one step ------------------------------------------------------------------------
    def tick(self, rng: np.random.Generator, step: int, bids: np.ndarray | None = None) -> None:
        """Rotation ends a capture; an uncaptured overseer may be captured: at its constant
        rate, or, when interest groups bid for it (`bids`), by the group whose bid wins."""
        rot = self.f.rotation
        if rot and step % rot == 0:
            self.captured = False
            self.captured_by = -1
        if bids is not None:
            self._bought(rng, bids)
            return
        rate = self.f.capture_rate
        if rate > 0 and not self.captured and rng.random() < rate:
            self.captured = True

    def _bought(self, rng: np.random.Generator, bids: np.ndarray) -> None:
        """The revolving door as a contest (sim/mechanisms/contest.py, Tullock 1980): `bids`
        holds each group's probability of winning this overseer this step; the winner is its
        future employer and holds it until rotation. An organization prices its overseers
        (organization.py: an independent body's premium and cooling-off)."""
        if self.org is not None:
            bids = self.org.contest(bids)
        total = float(bids.sum())
        if total > 0 and not self.captured and rng.random() < total:
            self.captured = True
            self.captured_by = int(rng.choice(bids.size, p=bids / total))

    def view(self):
        """What a white-box attacker knows of this layer (checker_view.View), for layers that
        score AI actions' appearance; None for the others."""
        return None

    def candidates(self, docket: Docket) -> np.ndarray:
        mask = np.isin(docket.role, self.watch_codes)
        return mask & docket.flagged if self.f.scope == "flagged" else mask

    def apply(self, docket: Docket, rng: np.random.Generator) -> None:
        """Examine the candidates, then merge this layer's verdict into the docket."""
        cand = self.candidates(docket)
        if self.org is not None:
            cand = self.queue(docket, cand, rng)
        docket.examined |= cand
        flag, score, examined = self.examine(docket, cand, rng)
        flag &= cand
        if self.org is not None:
            flag = self.org.confirm(flag, docket.harmful, docket.capability, rng)
        if self.captured:
            flag &= ~docket.harmful
        self.step_cost = float(self.f.cost * examined)
        merge(docket, self.index, self.f.scope, cand, flag, score)

    def queue(self, docket: Docket, cand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The candidates this layer's organization admits to its review queue; records when
        each review ends (docket.sojourn) and counts the late ones."""
        admitted, sojourn = self.org.intake(cand, rng, self.model.steps)
        np.maximum(docket.sojourn, sojourn, out=docket.sojourn)
        self.org.count(admitted, sojourn, docket.act_delay)
        return admitted

    def examine(
        self, docket: Docket, cand: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """(flags, suspicion scores, number of examinations) over the whole docket."""
        raise NotImplementedError


def _fields_type(cls: type) -> type:
    """A frozen, slotted dataclass of one layer kind's declared fields (`layer.f.audit_budget`),
    named `<Layer>.Fields` so its instances pickle by reference."""
    fields_cls = make_dataclass(
        "Fields", list(cls.all_fields), frozen=True, slots=True, module=cls.__module__
    )
    fields_cls.__qualname__ = f"{cls.__qualname__}.Fields"
    fields_cls.__doc__ = f"The declared fields of a {cls.name} layer."
    return fields_cls


def merge(docket: Docket, k: int, scope: str, cand, flag, score) -> None:
    """A detection channel adds flags; a review stage dismisses what it does not confirm."""
    if scope == "all":
        new = flag & ~docket.flagged
        docket.first[new] = k
        docket.flagged |= flag
    else:
        dismissed = cand & ~flag
        docket.flagged[dismissed] = False
        docket.first[dismissed] = -1
    docket.priority[flag] += 1.0 + _weight(score[flag])


def _weight(score: np.ndarray) -> np.ndarray:
    """1 / (2 (1 + r)), r = position in this layer's ranking (0 = most suspicious): in (0, 1/2],
    so one more corroborating layer always outranks any position within a layer."""
    position = np.argsort(np.argsort(-score, kind="stable"), kind="stable")
    return 0.5 / (1.0 + position)
