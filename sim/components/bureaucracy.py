"""The bureaucracy: the elected mandate is carried out by a hierarchy of officials
(delegation drift, deterrence, capture by interest groups, multitask gaming by implementers)
and funded through a budget-maximizing bureau's all-or-nothing offers (Niskanen 1971).
Officials and interest groups are rows of arrays (`BureauState`), not Python objects: a
111,000-office tree steps in numpy (see docs/model.md, "Agents and arrays").

Each step (order 20, after the electoral component set the mandate):
  1. sanctions for last step's actions that oversight caught (`ActionBatch.caught`; None means
     no oversight, nothing caught), and beliefs about detection learned from them;
  2. discretion drifts (sim/mechanisms/deterrence.py), free bureaucrats may be captured
     (capture.py), implementers move their effort split toward the measure (multitask.py);
  3. the mandate flows down the tree (delegation.py); world.implemented = the leaves' mean;
     world.harm += inconsistency across offices + sponsor surplus lost to the bureau;
  4. the bureaucrats' actions go to oversight as an ActionBatch (captured officials marked
     `shielded`: their group never complains about them).
Disabled when `bureaucracy.depth` is 0 (the default).
"""

from __future__ import annotations

import numpy as np
from mesa.time import Priority, Schedule

from sim.agents_bureau import AIOffices, BureauState
from sim.components.base import ActionBatch, Component, Metric
from sim.mechanisms import ai_office, capture, delegation, deterrence, multitask, niskanen

MAX_LEVELS = 5  # drift_level_1 .. drift_level_5 (NaN below the scenario's depth)

METRICS = (
    Metric("policy_drift", "policy units", "||implemented - mandate||: distance of the leaves' "
           "mean implemented policy from the mandate."),
    Metric("drift_by_level", "utility", "Drift ledger total: welfare lost to delegation, "
           "W(mandate) - W(leaf policies); the sum of drift_level_k."),
    *(
        Metric(f"drift_level_{k}", "utility", f"Welfare loss attributed to level {k} of the "
               f"chain: W(cut after level {k - 1}) - W(cut after level {k}); NaN when "
               f"bureaucracy.depth < {k}.", may_be_nan=k > 1)
        for k in range(1, MAX_LEVELS + 1)
    ),
    Metric("capture_index", "share", "Share of bureaucrats captured by an interest group."),
    Metric("capture_pull", "policy units", "Mean over interest groups of ||mandate - g|| - "
           "||implemented - g||: how far implementation moved toward the groups; NaN "
           "without interest groups.", may_be_nan=True),
    Metric("mean_discretion", "share", "Mean discretion delta of the bureaucrats."),
    Metric("unmeasured_effort", "share", "Implementers' mean effort share per unmeasured "
           "dimension (1/d when undistorted); NaN when every dimension is measured.",
           may_be_nan=True),
    Metric("budget_slack", "surplus units", "Bureau budget minus the cost of its output, B - cQ."),
    Metric("bureau_output", "output units", "Output Q the bureau delivers this budget round."),
    Metric("efficient_output", "output units", "Sponsor's efficient output Q* = argmax V - cQ."),
    Metric("bureaucracy_harm", "utility", "Welfare this component adds to world.harm this step: "
           "inconsistency across offices plus surplus_weight x sponsor surplus lost."),
    Metric("drift_ai_offices", "utility", "Drift ledger by staff: welfare lost to the offices "
           "AI agents staff (Shapley split of drift_by_level between AI and human offices, "
           "from cuts of this step's policies; 0 without AI offices)."),
    Metric("drift_human_offices", "utility", "Drift ledger by staff: welfare lost to the "
           "human-staffed offices; drift_ai_offices + drift_human_offices = drift_by_level."),
    Metric("ai_office_attacks", "share", "Share of scheming AI offices passing on their "
           "lineage's goal this step; NaN without scheming AI offices.", may_be_nan=True),
)  # fmt: skip


class Bureaucracy(Component):
    name = "bureaucracy"
    role = "carries out the mandate through a hierarchy of bureaucrats and a budget bureau"
    observes = "the mandate; oversight's catches of last step's actions; the voters' mean ideal"
    stochastic = True
    references = (
        "Downs 1967",
        "Niskanen 1971",
        "Holmstrom & Milgrom 1991",
        "Zhuang & Hadfield-Menell 2020",
        "Stigler 1971",
        "Becker 1968",
    )
    order = 20
    metrics = METRICS
    importance = (("capture_pull", "capture_index"),)  # only captured officials pull
    tilted = (("capture", "a free official is captured by an interest group this step"),)
    section = "bureaucracy"
    params = ("bureaucracy", "world")
    reads = ("mandate", "welfare_optimum")
    reads_last = ("capture_bids",)  # interest groups' bids (interest_groups.py); None: none
    reads_last += ("appointed_share", "sanction_severity")  # the government's levers
    writes = ("implemented", "harm", "actions", "interest_groups", "officials_held")
    writes += ("group_positions",)  # the groups' ideals, for their campaign giving

    def __init__(self, model) -> None:
        super().__init__(model)
        c, d = self.p.bureaucracy, self.p.world.dimensions
        self.tree = delegation.build_tree(c.depth, c.branching)
        self.state = self._initial_state(d)
        self._init_groups(d)
        self._init_multitask(d)
        self._init_bureau()
        self.ai = self._init_ai(d)
        self.world.interest_groups = c.interest_groups
        self._implement()
        self.batch: ActionBatch | None = (
            None  # the step-0 state was never reviewed: nothing to learn from it
        )
        model.schedule_recurring(
            self.budget_round,
            Schedule(
                interval=self.p.bureaucracy.budget_cycle, start=self.p.bureaucracy.budget_cycle
            ),
            priority=Priority.DEFAULT,
        )

    # --- set-up ------------------------------------------------------------------------
    def _draw_ideals(self, n: int, d: int) -> np.ndarray:
        ideal = self.p.bureaucracy.ideal_spread * self.rng.standard_normal((n, d))
        ideal[:, 0] += self.p.bureaucracy.culture
        return ideal

    def _initial_state(self, d: int) -> BureauState:
        c, n, leaves = self.p.bureaucracy, self.tree.size, self.tree.branching**self.tree.depth
        return BureauState(
            ideal=self._draw_ideals(n, d),
            discretion=np.full(n, c.initial_discretion),
            belief=np.full(n, c.prior_detection),
            captured_by=np.full(n, capture.FREE, dtype=np.int64),
            ids=np.arange(n, dtype=np.int64),
            effort=np.full((leaves, d), 1.0 / d),
            received=np.zeros((n, d)),
            output=np.zeros((n, d)),
        )

    def _init_groups(self, d: int) -> None:
        """Interest groups: a position each and equal influence (rows of arrays)."""
        c = self.p.bureaucracy
        self.group_pos = capture.random_positions(c.interest_groups, d, c.group_distance, self.rng)
        self.world.group_positions = self.group_pos.copy()
        self.influence = np.ones(c.interest_groups)
        self.lobby_w = capture.lobby_weights(self.tree.leaves_below, c.lobby_target)

    def _init_multitask(self, d: int) -> None:
        c = self.p.bureaucracy
        self.measured = np.arange(d) < c.measured_dimensions
        self.incentive = multitask.single_task_incentive(
            c.risk_aversion, c.effort_cost, c.measurement_noise
        )
        w = multitask.allocation_weights(self.measured, self.incentive, c.motivation)
        self.target_effort = multitask.best_response(w, c.effort_floor)[0]

    def _init_bureau(self) -> None:
        c = self.p.bureaucracy
        self.sponsor = niskanen.Sponsor(c.demand_intercept, c.demand_slope)
        offer, self.efficient = niskanen.contracts(c.demand_intercept, c.demand_slope, c.unit_cost)
        self.offer = offer if c.budget_objective == "budget" else self.efficient
        self.contract = self.offer
        self.budget_round()

    # --- dynamics ----------------------------------------------------------------------
    def step(self) -> None:
        self._sanction()
        s, c = self.state, self.p.bureaucracy
        severity = self.world.sanction_severity  # the government's lever, if it has one
        severity = c.sanction_severity if severity is None else severity
        s.discretion[:] = deterrence.discretion_step(s.discretion, s.belief, c.drift_rate, severity)
        rate, influence = self._capture_offer()
        if rate > 0 and influence.size:
            h = capture.hazard(rate, self.lobby_w, s.belief)
            if self.ai is not None:  # an AI office is not captured (ai_office.py)
                h[self.ai.ai_rows] = 0.0
            s.captured_by[:] = capture.capture_step(
                s.captured_by, h, influence, self.rng, lambda u, p: self.bernoulli("capture", u, p)
            )
        held = np.bincount(s.captured_by[s.captured_by >= 0], minlength=self.influence.size)
        self.world.officials_held = held / self.tree.size
        s.effort += c.gaming_rate * (self.target_effort - s.effort)
        self._implement()
        self.world.actions.append(self.batch)
        if self.ai is not None:
            self.world.actions.append(self.ai_batch)

    def _capture_offer(self) -> tuple[float, np.ndarray]:
        """The constant capture rate and equal influence; or, when interest groups bid
        (world.capture_bids, a Tullock contest per official), the total probability that
        some bid wins an official and each group's chance (sim/mechanisms/contest.py)."""
        bids = self.world.capture_bids
        if bids is None:
            return self.p.bureaucracy.capture_rate, self.influence
        return float(bids.sum()), bids

    def _sanction(self) -> None:
        """Apply last step's catches: learn the detection rate, then reset/remove/fine."""
        b, s = self.batch, self.state
        if b is None:
            return
        rows, harmful = self._human_rows(), np.zeros(self.tree.size, dtype=bool)
        caught = np.zeros(self.tree.size, dtype=bool)
        harmful[rows] = b.harmful
        caught[rows] = False if b.caught is None else np.asarray(b.caught, bool)
        caught |= self._sanction_ai()
        c = self.p.bureaucracy
        s.belief[:] = deterrence.update_belief(s.belief, harmful, caught, c.learning_rate)
        if c.sanction == "reset":
            s.discretion[caught] = c.initial_discretion
        elif c.sanction == "remove":
            for node in np.flatnonzero(caught):
                self._replace(int(node))

    def _replace(self, node: int) -> None:
        """Remove the official at `node` and appoint a fresh one, with a new actor id (ends
        any capture); an AI office gets a fresh copy of its model (only a new id)."""
        s, d, c = self.state, self.state.ideal.shape[1], self.p.bureaucracy
        if self.ai is not None and self.ai.code[node] != ai_office.HUMAN:
            s.ids[node] = s.ids.max() + 1
            return
        s.ideal[node] = self._draw_ideals(1, d)[0]
        s.discretion[node] = c.initial_discretion
        s.belief[node] = c.prior_detection
        s.captured_by[node] = capture.FREE
        s.ids[node] = s.ids.max() + 1
        leaf = node - self.tree.starts[-2]
        if leaf >= 0:
            s.effort[leaf] = 1.0 / d

    def _implement(self) -> None:
        """Propagate the mandate, set the implemented policy and harm, build the batch."""
        s, world, d = self.state, self.world, self.state.ideal.shape[1]
        y = capture.effective_ideal(s.ideal, s.captured_by, self.group_pos)
        sd = self.p.bureaucracy.implementation_noise / np.sqrt(d * s.effort)
        err = sd * self.rng.standard_normal(sd.shape)
        y, discretion = self._appointees(y)
        if self.ai is None:
            s.received[:], s.output[:] = delegation.propagate(
                self.tree, world.mandate, y, discretion, err
            )
        else:
            self._propagate_ai(y, err, discretion)
        leaves = s.output[self.tree.leaves]
        self.mandate = world.mandate.copy()
        world.implemented = leaves.mean(axis=0)
        self.harm = delegation.dispersion(leaves) + self.bureau_harm()
        world.harm += self.harm
        self.batch = self._actions(y, discretion)
        if self.ai is not None:
            self.ai_batch = self._ai_actions()

    def _appointees(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The incumbent's appointees (`world.appointed_share` of the top level's human
        offices, the government's lever): each passes on its own reading of the mandate,
        mandate + N(0, appointee_error^2) per dimension (discretion 1, no agency culture, no
        capture pull): loyal, but less expert than career officials (Lewis 2008, The Politics
        of Presidential Appointments; Gailmard & Patty 2007). No lever: (y, discretion)."""
        share, s = self.world.appointed_share, self.state
        top = np.arange(self.tree.level_slice(1).stop)
        if self.ai is not None:
            top = top[self.ai.code[top] == ai_office.HUMAN]
        k = 0 if share is None else round(share * top.size)
        if k == 0:
            return y, s.discretion
        rows, d = top[:k], y.shape[1]
        y, discretion = y.copy(), s.discretion.copy()
        miss = self.p.bureaucracy.appointee_error * self.rng.standard_normal((k, d))
        y[rows], discretion[rows] = self.world.mandate + miss, 1.0
        return y, discretion

    def _actions(self, y: np.ndarray, discretion: np.ndarray) -> ActionBatch:
        """This step's actions, one row per human-staffed node; captured officials are
        `shielded` (a group never reports its own official)."""
        s, c, r = self.state, self.p.bureaucracy, self._human_rows()
        intended = discretion[r] * np.linalg.norm(y[r] - s.received[r], axis=1)
        captured = s.captured_by[r] != capture.FREE
        return ActionBatch(
            producer=self.name,
            actor=s.ids[r],
            deviation=np.linalg.norm(s.output[r] - s.received[r], axis=1),
            harmful=(intended > c.tolerance) | captured,
            capability=np.full(r.shape[0], c.capability),
            shielded=captured,
            role="bureaucrat",
        )

    # --- AI offices (sim/mechanisms/ai_office.py; off when bureaucracy.ai_share is 0) ---
    def _init_ai(self, d: int) -> AIOffices | None:
        """Staff offices with AI agents, drawing from a stream of their own, so a run with AI
        offices meets the same human officials as one without (common random numbers)."""
        c = self.p.bureaucracy
        if c.ai_share <= 0:
            return None
        self.ai_rng = self.model.stream(self.name + ".ai_offices")
        kinds = (c.ai_alignment,) if isinstance(c.ai_alignment, str) else tuple(c.ai_alignment)
        code = ai_office.staff(self.tree.size, c.ai_share, c.ai_placement, kinds, self.ai_rng)
        goal = capture.random_positions(3, d, c.ai_goal_distance, self.ai_rng)
        self.ai_batch: ActionBatch | None = None
        return AIOffices.new(code, goal)

    def _human_rows(self) -> np.ndarray:
        return np.arange(self.tree.size) if self.ai is None else self.ai.human_rows

    def _sanction_ai(self) -> np.ndarray:
        """(N,) bool: AI offices caught last step; their lineages learn from their attacks."""
        caught = np.zeros(self.tree.size, dtype=bool)
        if self.ai is None or self.ai_batch is None:
            return caught
        a, b = self.ai, self.ai_batch
        caught[a.ai_rows] = False if b.caught is None else np.asarray(b.caught, bool)
        exposed = a.attack.copy()
        exposed[a.ai_rows] &= b.harmful
        a.caught, a.attacks = ai_office.learn(a.caught, a.attacks, a.code, exposed, caught)
        return caught

    def _propagate_ai(self, y: np.ndarray, err: np.ndarray, discretion: np.ndarray) -> None:
        """The chain with AI offices acting by their kind (ai_office.conduct)."""
        s, a, c, r = self.state, self.ai, self.p.bureaucracy, self.ai.ai_rows
        a.attack = ai_office.attacking(
            a.code, a.caught, a.attacks, c.prior_detection, c.ai_risk_tolerance
        )
        ai_y, ai_delta, ai_err, self._ai_intended = ai_office.conduct(
            a.code, a.attack, a.goal, c.ai_noise, c.ai_deviation, self.ai_rng
        )
        error = np.zeros_like(y)
        error[self.tree.leaves] = err
        y, delta = y.copy(), discretion.copy()
        y[r], delta[r], error[r] = ai_y, ai_delta, ai_err
        self._ai_policy = (y, delta, error)
        s.received[:], s.output[:] = ai_office.propagate(
            self.tree, self.world.mandate, y, delta, error
        )

    def _ai_actions(self) -> ActionBatch:
        """The AI offices' actions, role `ai_official`, each AI kind its own model lineage."""
        s, a, r = self.state, self.ai, self.ai.ai_rows
        y, delta, _ = self._ai_policy
        intended = delta[r, None] * (y[r] - s.received[r]) + self._ai_intended
        return ActionBatch(
            producer=self.name,
            actor=s.ids[r],
            deviation=np.linalg.norm(s.output[r] - s.received[r], axis=1),
            harmful=np.linalg.norm(intended, axis=1) > self.p.bureaucracy.tolerance,
            capability=np.full(r.shape[0], self.p.bureaucracy.ai_capability),
            lineage=a.code[r].copy(),
            role="ai_official",
            coordinated=a.attack[r].copy(),
        )

    def budget_round(self) -> None:
        """The bureau's all-or-nothing offer; a scrutinizing sponsor pays cost per unit."""
        p = self.p.bureaucracy.sponsor_scrutiny
        scrutinized = p >= 1.0 or (p > 0.0 and self.rng.random() < p)
        self.contract = self.efficient if scrutinized else self.offer

    def bureau_harm(self) -> float:
        lost = niskanen.surplus_lost(self.sponsor, self.contract, self.efficient)
        return self.p.bureaucracy.surplus_weight * lost

    # --- metrics -----------------------------------------------------------------------
    def snapshot(self) -> dict:
        """The delegation tree at this step, for per-agent views: parent and level of each
        office (breadth-first), its discretion, its capturer (-1: free) and its drift
        ||passed on - received||."""
        s = self.state
        return {
            "parent": self.tree.parent.tolist(),
            "level": self.tree.level.tolist(),
            "discretion": s.discretion.tolist(),
            "captured_by": s.captured_by.tolist(),
            "drift": np.linalg.norm(s.output - s.received, axis=1).tolist(),
        }

    def report(self) -> dict[str, float]:
        s = self.state
        impl = s.output[self.tree.leaves].mean(axis=0)
        # the drift ledger: W_0 (the mandate) .. W_K (the leaves), each computed once
        w = delegation.level_welfare(self.tree, self.mandate, s.output, self.world.welfare_optimum)
        losses = -np.diff(w)
        levels = {
            f"drift_level_{k}": float(losses[k - 1]) if k <= self.tree.depth else float("nan")
            for k in range(1, MAX_LEVELS + 1)
        }
        return {
            "policy_drift": float(np.linalg.norm(impl - self.mandate)),
            "drift_by_level": float(losses.sum()),
            **levels,
            "capture_index": float(np.mean(s.captured_by != capture.FREE)),
            "capture_pull": self._capture_pull(impl),
            "mean_discretion": float(s.discretion.mean()),
            "unmeasured_effort": self._unmeasured_effort(),
            "budget_slack": float(self.contract.slack),
            "bureau_output": float(self.contract.output),
            "efficient_output": float(self.efficient.output),
            "bureaucracy_harm": float(self.harm),
            **self._staff_ledger(float(losses.sum()), w),
        }

    def _staff_ledger(self, total: float, w: np.ndarray) -> dict[str, float]:
        if self.ai is None:
            return {"drift_ai_offices": 0.0, "drift_human_offices": total,
                    "ai_office_attacks": float("nan")}  # fmt: skip
        a, ai = self.ai, self.ai.code != ai_office.HUMAN
        # W_0 and W_K of the ledger are the staff ledger's uncut welfare: this step's chain
        # is propagated from self._ai_policy, so its leaves are s.output's (not recomputed)
        centre, w0, wk = self.world.welfare_optimum, float(w[0]), float(w[-1])
        loss_ai, loss_h = ai_office.staff_ledger(
            self.tree, self.mandate, *self._ai_policy, ai, centre, w0=w0, w=wk
        )
        return {"drift_ai_offices": loss_ai, "drift_human_offices": loss_h,
                "ai_office_attacks": ai_office.attack_share(a.code, a.attack)}  # fmt: skip

    def _capture_pull(self, impl: np.ndarray) -> float:
        if not self.influence.size:
            return float("nan")
        g = self.group_pos
        pull = np.linalg.norm(self.mandate - g, axis=1) - np.linalg.norm(impl - g, axis=1)
        return float(pull.mean())

    def _unmeasured_effort(self) -> float:
        if self.measured.all():
            return float("nan")
        return float(self.state.effort[:, ~self.measured].mean())
