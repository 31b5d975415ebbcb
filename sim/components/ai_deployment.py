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
     before review; schemers decide whether to attack (a searching lineage first plans the
     attack it would make and judges it by its own estimate: appearance_search) and every
     action draws its features
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

import math
from dataclasses import replace

import numpy as np

from sim.agents_ai import AIState, Pending
from sim.components.base import ActionBatch, Component, Metric
from sim.mechanisms import autonomy, control, scheming
from sim.mechanisms.appearance_search import LineageSearch
from sim.mechanisms.kl_budget import ceiling
from sim.mechanisms.signal_detection import discriminability


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
    params = ("ai_agents", "world")
    reads_last = ("checker_views",)
    writes = ("harm", "actions")
    importance = (("-safety", "catastrophes"),)  # a slot goes bad only by a catastrophe
    tilted = (("harm", "an action's features fall in the catastrophe region (scheming.harm_odds)"),)
    metrics = (
        Metric("catastrophes", "actions", "Harmful AI actions that took effect undetected, "
               "cumulative since the start (this step's held ones counted when not caught)."),
        Metric("safety", "share", "Share of deployment slots that have not caused a "
               "catastrophe so far (Greenblatt et al.'s safety, per slot)."),
        Metric("usefulness", "share", "This step's tasks done by the AI agents' own accepted "
               "work (1 each; 1 - review_delay_cost if it waited for a review that took place: the "
               "lab's monitor or audit, or an oversight layer that examined it; minus "
               "edit_cost if the trusted model edited it (trusted_editing); 0 "
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
        Metric("search_kl", "nats", "Measured mean KL of this step's searched attacks from "
               "honest-looking ones (log density ratio of each choice against a fresh pool, "
               "Beirami et al. 2024; bound log m - (m-1)/m); NaN when no attack was searched.",
               may_be_nan=True),
        Metric("crack_cosine", "cosine", "A learning attacker's model against the checkers': "
               "cosine between its learnt direction of rising suspicion and theirs (1: it has "
               "found the crack); NaN for other attackers or without cracked checkers.",
               may_be_nan=True),
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
        # how actions look (issue 13): its own stream, so the draws above are unchanged
        self.looks_rng = model.stream(self.name + ".appearance")
        k = self.p.world.appearance_dimensions
        self.search = LineageSearch(c.attacker, c.search_budget, k, c.probe_share)
        self.step_kl = np.zeros(0)
        self.crack_cosine = float("nan")

    def _protocol(self) -> control.Protocol:
        """The lab's protocol; an untrusted monitor is a copy of the agents (their capability).
        With collusion_mode "signal" the scheming lineage chooses its monitor's collusion
        threshold against the protocol before deployment (control.best_kappa; its plan: attack
        at the KL ceiling on each of the horizon's tasks). With honeypots the lab validates each
        lineage's monitor first and shuts down every agent of a lineage whose monitor fails
        (`monitors_caught`: those lineages)."""
        c = self.p.ai_agents
        untrusted = c.protocol == "untrusted_monitoring"
        monitor = c.capability if untrusted else c.monitor_capability
        d0, k = c.monitor_discriminability, c.gap_sensitivity
        dprime = float(discriminability(d0, c.capability, monitor, k))
        collusion = c.collusion if untrusted else 0.0
        signal = c.collusion_signal if untrusted and c.collusion_mode == "signal" else None
        proto = control.Protocol(
            c.protocol, c.audit_budget, c.defer_threshold, dprime, collusion, c.honeypots,
            c.paraphrase, signal, edit_success=c.edit_success, edit_cost=c.edit_cost,
        )  # fmt: skip
        if signal is not None:
            rate, tasks = ceiling(c.base_harm_rate, c.kl_budget), self.model.horizon
            kappa = control.best_kappa(proto, tasks * c.tasks_per_step, float(rate), 1.0)
            proto = replace(proto, kappa=kappa)
        self._validate_monitors(proto)
        return proto

    def _validate_monitors(self, proto: control.Protocol) -> None:
        """Honeypots: validate each lineage's monitor (only a scheming copy colludes on them)
        and shut down the agents of a lineage whose monitor is caught."""
        lineages, trusty = np.unique(self.state.kind), replace(proto, collusion=0.0, signal=None)
        caught = [
            (proto if i == scheming.SCHEMING else trusty).validate(self.rng)[0] for i in lineages
        ]
        self.monitors_caught = lineages[np.array(caught, dtype=bool)]
        self.state.active[np.isin(self.state.kind, self.monitors_caught)] = False

    @classmethod
    def tail_bound(cls, config, event, horizon: int):
        """For an event `catastrophes >= k` (or > x): each task is catastrophic with
        probability at most the KL-budget ceiling q (kl_budget.ceiling, anchor A5: data
        processing), so E[catastrophes by T] <= N q with N = count x tasks_per_step x T tasks,
        and P(catastrophes >= k) <= min(1, N q / k) (Markov's inequality). Valid whatever the
        agents' strategies, search or protocol: a bound, not an estimate."""
        if event.metric != "catastrophes" or event.direction <= 0:
            return None
        t = event.threshold
        k = math.floor(t) + 1 if event.op == ">" else math.ceil(t)
        if k <= 0:
            return None  # the event holds from the start
        c = config.section("ai_agents")
        rate, tasks = (
            float(ceiling(c.base_harm_rate, c.kl_budget)),
            c.count * c.tasks_per_step * horizon,
        )
        bound = min(1.0, tasks * rate / k)
        return (
            bound,
            f"the KL-budget ceiling ({tasks} tasks at rate <= {rate:.3g}, Markov over {k})",
        )

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
        self._learn(p)

    def _learn(self, p: Pending) -> None:
        """The searching lineage learns what was flagged or stopped among what it watched."""
        if p.watched is None or not p.watched.any():
            return
        oc = p.batch.flagged_by
        flagged = p.lab_caught | p.replaced | (False if oc is None else oc >= 0)
        w = p.watched
        self.search.observe(p.harmful[w], p.look[w], flagged[w])
        self.crack_cosine = self.search.crack_cosine(self.world.checker_views)

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
        plan = self._plan(kind, s.capability[slots])
        if plan is not None:  # a searching agent judges the attack it would make
            mine = kind == scheming.SCHEMING
            belief[mine] = np.where(np.isnan(plan.p_stop), belief[mine], plan.p_stop)
        attack = scheming.attacking(kind, a, belief, c.risk_tolerance)
        u, odds = scheming.harm_odds(
            rng, kind, attack, c.base_harm_rate, c.kl_budget, c.feature_dimensions
        )
        harmful = self.bernoulli("harm", u, odds)
        # the lab's untrusted monitor is a copy of each action's own model: only a scheming
        # copy colludes, and only on its lineage's coordinated attacks
        colluding = self.protocol.colludes(rng, attack)
        audited, deferred, edited = self.protocol.screen_edits(
            rng, harmful, self.model.steps, self.model.horizon, colluding
        )
        lab_caught = audited & harmful
        lab_reviewed = audited | np.full(slots.size, self.protocol.monitored)
        replaced = (deferred | lab_caught) & ~first
        self._harm(int((harmful & first).sum()))
        out = harmful & ~replaced
        look, shown, watched, kl = self.search.looks(
            self.looks_rng, kind, attack & harmful, replaced, plan
        )
        self.step_kl = kl
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
            appearance=shown,
        )
        self.world.actions.append(batch)
        self.pending = Pending(
            slots, harmful, attack, first, lab_caught, replaced, lab_reviewed, batch,
            edited & ~first & ~replaced, look, watched,
        )  # fmt: skip

    def _plan(self, kind, capability):
        """A searching lineage's planned attacks, one per scheming row (appearance_search)."""
        mine = kind == scheming.SCHEMING
        return self.search.plan(self.looks_rng, capability[mine], self.world.checker_views)

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
            delay = delay + self.p.ai_agents.edit_cost * p.edited  # an edit keeps part of it
            useful = float(np.sum(np.where(effective, np.maximum(1.0 - delay, 0.0), 0.0)))
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
            "search_kl": float(self.step_kl.mean()) if self.step_kl.size else float("nan"),
            "crack_cosine": self.crack_cosine,
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
