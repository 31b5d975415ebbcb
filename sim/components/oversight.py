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
Detection events (step, producer, actor, first layer, delay) accumulate in `events`;
`detection_table(oversight)` returns them as a DataFrame and `offender_table(oversight)` every
offence spell, detected or not (for censored survival analysis).
Disabled when `oversight.layers` is empty (the default).
"""

from __future__ import annotations

import numpy as np

from sim.components.base import Component, Metric
from sim.errors import ConfigError
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
        self.spells: dict[tuple[str, int], int] = {}
        self.events: list[dict] = []
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
        names = [b.producer for b in batches]
        code = np.concatenate([np.full(len(b), j) for j, b in enumerate(batches)] or [[]])
        actor = np.concatenate([b.actor for b in batches] or [[]]).astype(np.int64)
        for key in zip(code[docket.harmful].tolist(), actor[docket.harmful].tolist(), strict=True):
            self.spells.setdefault((names[key[0]], key[1]), t)
        for i in np.flatnonzero(caught).tolist():
            key = (names[int(code[i])], int(actor[i]))
            delay = t - self.spells.pop(key, t)  # a second catch of one actor this step: 0
            tot["delay"] += delay
            self.events.append(
                {"step": t, "producer": key[0], "actor": key[1],
                 "layer": int(docket.first[i]) + 1, "delay": delay}
            )  # fmt: skip

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
        first = [e["layer"] - 1 for e in self.events]
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
    import pandas as pd

    columns = ["step", "producer", "actor", "layer", "delay"]
    frame = pd.DataFrame(oversight.events, columns=columns)
    return frame.astype({"step": "int64", "producer": "str", "actor": "int64",
                         "layer": "int64", "delay": "int64"})  # fmt: skip


def offender_table(oversight: Oversight):
    """Every offence spell of the run (an actor's harmful actions from its first undetected
    one until a detection closes it; an actor can have several): producer, actor,
    first_harm_step, detected_step and layer (1-based first flagging layer; NaN when never
    detected), end_step (the run's last step, where an undetected spell is censored). Closed
    spells come from the detection events (first_harm_step = step - delay), open ones from
    the spells still pending at the end."""
    import pandas as pd

    closed = detection_table(oversight)
    rows = pd.DataFrame(
        {
            "producer": closed["producer"],
            "actor": closed["actor"],
            "first_harm_step": closed["step"] - closed["delay"],
            "detected_step": closed["step"].astype(float),
            "layer": closed["layer"].astype(float),
        }
    )
    spells = list(oversight.spells.items())
    open_ = pd.DataFrame(
        {
            "producer": pd.Series([k[0] for k, _ in spells], dtype="str"),
            "actor": pd.Series([k[1] for k, _ in spells], dtype="int64"),
            "first_harm_step": pd.Series([t for _, t in spells], dtype="int64"),
            "detected_step": np.nan,
            "layer": np.nan,
        }
    )
    out = pd.concat([rows, open_], ignore_index=True) if len(open_) else rows
    return out.astype(OFFENDER_DTYPES).assign(end_step=int(oversight.model.steps))


OFFENDER_DTYPES = {"producer": "str", "actor": "int64", "first_harm_step": "int64",
                   "detected_step": "float64", "layer": "float64"}  # fmt: skip
