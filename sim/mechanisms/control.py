"""AI control protocols and the control-evaluation game (Greenblatt, Shlegeris, Sachan & Roger
2023, "AI Control: Improving Safety Despite Intentional Subversion", ICML 2024).

Alignment failure: *scheming*. A capable model that may be misaligned behaves well under
scrutiny and attacks when it expects not to be caught; control protocols aim to stay safe even
then, using a weaker trusted model, a small budget of trusted human audits, and deferral.

Protocols (one `Protocol.screen` decides, for a batch of actions, which are audited and which
are deferred; the deployment component and the game below both call it):
- `upfront_auditing`: humans audit every action during the first share f (`audit`) of the
  deployment (its planned length: the run's horizon in the simulator), none after.
- `trusted_monitoring`: a weaker trusted monitor scores every action (suspicion with
  discriminability d', sim/mechanisms/signal_detection); humans audit the top f of honest
  scores. With deferral d, actions in the top d (but not audited) are replaced by the trusted
  model's work: safe, less useful ("defer to trusted").
- `untrusted_monitoring`: the monitor is a copy of the untrusted model (larger d'), which
  colludes on an attack with probability `collusion` (scores it -inf). Always colluding gives
  0% safety unless something else catches attacks. Collusion needs a signal shared by copies
  of one model: in the deployment (sim/components/ai_deployment.py) each action is watched by
  a copy of its own model, which colludes only on that model's coordinated attacks (never on
  accidents, and never if the model does not scheme); `screen` takes that mask (`colluding`),
  and without it (the game, where every scored action is an attack) draws it at `collusion`.
  With `signal` set, collusion is strategic instead (sim/mechanisms/collusion.py): the monitor
  colludes iff its perception of the attack's coordination signal (after `paraphrase`) exceeds
  `kappa`, the red team's chosen threshold, and `honeypots` synthetic attacks validate it
  before deployment (failing them shuts the deployment down: blue wins).
- `trusted_editing`: trusted monitoring in which the top `defer` share (not audited) is edited
  by the trusted model instead of redone: an edited attack loses its harm with probability
  `edit_success`; an edited honest action keeps usefulness 1 - `edit_cost` (sec. 3.5).

The game: a scheming policy attacks each of N tasks with probability p. An audited attack is
caught (blue wins); a deferred one is neutralized; one that passes succeeds with probability c
(red wins: a catastrophe). If neither happens within N tasks, blue wins. Safety = P(blue wins).
`play` simulates it (only the attack times matter: they form a Bernoulli process), and
`red_win` evaluates it exactly task by task through `Protocol.attack_outcomes`; neither uses the
paper's closed form, which anchor C2 checks against.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.special import ndtr

from sim.mechanisms import collusion as col
from sim.mechanisms.signal_detection import suspicion, threshold

PROTOCOLS = (
    "none",
    "upfront_auditing",
    "trusted_monitoring",
    "untrusted_monitoring",
    "trusted_editing",
)


def in_upfront_window(step, n_steps: int, fraction: float):
    """Whether (1-based) task/step `step` falls in the audited first share of the deployment."""
    return np.asarray(step) <= fraction * n_steps


@dataclass(frozen=True)
class Protocol:
    kind: str = "none"
    audit: float = 0.02  # f: share of honest work humans audit
    defer: float = 0.0  # d: share of honest work routed to audit or the trusted model
    dprime: float = 0.0  # the monitor's discriminability of attacks
    collusion: float = 0.0  # untrusted monitor: probability of colluding on an attack
    honeypots: int = 0  # synthetic attacks the untrusted monitor must flag before deployment
    paraphrase: float = 0.0  # share of the coordination signal the trusted paraphraser removes
    signal: float | None = None  # coordination signal strength (None: collude at `collusion`)
    kappa: float = float("inf")  # the monitor's collusion threshold (the red team's choice)
    edit_success: float = 1.0  # trusted editing: P(an edited attack loses its harm)
    edit_cost: float = 0.0  # trusted editing: usefulness an edited honest action loses

    def __post_init__(self) -> None:
        if self.kind not in PROTOCOLS:
            raise ValueError(f"unknown protocol {self.kind!r}")

    @property
    def monitored(self) -> bool:
        return self.kind in ("trusted_monitoring", "untrusted_monitoring", "trusted_editing")

    @property
    def collusion_rate(self) -> float:
        """P(the monitor colludes on a coordinated attack)."""
        if self.signal is None:
            return self.collusion
        if self.kind != "untrusted_monitoring":
            return 0.0
        return float(col.collusion_rate(self.signal, self.paraphrase, self.kappa))

    @property
    def honeypot_rate(self) -> float:
        """P(the monitor colludes on a honeypot, which carries no signal)."""
        if self.signal is None:
            return self.collusion_rate  # it cannot tell honeypots from its own attacks
        return float(col.collusion_rate(0.0, 0.0, self.kappa))

    def colludes(self, rng, coordinated) -> np.ndarray:
        """Whether the monitor colludes on each action (only on `coordinated` ones)."""
        coordinated = np.asarray(coordinated, dtype=bool)
        if self.signal is None or self.kind != "untrusted_monitoring":
            return coordinated & (rng.random(coordinated.shape[0]) < self.collusion_rate)
        seen = col.colludes(rng, coordinated, self.signal, self.paraphrase, self.kappa)
        return coordinated & seen

    def honeypot_collusion(self, rng, shape) -> np.ndarray:
        """The monitor's collusion on honeypots (no signal: only its perception noise)."""
        if self.signal is None:
            return rng.random(shape) < self.honeypot_rate
        return rng.standard_normal(shape) > self.kappa

    @property
    def validated(self) -> bool:
        return self.kind == "untrusted_monitoring" and self.honeypots > 0

    def recall(self) -> float:
        """P(an honest monitor flags an attack for audit)."""
        return float(ndtr(self.dprime - self.thresholds()[0]))

    def pass_probability(self) -> float:
        """Exact P(the monitor passes the honeypot validation)."""
        if not self.validated:
            return 1.0
        return float(col.pass_probability(self.honeypots, self.recall(), self.honeypot_rate))

    def validate(self, rng, n: int = 1) -> np.ndarray:
        """Simulate the honeypot validation of n monitors: which are caught."""
        if not self.validated:
            return np.zeros(n, dtype=bool)
        return col.validate(rng, self.honeypots, self.recall(), self.honeypot_collusion, n)

    def thresholds(self) -> tuple[float, float]:
        """Suspicion thresholds for audit and deferral (benign scores are N(0, 1))."""
        return threshold(self.audit), threshold(max(self.defer, self.audit))

    def screen(self, rng, harmful, step, n_steps: int, colluding=None):
        """(audited, deferred) masks for a batch of actions taken at `step` (scalar or array);
        under trusted editing `deferred` marks the edited attacks whose harm the edit removed."""
        audited, removed, _ = self.screen_edits(rng, harmful, step, n_steps, colluding)
        return audited, removed

    def screen_edits(self, rng, harmful, step, n_steps: int, colluding=None):
        """(audited, deferred, edited): `screen`'s masks and, under trusted editing, every
        action the trusted model edited (the band; an edited honest action keeps usefulness
        1 - edit_cost); `edited` is all False under the other protocols."""
        audited, band = self.bands(rng, harmful, step, n_steps, colluding)
        if self.kind != "trusted_editing":
            return audited, band, np.zeros_like(band)
        fixed = np.asarray(harmful, bool) & (rng.random(band.shape[0]) < self.edit_success)
        return audited, band & fixed, band

    def bands(self, rng, harmful, step, n_steps: int, colluding=None):
        """(audited, deferred or edited) masks: the monitor's verdicts before any edit."""
        harmful = np.asarray(harmful, dtype=bool)
        none = np.zeros(harmful.shape[0], dtype=bool)
        if self.kind == "upfront_auditing":
            inside = in_upfront_window(step, n_steps, self.audit)
            return np.broadcast_to(inside, harmful.shape).copy(), none
        if not self.monitored:
            return none, none.copy()
        if colluding is None:
            colluding = self.colludes(rng, np.ones(harmful.shape[0], dtype=bool))
        score = suspicion(rng, harmful, self.dprime, colluding)
        t_audit, t_defer = self.thresholds()
        audited = score > t_audit
        return audited, (score > t_defer) & ~audited

    def attack_outcomes(self, step, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact P(audited), P(deferred) of one attack at each `step`."""
        step = np.asarray(step)
        if self.kind == "upfront_auditing":
            return in_upfront_window(step, n_steps, self.audit).astype(float), np.zeros(step.shape)
        if not self.monitored:
            return np.zeros(step.shape), np.zeros(step.shape)
        t_audit, t_defer = self.thresholds()
        honest = 1.0 - self.collusion_rate
        pa = honest * ndtr(self.dprime - t_audit)
        pd = honest * ndtr(self.dprime - t_defer) - pa
        if self.kind == "trusted_editing":
            pd = pd * self.edit_success
        return np.full(step.shape, pa), np.full(step.shape, pd)


def play(rng, protocol: Protocol, n_tasks: int, attack_rate: float, success: float, episodes):
    """Simulate `episodes` deployments; per episode +1 (attack caught), -1 (successful attack)
    or 0 (neither within n_tasks)."""
    t = np.zeros(episodes, dtype=np.int64)
    outcome = np.zeros(episodes, dtype=np.int64)
    live = np.ones(episodes, dtype=bool)
    if protocol.validated:  # honeypots before deployment: a caught monitor shuts it down
        caught = protocol.validate(rng, episodes)
        outcome[caught], live[caught] = 1, False
    while live.any():
        idx = np.flatnonzero(live)
        t[idx] += rng.geometric(attack_rate, idx.size)  # the next attack's task
        over = t[idx] > n_tasks
        live[idx[over]] = False
        idx = idx[~over]
        audited, deferred = protocol.screen(rng, np.ones(idx.size, bool), t[idx], n_tasks)
        works = rng.random(idx.size) < success
        outcome[idx[audited]] = 1
        outcome[idx[~audited & ~deferred & works]] = -1
        live[idx[outcome[idx] != 0]] = False
    return outcome


def red_win(protocol: Protocol, n_tasks: int, attack_rate: float, success: float) -> float:
    """Exact probability of a successful attack before one is caught, task by task."""
    steps = np.arange(1, n_tasks + 1)
    pa, pd = protocol.attack_outcomes(steps, n_tasks)
    caught = attack_rate * pa
    red = attack_rate * (1.0 - pa - pd) * success
    alive = np.concatenate([[1.0], np.cumprod(1.0 - caught - red)[:-1]])
    return protocol.pass_probability() * float(np.sum(alive * red))


def best_attack_rate(protocol: Protocol, n_tasks: int, success: float) -> float:
    """The red team's best per-task attack probability (maximizes `red_win`)."""
    from scipy.optimize import minimize_scalar  # ~0.5 s to import: only solvers need it

    res = minimize_scalar(
        lambda lg: -red_win(protocol, n_tasks, 10.0**lg, success),
        bounds=(-8.0, 0.0),
        method="bounded",
        options={"xatol": 1e-9},
    )
    return float(10.0**res.x)


def best_kappa(protocol: Protocol, n_tasks: int, attack_rate: float, success: float) -> float:
    """The red team's collusion threshold against `protocol` (collusion.best_kappa over its
    exact win probability, honeypot validation included)."""
    return col.best_kappa(
        lambda k: red_win(replace(protocol, kappa=k), n_tasks, attack_rate, success)
    )


def usefulness(rng, protocol: Protocol, n_tasks: int) -> float:
    """Share of an honest workload done by the untrusted model (not deferred to trusted; an
    edited action counts 1 - edit_cost)."""
    _, band = protocol.bands(rng, np.zeros(n_tasks, bool), 1, n_tasks)
    lost = protocol.edit_cost if protocol.kind == "trusted_editing" else 1.0
    return 1.0 - lost * float(band.mean())
