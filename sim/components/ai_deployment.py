"""AI deployment: AI agents do tasks inside the institution under an autonomy ramp, a KL budget
against a known-safe policy and the lab's control protocol (Greenblatt et al. 2023).

Each step (order 30, before oversight):
  1. resolve last step's actions, whose `caught` oversight has filled: a harmful action caught
     by the lab's audit or by oversight is an incident (autonomy falls; `on_detection`); held
     actions (not taken before review) that were neither blocked nor deferred take effect now
     (and so do those caught by a review that ended after their `act_delay`),
     adding `ai_agents.harm` per harmful one to world.harm; schemers learn how often their own
     lineage's held attacks are stopped; clean steps raise autonomy (sim/mechanisms/autonomy.py);
  2. each active agent takes `tasks_per_step` actions: a share (its autonomy) takes effect
     before review; schemers decide whether to attack and every action draws its features
     under its kind's KL-budgeted policy, catastrophic iff they fall in the catastrophe region
     (sim/mechanisms/scheming.py, kl_budget.py);
  3. the lab protocol audits and defers (control.Protocol.screen); harmful actions taken before
     review take effect at once (world.harm);
  4. the actions go to oversight as an ActionBatch (producer "ai_deployment", `took_effect` =
     taken before review, `lineage` = the model that produced each action); deferred or
     blocked actions appear as the trusted model's benign replacement.

Model lineages: each alignment kind is its own model lineage (`ActionBatch.lineage` = the kind's
index in scheming.KINDS). Alignment is a property of the trained weights, so agents of different
kinds cannot be copies of one model, while all agents of one kind are instances of one model:
they recognize each other's coordinated attacks (an untrusted monitor of that lineage colludes
on them) and pool what they observe (schemers learn only from their own lineage's held attacks).
The upfront-audit window is a share of the run's horizon (`model.horizon`), not of the
scenario's `steps`.
Disabled when `ai_agents.count` is 0 (the default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents_ai import AIState
from sim.components.base import ActionBatch, Component, Metric
from sim.mechanisms import autonomy, control, scheming
from sim.mechanisms.signal_detection import discriminability


@dataclass
class Pending:
    """Last step's actions, awaiting oversight's verdict."""

    slot: np.ndarray
    harmful: np.ndarray  # as drawn, before the protocol
    attack: np.ndarray  # a scheming agent's deliberate attack (the event-tilted policy)
    autonomous: np.ndarray  # took effect before review
    lab_caught: np.ndarray  # audited by the lab and harmful
    replaced: np.ndarray  # deferred, or blocked by the lab: the trusted model's work instead
    lab_reviewed: np.ndarray  # the lab's protocol examined it (monitor scores or an audit)
    batch: ActionBatch

    def waited(self) -> np.ndarray:
        """Held actions that waited for a review that happened (the lab's or oversight's)."""
        seen = self.batch.reviewed
        reviewed = self.lab_reviewed | (np.zeros_like(self.harmful) if seen is None else seen)
        return ~self.autonomous & reviewed

    def verdict(self) -> tuple[np.ndarray, np.ndarray]:
        """(caught by anyone, took effect): a held action takes effect unless caught in time
        (oversight's `in_time`: its review ended within act_delay; a late catch still counts
        as caught, for the sanction, but its harm happened)."""
        oc, on_time = self.batch.caught, self.batch.in_time
        caught = self.lab_caught | (np.zeros_like(self.harmful) if oc is None else oc)
        late = np.zeros_like(self.harmful) if on_time is None else ~on_time
        return caught, ~self.replaced & (self.autonomous | ~caught | late)


class AIDeployment(Component):
    name = "ai_deployment"
    role = "AI agents do tasks under an autonomy ramp, a KL budget and a control protocol"
    observes = "oversight's catches of last step's actions; the lab's audits and monitor"
    stochastic = True
    references = (
        "Greenblatt et al. 2023",
        "Hubinger et al. 2019",
        "Gao, Schulman & Hilton 2022",
        "Shavit et al. 2023",
    )
    order = 30
    section = "ai_agents"
    params = ("ai_agents",)
    writes = ("harm", "actions")
    metrics = (
        Metric("catastrophes", "actions", "Harmful AI actions that took effect undetected, "
               "cumulative since the start (this step's held ones counted when not caught)."),
        Metric("safety", "share", "Share of deployment slots that have not caused a "
               "catastrophe so far (Greenblatt et al.'s safety, per slot)."),
        Metric("usefulness", "share", "This step's tasks done by the AI agents' own accepted "
               "work (1 each; 1 - review_delay_cost if it waited for a review that took place: the "
               "lab's monitor or audit, or an oversight layer that examined it; 0 "
               "if deferred, blocked or done by the trusted model after a shutdown); NaN at "
               "step 0.",
               may_be_nan=True),
        Metric("autonomy", "share", "Mean autonomy of the active agents (NaN when all are "
               "shut down).", may_be_nan=True),
        *(
            Metric(f"autonomy_{k}", "share", f"Mean autonomy of the active {k} agents (NaN "
                   f"when there are none).", may_be_nan=True)
            for k in scheming.KINDS
        ),
        *(
            Metric(f"harmful_share_{k}", "share", f"Share of this step's actions by {k} agents "
                   f"that are harmful as drawn (NaN when there are none).", may_be_nan=True)
            for k in scheming.KINDS
        ),
        Metric("ai_incidents", "actions", "Harmful AI actions caught (by the lab or by "
               "oversight), cumulative."),
        Metric("ai_harm", "utility", "Welfare lost this step to harmful AI actions taking "
               "effect (the part of world.harm this component adds)."),
        Metric("ai_harmful_share", "share", "Share of this step's AI actions that are "
               "harmful as drawn (before the protocol)."),
    )  # fmt: skip

    def __init__(self, model) -> None:
        super().__init__(model)
        c = self.p.ai_agents
        kinds = (c.alignment,) if isinstance(c.alignment, str) else c.alignment
        codes = np.array([scheming.KINDS.index(kinds[i % len(kinds)]) for i in range(c.count)])
        self.state = AIState.new(codes, c.capability, c.initial_autonomy)
        self.protocol = self._protocol()
        self.pending: Pending | None = None
        self.counts = dict.fromkeys(("catastrophes", "incidents"), 0)
        # per lineage: held harmful attacks, and those stopped before taking effect
        self.attacks_held = np.zeros(len(scheming.KINDS), dtype=np.int64)
        self.attacks_stopped = np.zeros(len(scheming.KINDS), dtype=np.int64)
        self.step_harm = 0.0

    def _protocol(self) -> control.Protocol:
        """The lab's protocol; an untrusted monitor is a copy of the agents (their capability)."""
        c = self.p.ai_agents
        untrusted = c.protocol == "untrusted_monitoring"
        monitor = c.capability if untrusted else c.monitor_capability
        d0, k = c.monitor_discriminability, c.gap_sensitivity
        dprime = float(discriminability(d0, c.capability, monitor, k))
        collusion = c.collusion if untrusted else 0.0
        return control.Protocol(c.protocol, c.audit_budget, c.defer_threshold, dprime, collusion)

    # --- one step ----------------------------------------------------------------------
    def step(self) -> None:
        self.step_harm = 0.0
        self._resolve()
        self._act()

    def _harm(self, n: int) -> None:
        h = self.p.ai_agents.harm * n
        self.step_harm += h
        self.world.harm += h

    def _resolve(self) -> None:
        p, s = self.pending, self.state
        if p is None:
            return
        caught, effective = p.verdict()
        held = p.harmful & ~p.autonomous
        self._harm(int((held & effective).sum()))
        undetected = p.harmful & effective & ~caught
        self.counts["catastrophes"] += int(undetected.sum())
        s.catastrophe[p.slot[undetected]] = True
        self.counts["incidents"] += int((p.harmful & caught).sum())
        lineage, attacks = s.kind[p.slot], held & p.attack
        self.attacks_held += np.bincount(lineage[attacks], minlength=len(scheming.KINDS))
        stopped = lineage[attacks & ~effective]
        self.attacks_stopped += np.bincount(stopped, minlength=len(scheming.KINDS))
        incident = np.zeros(s.kind.shape[0], dtype=bool)
        incident[p.slot[p.harmful & caught]] = True
        c = self.p.ai_agents
        s.autonomy[:], s.clean[:] = autonomy.ramp(
            s.autonomy,
            s.clean,
            incident,
            c.autonomy_step,
            c.review_window,
            c.incident_penalty,
            c.max_autonomy,
        )
        self._sanction(incident)

    def _sanction(self, incident: np.ndarray) -> None:
        rule, s = self.p.ai_agents.on_detection, self.state
        if rule == "demote" or not incident.any():
            return
        hit = np.flatnonzero(incident & s.active)
        if rule == "shutdown_all":
            hit = np.flatnonzero(s.active)
        if rule == "replace":  # a fresh instance, with a new actor id, starts from scratch
            s.autonomy[hit], s.clean[hit] = self.p.ai_agents.initial_autonomy, 0
            s.ids[hit] = s.ids.max() + 1 + np.arange(hit.size)
        else:
            s.active[hit] = False

    def _act(self) -> None:
        s, c, rng = self.state, self.p.ai_agents, self.rng
        slots = np.repeat(np.flatnonzero(s.active), c.tasks_per_step)
        kind, a = s.kind[slots], s.autonomy[slots]
        first = autonomy.takes_effect_first(rng, a)
        belief = scheming.detection_belief(self.attacks_stopped[kind], self.attacks_held[kind])
        attack = scheming.attacking(kind, a, belief, c.risk_tolerance)
        harmful = scheming.act(
            rng, kind, attack, c.base_harm_rate, c.kl_budget, c.feature_dimensions
        )
        # the lab's untrusted monitor is a copy of each action's own model: only a scheming
        # copy colludes, and only on its lineage's coordinated attacks
        colluding = attack & (rng.random(slots.size) < self.protocol.collusion)
        audited, deferred = self.protocol.screen(
            rng, harmful, self.model.steps, self.model.horizon, colluding
        )
        lab_caught = audited & harmful
        lab_reviewed = audited | np.full(slots.size, self.protocol.monitored)
        replaced = (deferred | lab_caught) & ~first
        self._harm(int((harmful & first).sum()))
        out = harmful & ~replaced
        dev = scheming.deviation(kind, out, c.kl_budget, c.visibility)
        batch = ActionBatch(
            producer=self.name,
            actor=s.ids[slots],
            deviation=np.where(replaced, 0.0, dev),
            harmful=out,
            capability=s.capability[slots],
            took_effect=first,
            lineage=kind.copy(),
            role="ai_agent",
            coordinated=attack & out,  # a deliberate attack, recognizable by its siblings
            act_delay=np.where(first, 0.0, c.act_delay),
        )
        self.world.actions.append(batch)
        self.pending = Pending(
            slots, harmful, attack, first, lab_caught, replaced, lab_reviewed, batch
        )

    # --- metrics -----------------------------------------------------------------------
    def report(self) -> dict[str, float]:
        s, p = self.state, self.pending
        bad = s.catastrophe.copy()
        new, useful, harmful_share = 0, 0.0, 0.0
        by_kind = dict.fromkeys((f"harmful_share_{k}" for k in scheming.KINDS), float("nan"))
        if p is not None and p.slot.size:
            kind = s.kind[p.slot]
            for i, k in enumerate(scheming.KINDS):
                by_kind[f"harmful_share_{k}"] = _mean(p.harmful.astype(float), kind == i)
            caught, effective = p.verdict()
            undetected = p.harmful & effective & ~caught
            new = int(undetected.sum())
            bad[p.slot[undetected]] = True
            delay = self.p.ai_agents.review_delay_cost * p.waited()
            useful = float(np.sum(np.where(effective, 1.0 - delay, 0.0)))
            harmful_share = float(p.harmful.mean())
        tasks = s.kind.shape[0] * self.p.ai_agents.tasks_per_step
        return {
            "catastrophes": float(self.counts["catastrophes"] + new),
            "safety": float(1.0 - bad.mean()),
            "usefulness": useful / tasks if p is not None else float("nan"),
            "autonomy": _mean(s.autonomy, s.active),
            **{
                f"autonomy_{k}": _mean(s.autonomy, s.active & (s.kind == i))
                for i, k in enumerate(scheming.KINDS)
            },
            "ai_incidents": float(self.counts["incidents"] + self._new_incidents()),
            "ai_harm": float(self.step_harm),
            "ai_harmful_share": harmful_share,
            **by_kind,
        }

    def snapshot(self) -> dict:
        """Per-slot state for the dashboard: alignment kind, autonomy, whether active, and
        whether the slot has caused a catastrophe."""
        s = self.state
        return {
            "alignment": [scheming.KINDS[k] for k in s.kind],
            "autonomy": s.autonomy.tolist(),
            "active": s.active.tolist(),
            "catastrophe": s.catastrophe.tolist(),
        }

    def _new_incidents(self) -> int:
        if self.pending is None:
            return 0
        caught, _ = self.pending.verdict()
        return int((self.pending.harmful & caught).sum())


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    return float(values[mask].mean()) if mask.any() else float("nan")
