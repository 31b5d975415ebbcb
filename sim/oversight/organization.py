"""Overseers as organizations: an oversight layer of any kind runs inside an in-house safety team
or an independent body with a budget of reviewers, a specialization, a review queue of finite
capacity and time-boxed reviews (issue 12, item 3).

Alignment failure it answers: *oversight that cannot keep up*. An overseer with unlimited,
instantaneous review (`organization: none`, today's layers) catches what its method can catch
before the harm happens. A real overseer has so many reviewers, each review takes time, and
the reviewers may be outmatched by the actor; when the queue is long, an action's harm takes
effect before its review ends, even when the review catches it.

Models and sources:
- Review queue: FIFO service by `reviewers` servers (Lindley 1952, "The theory of queues with a
  single server"; Kiefer & Wolfowitz 1955, "On the theory of queues with many servers"),
  sim/mechanisms/review_queue.py (anchor E2).
- Specialization: the Rasch (1960) item-response curve ("Probabilistic Models for Some
  Intelligence and Attainment Tests"): a reviewer of skill theta finds the flaw of an actor of
  capability b with probability P = 1 / (1 + exp(-(theta - b) / s)), s = `skill_spread`.
- Time-boxed review: random search (Koopman 1946, "Search and Screening", OEG Report 56; 1956,
  Operations Research 4(3)): a search of duration t finds a target with probability
  1 - exp(-t / tau), tau = `search_time`. A shorter time box reviews more actions at lower
  recall.

Organizations:
- `in_house` (a lab's or an agency's own safety team): full access, no intake delay, under the
  overseen's usefulness pressure: the time box is cut to review_time x (1 - pressure).
- `independent` (a regulator or auditor, not paid by the overseen, so no pressure): sees a
  share `access` of the actions it watches and receives each `intake_delay` steps late.

Capture depends on who employs the overseer (the revolving door; Dal Bo 2006, "Regulatory
Capture: A Review", Oxford Rev. Econ. Policy 22(2); Che 1995, "Revolving doors and the optimal
tolerance for agency collusion", RAND J. Econ. 26(3); Laffont & Tirole 1991, "The Politics of
Government Decision-Making: A Theory of Regulatory Capture", QJE 106(4)). When interest groups
bid for a layer (sim/mechanisms/contest.py), group i wins it with p_i = x_i / (S + k), S = sum x,
k = `interest_groups.overseer_price`: what an overseer forgoes by selling out.
- `in_house`: the team is paid by the overseen, so a group's reward (a career in the overseen's
  sector, Che 1995) reaches it at face value and with no delay: today's contest, unchanged.
- `independent`: an overseer caught selling out loses its post and the premium `salary_premium`
  = w its employer pays over the outside wage (efficiency wages against malfeasance: Becker &
  Stigler 1974, "Law Enforcement, Malfeasance, and Compensation of Enforcers", J. Legal Stud.
  3(1)), so it forgoes (1 + w) k; and the job a group offers can be taken only after a
  `cooling_off` of c steps, worth `patience`^c = delta^c of its face value today (post-
  employment restrictions, Dal Bo 2006 sec. 4). Hence p'_i = delta^c x_i / (delta^c S +
  (1 + w) k): the contest at price m k, m = (1 + w) / delta^c. From the groups' win
  probabilities p (P = sum p), p'_i = p_i / (P + m (1 - P)) (k cancels; with k = 0, P = 1 and
  independence does not help: nothing is forgone). Whether a group then wins, and whether its
  money is better spent elsewhere, is the contest's and the groups' business; the layer only
  sets what its overseers forgo.

Per step, for a layer inside an organization: the candidates it can access are admitted to the
queue (at most `queue_limit` waiting; the rest go unreviewed by this layer), in random order at
uniform times within the step (Poisson arrivals given their count), and served after the
backlog carried from earlier steps; the layer's method judges the admitted actions, and each
harmful action it flags is confirmed with probability Rasch x Koopman (else dismissed). An
action's review ends `sojourn` steps after it was submitted (intake delay + wait + review).
What the organization does not admit it neither flags nor dismisses: a review stage (scope
`flagged`) passes such actions on as the layers below flagged them.

Discretization: the queue's state (each reviewer's next free time, the items still in system)
carries over steps in continuous time, so congestion persists. Admission against `queue_limit`
is decided once per step from the number waiting at the step's start. The verdict is delivered
to the producer at its next step whatever the review's end time (sanctions are not delayed);
what the review's end changes is whether the harm took effect first: the stack's review of an
action is in time iff every organization that examined it ended within the action's act delay
(`Docket.act_delay`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.mechanisms import review_queue as rq
from sim.params.core import Param

ORGANIZATIONS = ("none", "in_house", "independent")


# Fields that belong to one organization: set on another (or on `none`) they would do nothing
KIND_ONLY = {"access": "independent", "intake_delay": "independent",
             "salary_premium": "independent", "cooling_off": "independent",
             "patience": "independent", "pressure": "in_house"}  # fmt: skip


def fields() -> tuple[Param, ...]:
    """The organization fields every layer kind has (`none` keeps today's instant review)."""
    return (
        Param(
            "organization",
            "choice",
            "none",
            "none: instantaneous review of unlimited capacity; in_house: the overseen's own "
            "safety team (full access, usefulness pressure); independent: a regulator or "
            "auditor (partial access, intake delay, no pressure).",
            choices=ORGANIZATIONS,
        ),
        Param("reviewers", "int", 1, "Reviewers (the organization's budget): servers of its "
              "review queue.", unit="reviewers", low=1, high=10_000),
        Param("review_time", "float", 0.05, "Time box of one review.", unit="steps",
              low=1e-4, high=100.0, log=True),
        Param("search_time", "float", 0.02, "tau: mean time a reviewer needs to find a flaw "
              "(recall of a time box t is 1 - exp(-t/tau), Koopman 1946).", unit="steps",
              low=1e-4, high=100.0, log=True),
        Param("queue_limit", "int", 0, "Most actions waiting for review; arrivals beyond it "
              "go unreviewed by this layer (0: no limit).", unit="actions", low=0),
        Param("skill", "float", 2.0, "theta: the reviewers' skill on the actors' capability "
              "scale (Rasch 1960).", unit="capability", low=-10.0, high=20.0),
        Param("skill_spread", "float", 0.5, "s: scale of the Rasch curve (how sharply recall "
              "falls as the actor outmatches the reviewers).", unit="capability", low=0.01,
              high=10.0),
        Param("access", "float", 1.0, "Independent body: share of the watched actions it "
              "sees (in_house: always 1).", unit="share", low=0.0, high=1.0),
        Param("intake_delay", "float", 0.0, "Independent body: steps before an action reaches "
              "its queue (in_house: always 0).", unit="steps", low=0.0, high=100.0),
        Param("pressure", "float", 0.0, "In-house team: usefulness pressure, the share cut "
              "from its time box (independent: always 0).", unit="share", low=0.0, high=0.99),
        Param("salary_premium", "float", 0.0, "Independent body: w, its pay over the "
              "overseers' outside wage, forfeited by one caught selling out; raises its capture "
              "price to (1 + w) x overseer_price (Becker & Stigler 1974).", unit="share of wage",
              low=0.0, high=100.0),
        Param("cooling_off", "float", 0.0, "Independent body: c, steps a departing overseer "
              "must wait before a group may employ it; the job offered is worth patience^c "
              "of its face value (Che 1995; Dal Bo 2006).", unit="steps", low=0.0,
              high=1000.0),
        Param("patience", "float", 0.99, "Independent body: delta, an overseer's per-step "
              "discount factor on a future job (applies only with a cooling-off).",
              unit="1/step", low=0.5, high=1.0),
    )  # fmt: skip


def rasch(skill: float, capability: np.ndarray, spread: float) -> np.ndarray:
    """Rasch (1960): probability that a reviewer of this skill finds an actor's flaw."""
    return 1.0 / (1.0 + np.exp(-(skill - np.asarray(capability, float)) / spread))


def koopman(time_box: float, search_time: float) -> float:
    """Koopman (1946) random search: probability of finding the flaw within the time box."""
    return 1.0 - math.exp(-time_box / search_time)


@dataclass
class Organization:
    """The organization a layer runs in, with its queue state and its running counts."""

    f: object  # the layer's typed fields
    queue: rq.QueueState = field(init=False)
    reviews: int = 0  # actions reviewed so far
    late: int = 0  # of them, reviews that ended after the action's act delay
    due: int = 0  # reviews of actions with a finite act delay
    waited: float = 0.0  # total wait (steps) of this step's reviews
    served: int = 0  # reviews this step
    turned_away: int = 0  # actions not admitted (queue full), cumulative
    backlog: int = 0  # actions in the system at the end of this step

    def __post_init__(self) -> None:
        self.queue = rq.empty(self.f.reviewers)

    @property
    def independent(self) -> bool:
        return self.f.organization == "independent"

    @property
    def time_box(self) -> float:
        cut = 0.0 if self.independent else self.f.pressure
        return self.f.review_time * (1.0 - cut)

    @property
    def delay(self) -> float:
        return self.f.intake_delay if self.independent else 0.0

    @property
    def price_factor(self) -> float:
        """m: the capture price relative to an in-house team's, (1 + w) / delta^c (1: in-house,
        or an independent body without premium or cooling-off)."""
        if not self.independent:
            return 1.0
        return (1.0 + self.f.salary_premium) / self.f.patience**self.f.cooling_off

    def contest(self, bids: np.ndarray) -> np.ndarray:
        """The groups' win probabilities for this layer at its own price: p / (P + m (1 - P))
        (the bids unchanged when m = 1)."""
        m = self.price_factor
        total = float(bids.sum())
        if m == 1.0 or total >= 1.0:
            return bids
        return bids / (total + m * (1.0 - total))

    def intake(self, cand: np.ndarray, rng: np.random.Generator, t: int):
        """Admit and queue this step's candidates: (admitted mask, each admitted action's
        steps from submission to the end of its review, 0 elsewhere)."""
        idx = np.flatnonzero(cand)
        if self.independent and self.f.access < 1.0:
            idx = idx[rng.random(idx.size) < self.f.access]
        idx = idx[rng.permutation(idx.size)]
        if self.f.queue_limit:
            room = max(0, self.f.queue_limit - rq.backlog(self.queue, float(t))[1])
            self.turned_away += max(0, idx.size - room)
            idx = idx[:room]
        submitted = rq.step_arrivals(rng, idx.size, float(t))
        services = rq.service_times(rng, idx.size, 1.0, self.time_box)
        self.queue, rev = rq.step(self.queue, submitted + self.delay, services)
        self.waited, self.served = float(rev.wait.sum()), int(idx.size)
        self.backlog = rq.backlog(self.queue, float(t + 1))[0]
        admitted, sojourn = np.zeros(cand.shape[0], bool), np.zeros(cand.shape[0])
        admitted[idx] = True
        sojourn[idx] = rev.depart - submitted
        return admitted, sojourn

    def confirm(self, flag, harmful, capability, rng: np.random.Generator) -> np.ndarray:
        """A harmful flag stands if the reviewer finds the flaw in the time box (Rasch x
        Koopman); false alarms are not affected."""
        recall = rasch(self.f.skill, capability, self.f.skill_spread) * koopman(
            self.time_box, self.f.search_time
        )
        found = rng.random(flag.shape[0]) < recall
        return flag & (found | ~harmful)

    def count(self, admitted: np.ndarray, sojourn: np.ndarray, act_delay: np.ndarray) -> None:
        """Running counts of reviews and of late ones (of actions not yet in effect)."""
        finite = admitted & np.isfinite(act_delay) & (act_delay > 0)  # not yet in effect
        self.reviews += int(admitted.sum())
        self.due += int(finite.sum())
        self.late += int((finite & (sojourn > act_delay)).sum())


def build(f) -> Organization | None:
    """The layer's organization, or None for today's instantaneous review."""
    return None if f.organization == "none" else Organization(f)


ORGANIZATION_METRICS = (  # (name, unit, description) of the oversight component's metrics
    ("review_backlog", "actions", "Actions in the review organizations' queues (waiting or "
     "under review) at the end of this step, summed over organizations; NaN when no layer "
     "runs in an organization."),
    ("review_wait", "steps", "Mean wait in queue of this step's reviews by organizations "
     "(measured from the queue's recursion); NaN when they reviewed nothing this step."),
    ("late_review_share", "share", "Cumulative share of organizations' reviews of held "
     "actions (a finite, positive act delay) that ended after the action took effect; NaN "
     "before the first such review."),
)  # fmt: skip


def organization_report(orgs: list[Organization]) -> dict[str, float]:
    """The organization metrics of one step, measured from the queues' state and counts."""
    nan = float("nan")
    if not orgs:
        return dict.fromkeys((m[0] for m in ORGANIZATION_METRICS), nan)
    served = sum(o.served for o in orgs)
    due = sum(o.due for o in orgs)
    return {
        "review_backlog": float(sum(o.backlog for o in orgs)),
        "review_wait": sum(o.waited for o in orgs) / served if served else nan,
        "late_review_share": sum(o.late for o in orgs) / due if due else nan,
    }
