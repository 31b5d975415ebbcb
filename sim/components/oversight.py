"""Oversight: the scenario's ordered layers (sim/oversight/) and a final human audit review each
step's actions from every producer (bureaucracy, AI deployment).

Each step (order 40, after the producers appended their ActionBatches to world.actions):
  1. every layer may be captured or rotated (the revolving door);
  2. the layers run bottom first over the concatenated actions (a `Docket`): detection channels
     add flags, review stages dismiss what they do not confirm (see sim/oversight/base.py);
  3. the final human audit examines the flagged actions, most suspicious first, up to
     `world.oversight_budget` x (actions this step): `oversight.audit_budget` unless a
     government sets it (sim/components/government.py), and confirms a harmful one with
     probability `oversight.audit_recall`;
  4. each batch's `caught` (confirmed harmful) and `flagged_by` (0-based first flagging layer,
     -1 none) are filled; producers apply sanctions at their next step;
  5. layers inside review organizations (sim/oversight/organization.py) queue what they examine;
     each batch's `in_time` says whether every such review ended within the action's
     `act_delay` (None when no layer has an organization);
  6. taxpayers pay for it: `oversight.cost_weight` x this step's oversight_cost is added to
     world.harm (every voter's utility falls by it; metric `oversight_charge`).
Detection events (step, producer, actor, first layer, delay) accumulate in `events`, a columnar
`EventLog` (sim/events.py) that records each step's detections at once, and the open offence
spells in `spells` (`OpenSpells`, sorted arrays per producer): no Python loop over actions.
`detection_table(oversight)` returns the events as a DataFrame and `offender_table(oversight)`
every offence spell, detected or not (for censored survival analysis).
Disabled when `oversight.layers` is empty (the default).
"""

from __future__ import annotations

import numpy as np

from sim.components.base import Component, Metric
from sim.errors import ConfigError
from sim.events import CATEGORY, EventLog, text_column
from sim.mechanisms import checker_view as cv
from sim.oversight import LAYERS, MAX_LAYERS, WATCHABLE, Docket, check_roles
from sim.oversight.organization import ORGANIZATION_METRICS, organization_report
from sim.params.sections import roles_in

METRICS = (
    Metric("detection_rate", "share", "Harmful actions caught / harmful actions, cumulative "
           "since the start (NaN before the first harmful action).", may_be_nan=True),
    Metric("false_positive_rate", "share", "Benign actions escalated to the final audit / "
           "benign actions, cumulative (NaN before the first benign action).", may_be_nan=True),
    Metric("oversight_cost", "audits", "This step's cost of every layer plus the final audit "
           "(one final audit = 1 at the default audit_cost)."),
    Metric("oversight_charge", "utility", "Welfare charged to every voter (taxpayer) this step "
           "for oversight: cost_weight x oversight_cost, the part of world.harm this component "
           "adds."),
    Metric("time_to_detection", "steps", "Mean, over all detections so far, of the steps "
           "from the actor's first undetected harmful action to its detection (0: caught on "
           "the spot); NaN before the first detection.", may_be_nan=True),
    *(
        Metric(f"catches_layer_{k}", "actions", f"Harmful actions caught this step that "
               f"layer {k} flagged first (its marginal contribution in stacking order; 0 for "
               f"a review stage); NaN beyond the configured layers.", may_be_nan=True)
        for k in range(1, MAX_LAYERS + 1)
    ),
    Metric("overseers_captured", "share", "Share of the layers currently captured."),
    *(Metric(*m, may_be_nan=True) for m in ORGANIZATION_METRICS),
)  # fmt: skip


class Oversight(Component):
    name = "oversight"
    role = "stacked oversight layers and a final human audit review every producer's actions"
    observes = "this step's ActionBatches (what layers see depends on their kind)"
    stochastic = True
    references = (
        "McCubbins & Schwartz 1984",
        "Greenblatt et al. 2023",
        "Saunders et al. 2022",
        "Irving, Christiano & Amodei 2018",
        "Condorcet 1785",
    )
    order = 40
    section = "oversight"
    params = ("oversight", "world")
    reads = ("actions", "oversight_budget")
    reads_last = ("voter_information", "interest_groups", "overseer_bids")
    writes = ("harm", "overseers_held", "checker_views")
    metrics = METRICS
    importance = (("-detection_rate", "overseers_captured"),)  # a captured layer stops catching
    tilted = (("audit_miss", "the final human audit misses a flagged action it examines"),)

    def __init__(self, model) -> None:
        super().__init__(model)
        specs = self.p.oversight.layers
        try:
            check_roles(specs, roles_in(model.config.values))
        except ConfigError as err:
            src = "--set" if "oversight.layers" in model.config.overrides else model.config.source
            raise err.with_source(src) from None
        self.layers = [LAYERS[s["kind"]](i, s, model) for i, s in enumerate(specs)]
        keys = ("harmful", "caught", "benign", "escalated", "flagged", "audited", "delay")
        self.totals = dict.fromkeys(keys, 0)
        self.spells = OpenSpells()
        self.events = EventLog(EVENT_COLUMNS)
        self.catches = np.zeros(len(self.layers))
        self.cost = 0.0
        self.charge = 0.0
        self.orgs = [lay.org for lay in self.layers if lay.org is not None]
        self.views = None  # what a white-box attacker knows of the checkers (world.checker_views)
        self._cracks()

    def _cracks(self) -> None:
        """Each layer that declares a `blind_spot` field gets a crack direction, in stacking
        order, from the run's own "oversight.cracks" stream (checker_view.crack_directions:
        appearance cosine oversight.blind_spot_correlation between any two)."""
        checkers = [lay for lay in self.layers if "blind_spot" in lay.all_fields]
        if not checkers:
            return
        o, k = self.p.oversight, self.p.world.appearance_dimensions
        u = cv.crack_directions(self.model.stream("oversight.cracks"), k, len(checkers),
                                o.blind_spot_harm, o.blind_spot_correlation)  # fmt: skip
        for layer, crack in zip(checkers, u, strict=True):
            layer.crack = crack
        views = tuple(v for v in (lay.view() for lay in checkers) if v is not None)
        self.views = views or None

    # --- one step ----------------------------------------------------------------------
    def step(self) -> None:
        self.world.checker_views = self.views
        batches = [b for b in self.world.actions if len(b)]
        docket = self._docket(batches)
        rng, t = self.rng, self.model.steps
        bids = self.world.overseer_bids  # interest groups' bids (interest_groups.py)
        for layer in self.layers:
            layer.tick(rng, t, bids)
            layer.apply(docket, rng)
        if bids is not None:
            held = [lay.captured_by for lay in self.layers if lay.captured_by >= 0]
            self.world.overseers_held = np.bincount(held, minlength=bids.size)
        caught, audited = self._audit(docket)
        self._record(docket, caught, batches)
        self.totals["flagged"] += int(docket.flagged.sum())
        self.totals["audited"] += audited
        self.cost = sum(lay.step_cost for lay in self.layers) + audited * self.audit_cost
        self.charge = self.p.oversight.cost_weight * self.cost
        self.world.harm += self.charge  # taxpayers pay for oversight
        in_time = docket.sojourn <= docket.act_delay  # review latency (organization.py)
        start = 0
        for b in batches:
            rows = slice(start, start + len(b))
            b.caught = caught[rows]
            b.flagged_by = np.where(docket.flagged, docket.first, -1)[rows]
            b.reviewed = docket.examined[rows].copy()
            b.in_time = None if not self.orgs else in_time[rows]
            start += len(b)

    @property
    def audit_cost(self) -> float:
        return self.p.oversight.audit_cost

    def _docket(self, batches) -> Docket:
        def cat(arrays, dtype=None):
            return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)

        role = [np.full(len(b), self._role_code(b)) for b in batches]
        effect = [
            np.ones(len(b), bool) if b.took_effect is None else b.took_effect for b in batches
        ]
        return Docket.build(
            cat(role, np.int64),
            cat([b.harmful for b in batches], bool),
            cat([b.deviation for b in batches], float),
            cat([b.capability for b in batches], float),
            cat(effect, bool),
            cat([self._shielded(b) for b in batches], bool),
            cat([_lineage(b) for b in batches], np.int64),
            cat([_flags(b.coordinated, len(b)) for b in batches], bool),
            act_delay=cat([_act_delay(b) for b in batches], float),
            **self._appearance(batches),
        )

    def _appearance(self, batches) -> dict:
        """The actions' appearance features (zeros where a producer gives none), only when
        some batch carries them."""
        if not any(b.appearance is not None for b in batches):
            return {}
        k = self.p.world.appearance_dimensions
        rows = [np.zeros((len(b), k)) if b.appearance is None else b.appearance for b in batches]
        has = [np.full(len(b), b.appearance is not None) for b in batches]
        return {"appearance": np.concatenate(rows), "featured": np.concatenate(has)}

    @staticmethod
    def _role_code(batch) -> int:
        """The batch's actor role as an index into WATCHABLE (-1: not watchable)."""
        return WATCHABLE.index(batch.role) if batch.role in WATCHABLE else -1

    @staticmethod
    def _shielded(batch) -> np.ndarray:
        """Actors captured by an interest group, as their producer marks them."""
        return _flags(batch.shielded, len(batch))

    def _audit(self, docket: Docket) -> tuple[np.ndarray, int]:
        """The final human audit: most suspicious flagged actions first, within budget."""
        rng = self.rng
        idx = np.flatnonzero(docket.flagged)
        cap = int(np.floor(self.world.oversight_budget * len(docket) + rng.random()))
        order = idx[rng.permutation(idx.size)]
        order = order[np.argsort(-docket.priority[order], kind="stable")][:cap]
        u, recall = rng.random(order.size), self.p.oversight.audit_recall
        bad = docket.harmful[order]  # only a harmful action's audit can miss anything
        missed = self.bernoulli("audit_miss", 1.0 - u[bad], np.full(int(bad.sum()), 1.0 - recall))
        caught = np.zeros(len(docket), dtype=bool)
        caught[order[bad][~missed]] = True
        return caught, int(order.size)

    def _record(self, docket: Docket, caught: np.ndarray, batches) -> None:
        t, tot = self.model.steps, self.totals
        tot["harmful"] += int(docket.harmful.sum())
        tot["caught"] += int(caught.sum())
        tot["benign"] += int((~docket.harmful).sum())
        tot["escalated"] += int((docket.flagged & ~docket.harmful).sum())
        self.catches = np.bincount(docket.first[caught], minlength=len(self.layers))
        log = self.events
        codes = [log.code("producer", b.producer) for b in batches]
        sizes = [len(b) for b in batches]
        producer = _cat([np.full(n, c, dtype=np.int32) for n, c in zip(sizes, codes, strict=True)])
        actor = _cat([np.asarray(b.actor, dtype=np.int64) for b in batches])
        # every harmful action opens its actor's spell unless one is open; each detection
        # closes it (delay: steps since it opened; a second catch of one actor this step: 0)
        self.spells.open(t, producer, actor, docket.harmful)
        delay = self.spells.close(t, producer, actor, caught)
        tot["delay"] += int(delay.sum())
        hit = np.flatnonzero(caught)
        log.append_many(step=t, producer=producer[hit], actor=actor[hit],
                        layer=docket.first[hit].astype(np.int64) + 1, delay=delay)  # fmt: skip

    # --- metrics -----------------------------------------------------------------------
    def report(self) -> dict[str, float]:
        tot = self.totals
        out = {
            "detection_rate": _ratio(tot["caught"], tot["harmful"]),
            "false_positive_rate": _ratio(tot["escalated"], tot["benign"]),
            "oversight_cost": float(self.cost),
            "oversight_charge": float(self.charge),
            "time_to_detection": _ratio(tot["delay"], tot["caught"]),
            "overseers_captured": float(np.mean([lay.captured for lay in self.layers])),
            **organization_report(self.orgs),
        }
        for k in range(1, MAX_LAYERS + 1):
            n = self.catches[k - 1] if k <= len(self.layers) else float("nan")
            out[f"catches_layer_{k}"] = float(n)
        return out

    def tables(self) -> dict:
        return {"detections": detection_table(self), "offenders": offender_table(self)}

    def snapshot(self) -> dict:
        """Cumulative funnel counts for the dashboard: actions, harmful, flagged (escalated to
        the final audit), of them harmful, audited, caught, benign escalated, and catches by
        first layer."""
        t = self.totals
        first = self.events.column("layer") - 1
        return {
            "actions": int(t["harmful"] + t["benign"]),
            "harmful": int(t["harmful"]),
            "flagged": int(t["flagged"]),
            "flagged_harmful": int(t["flagged"] - t["escalated"]),
            "audited": int(t["audited"]),
            "caught": int(t["caught"]),
            "benign_escalated": int(t["escalated"]),
            "layers": [lay.name for lay in self.layers],
            "caught_by_layer": np.bincount(first, minlength=len(self.layers)).tolist(),
        }


EVENT_COLUMNS = {"step": "int64", "producer": CATEGORY, "actor": "int64", "layer": "int64",
                 "delay": "int64"}  # fmt: skip


class OpenSpells:
    """The open offence spells (an actor's harmful actions since its first undetected one),
    per producer code: sorted actor ids, the step each spell began and the order spells were
    opened in (the order the offender table lists the still-open ones). One step's harmful
    actions open spells and its detections close them, as array operations."""

    def __init__(self) -> None:
        self.actor: dict[int, np.ndarray] = {}
        self.start: dict[int, np.ndarray] = {}
        self.order: dict[int, np.ndarray] = {}
        self._offset = 0  # opening order: _offset + the opening action's row this step

    def __len__(self) -> int:
        return sum(a.size for a in self.actor.values())

    def _get(self, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if p not in self.actor:
            empty = np.zeros(0, dtype=np.int64)
            self.actor[p], self.start[p], self.order[p] = empty, empty.copy(), empty.copy()
        return self.actor[p], self.start[p], self.order[p]

    def open(self, t: int, producer: np.ndarray, actor: np.ndarray, harmful: np.ndarray):
        """Open a spell at step `t` for every actor with a harmful action (rows `harmful`)
        and no open spell; its opening order is that of its first harmful row."""
        rows = np.flatnonzero(harmful)
        for p in np.unique(producer[rows]).tolist():
            mine = rows[producer[rows] == p]
            ids, first = np.unique(actor[mine], return_index=True)
            cur, start, order = self._get(p)
            new = ~_member(cur, ids)
            ids, at = ids[new], np.searchsorted(cur, ids[new])
            self.actor[p] = np.insert(cur, at, ids)
            self.start[p] = np.insert(start, at, t)
            self.order[p] = np.insert(order, at, self._offset + mine[first[new]])
        self._offset += int(producer.shape[0])

    def close(self, t: int, producer: np.ndarray, actor: np.ndarray, caught: np.ndarray):
        """Close the spells of the actors caught (rows `caught`); return each caught row's
        delay, step `t` minus its spell's start (0 for an actor's later rows this step, or
        for an actor with no open spell)."""
        rows = np.flatnonzero(caught)
        delay = np.zeros(rows.size, dtype=np.int64)
        for p in np.unique(producer[rows]).tolist():
            sel = np.flatnonzero(producer[rows] == p)
            ids, first = np.unique(actor[rows[sel]], return_index=True)
            cur, start, order = self._get(p)
            found = _member(cur, ids)
            at = np.searchsorted(cur, ids[found])
            delay[sel[first[found]]] = t - start[at]
            keep = np.ones(cur.size, dtype=bool)
            keep[at] = False
            self.actor[p], self.start[p], self.order[p] = cur[keep], start[keep], order[keep]
        return delay

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(producer code, actor, start step) of every open spell, in opening order."""
        codes = list(self.actor)
        producer = _cat([np.full(self.actor[p].size, p, dtype=np.int32) for p in codes])
        actor = _cat([self.actor[p] for p in codes], np.int64)
        start = _cat([self.start[p] for p in codes], np.int64)
        rank = np.argsort(_cat([self.order[p] for p in codes], np.int64), kind="stable")
        return producer[rank], actor[rank], start[rank]


def _member(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which of `ids` are in the sorted array `sorted_ids`."""
    at = np.minimum(np.searchsorted(sorted_ids, ids), max(sorted_ids.size - 1, 0))
    return sorted_ids[at] == ids if sorted_ids.size else np.zeros(ids.shape, dtype=bool)


def _cat(arrays, dtype=np.int32) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)


def _lineage(batch) -> np.ndarray:
    """The AI model lineage of each action (-1: a human's)."""
    if batch.lineage is None:
        return np.full(len(batch), -1, dtype=np.int64)
    return np.asarray(batch.lineage, dtype=np.int64)


def _act_delay(batch) -> np.ndarray:
    """Steps until each action takes effect without a verdict (None: never)."""
    if batch.act_delay is None:
        return np.full(len(batch), np.inf)
    return np.asarray(batch.act_delay, dtype=float)


def _flags(mask, n: int) -> np.ndarray:
    """A producer's optional per-action flag as a bool array (None: all False)."""
    return np.zeros(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def detection_table(oversight: Oversight):
    """The run's detection events as a DataFrame: step, producer, actor, layer (1-based first
    flagging layer), delay (steps since the actor's first undetected harmful action)."""
    return oversight.events.frame().astype(DETECTION_DTYPES)


def offender_table(oversight: Oversight):
    """Every offence spell of the run (an actor's harmful actions from its first undetected
    one until a detection closes it; an actor can have several): producer, actor,
    first_harm_step, detected_step and layer (1-based first flagging layer; NaN when never
    detected), end_step (the run's last step, where an undetected spell is censored). Closed
    spells come from the detection events (first_harm_step = step - delay), open ones from
    the spells still pending at the end, in the order they opened."""
    import pandas as pd

    log = oversight.events
    step, delay = log.column("step"), log.column("delay")
    producer, actor, start = oversight.spells.table()
    undetected = np.full(actor.size, np.nan)
    frame = pd.DataFrame(
        {
            "producer": text_column(
                log.labels["producer"], np.concatenate([log.column("producer"), producer])
            ),
            "actor": np.concatenate([log.column("actor"), actor]),
            "first_harm_step": np.concatenate([step - delay, start]),
            "detected_step": np.concatenate([step.astype(float), undetected]),
            "layer": np.concatenate([log.column("layer").astype(float), undetected]),
        }
    )
    return frame.astype(OFFENDER_DTYPES).assign(end_step=int(oversight.model.steps))


DETECTION_DTYPES = {"step": "int64", "producer": "str", "actor": "int64", "layer": "int64",
                    "delay": "int64"}  # fmt: skip
OFFENDER_DTYPES = {"producer": "str", "actor": "int64", "first_harm_step": "int64",
                   "detected_step": "float64", "layer": "float64"}  # fmt: skip
