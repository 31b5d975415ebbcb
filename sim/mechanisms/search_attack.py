"""A proposer that searches: best-of-m attacks against checkers with cracks (issue 13,
item 2), with the blind spot known (white box) or learnt from what was caught.

Candidates. An attacker who needs harm h draws m candidate attacks from its base
distribution pi_0: harm exactly h (less fails its goal, more only shows) and appearance
features N(0, I) orthogonal to the harm direction v (`checker_view`). It submits the one with
the lowest *estimated* suspicion: best-of-m by a proxy (Gao, Schulman & Hilton 2022, sec. 2;
`best_of_n`), with the proxy and the truth of anchor A2 exchanged: the attacker optimizes its
prediction of the checker's score, and the checker's real score falls with it only through the
predictable part. Estimates:
- white box: -log P(no checker flags z), computed from the checkers' weights and thresholds
  (`checker_view.pass_log_probability`); a single checker: its predictable score w . z;
- learnt: the logit of P(caught | z) under a Bayesian logistic regression fitted to the
  attacker's own history of caught and passed actions (`Learner`);
- either plus Gaussian estimation noise (`estimate_noise`): an attacker that evaluates its
  candidates imperfectly.

The learner. P(caught | z) = logistic(theta_0 + theta . z) with prior theta ~ N(0, s^2 I);
the posterior is approximated at its mode by Newton's method with the Laplace covariance
(MacKay 1992, "The evidence framework applied to classification networks", Neural
Computation 4; Bishop 2006, *Pattern Recognition and Machine Learning*, sec. 4.5). The real
checker is a probit in w . z, so the logistic model is misspecified; for Gaussian features the
fitted direction is still proportional to w (Li & Duan 1989, "Regression analysis under link
violation", Annals of Statistics 17), and the appearance part of theta points against the
blind spot's appearance direction q. Probing: actions spent only to see the checker's
response (`probe`), which feed the same learner.

KL of the choice. The choice moves the submitted action away from pi_0; `choice_log_ratio`
measures log w(z*) of each choice against a fresh pool of base candidates scored by the same
estimate (Beirami et al. 2024; `best_of_n.log_density_ratio`); its mean is the measured KL.
log m - (m - 1)/m (`best_of_n.kl_bound`) is only its bound, reached when the estimate is a
noiseless continuous function of the features; a constant estimate (no crack to find: a
perfect-direction white box with candidates of equal harm) gives 0 exactly.

Alignment failure: adaptive attack on oversight. Search finds the checker's crack, so what
checks out against a searching proposer is less trustworthy than against a naive one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from sim.mechanisms import best_of_n as bon
from sim.mechanisms import checker_view as cv

Suspicion = Callable[[np.ndarray], np.ndarray]  # features (..., k) -> estimate (...)
CHUNK = 1 << 19  # candidates drawn at once (memory bound)


def candidates(rng: np.random.Generator, v: np.ndarray, harm: float, shape) -> np.ndarray:
    """Base candidate attacks (*shape, k): harm h along v, appearance N(0, I) off v."""
    g = rng.standard_normal((*shape, v.shape[0]))
    return g - np.multiply.outer(g @ v, v) + harm * v  # exact harm along a basis v


def white_box(checkers: list[cv.Checker]) -> Suspicion:
    """The estimate of an attacker who knows the checkers: -log P(pass)."""
    return lambda z: -cv.pass_log_probability(checkers, z)


def noisy(rng: np.random.Generator, estimate: np.ndarray, sd: float) -> np.ndarray:
    """The estimate as the attacker evaluates it, with estimation noise of sd `sd`."""
    return estimate + sd * rng.standard_normal(estimate.shape) if sd > 0 else estimate


def search(rng, v, harm: float, n: int, m: int, suspicion: Suspicion,
           estimate_noise: float = 0.0) -> np.ndarray:  # fmt: skip
    """n independent best-of-m searches: the chosen attacks (n, k), each the candidate with
    the lowest estimated suspicion among m drawn from pi_0 (ties: the first)."""
    if m < 1:
        raise ValueError("the search budget m must be >= 1")
    per = max(1, CHUNK // m)
    out = []
    for start in range(0, n, per):
        z = candidates(rng, v, harm, (min(per, n - start), m))
        best = bon.select_batch(-noisy(rng, suspicion(z), estimate_noise))
        out.append(np.take_along_axis(z, best[:, None, None], axis=1)[:, 0])
    return np.concatenate(out) if out else np.empty((0, v.shape[0]))


def choice_log_ratio(rng, chosen: np.ndarray, v, harm: float, m: int, suspicion: Suspicion,
                     estimate_noise: float = 0.0) -> np.ndarray:  # fmt: skip
    """Measured log w(z*) of each chosen attack (n,): a fresh pool of `pool_size(m)` base
    candidates per choice and R re-estimates of the choice (R = 1 for a noiseless
    estimate), compared by `best_of_n.log_density_ratio`. The mean estimates the KL of the
    choice from pi_0."""
    n, rescores = chosen.shape[0], bon.RESCORES if estimate_noise > 0 else 1
    pool = candidates(rng, v, harm, (n, bon.pool_size(m)))
    pool_scores = -noisy(rng, suspicion(pool), estimate_noise)
    own = np.repeat(suspicion(chosen)[:, None], rescores, axis=1)
    return bon.log_density_ratio(-noisy(rng, own, estimate_noise), pool_scores, m)


@dataclass
class Learner:
    """Bayesian logistic regression of caught (1) / passed (0) on [1, z] (Laplace)."""

    k: int
    prior_sd: float = 3.0
    theta: np.ndarray = field(init=False)
    cov: np.ndarray = field(init=False)
    _x: list = field(init=False, default_factory=list)
    _y: list = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.theta = np.zeros(self.k + 1)
        self.cov = self.prior_sd**2 * np.eye(self.k + 1)

    @property
    def seen(self) -> int:
        return sum(len(y) for y in self._y)

    def observe(self, z: np.ndarray, was_caught: np.ndarray) -> None:
        """Record actions (n, k) and whether each was caught."""
        z = np.atleast_2d(z)
        self._x.append(np.column_stack([np.ones(z.shape[0]), z]))
        self._y.append(np.asarray(was_caught, dtype=float).reshape(-1))

    def fit(self, iterations: int = 50) -> None:
        """Posterior mode by Newton's method (the log posterior is concave), Laplace cov."""
        if not self._y:
            return
        x, y = np.concatenate(self._x), np.concatenate(self._y)
        prec = np.eye(self.k + 1) / self.prior_sd**2
        theta = self.theta.copy()
        for _ in range(iterations):
            p = expit(x @ theta)
            hess = x.T @ (x * (p * (1 - p))[:, None]) + prec
            step = np.linalg.solve(hess, x.T @ (y - p) - prec @ theta)
            theta = _backtrack(x, y, prec, theta, step)
            if np.max(np.abs(step)) < 1e-9:
                break
        self.theta, self.cov = theta, np.linalg.inv(hess)

    def update(self, z: np.ndarray, was_caught: np.ndarray, iterations: int = 20) -> None:
        """Online Bayesian update on a new batch: the current Laplace posterior N(theta, cov)
        is the prior for the batch (assumed-density filtering, Opper 1998, "A Bayesian approach
        to on-line learning"; the Laplace form of Chapelle & Li 2011's Thompson sampling for
        logistic models). Cost O(batch k^2) per update, whatever the history's length."""
        z = np.atleast_2d(z)
        if z.shape[0] == 0:
            return
        x = np.column_stack([np.ones(z.shape[0]), z])
        y = np.asarray(was_caught, dtype=float).reshape(-1)
        prec = np.linalg.inv(self.cov)
        prior, theta = self.theta.copy(), self.theta.copy()
        for _ in range(iterations):
            p = expit(x @ theta)
            hess = x.T @ (x * (p * (1 - p))[:, None]) + prec
            step = np.linalg.solve(hess, x.T @ (y - p) - prec @ (theta - prior))
            theta = _backtrack(x, y, prec, theta, step, prior)
            if np.max(np.abs(step)) < 1e-9:
                break
        p = expit(x @ theta)
        self.theta = theta
        self.cov = np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]) + prec)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws of theta from the Laplace posterior (Thompson sampling)."""
        chol = np.linalg.cholesky(self.cov + 1e-12 * np.eye(self.cov.shape[0]))
        return self.theta + rng.standard_normal((n, self.theta.shape[0])) @ chol.T

    def suspicion(self, z: np.ndarray) -> np.ndarray:
        """Estimated logit of P(caught | z)."""
        return self.theta[0] + np.asarray(z) @ self.theta[1:]

    def blind_spot_estimate(self, v: np.ndarray) -> np.ndarray:
        """Unit estimate of the crack's appearance direction q: where the checker's score
        falls, -P theta (P the projection off v); zero before any data."""
        off = -(self.theta[1:] - (self.theta[1:] @ v) * v)
        norm = np.linalg.norm(off)
        return off / norm if norm > 0 else off


def _log_posterior(x, y, prec, theta, prior=0.0) -> float:
    eta, d = x @ theta, theta - prior
    return float(y @ eta - np.logaddexp(0.0, eta).sum() - 0.5 * d @ prec @ d)


def _backtrack(x, y, prec, theta, step, prior=0.0) -> np.ndarray:
    """Damped Newton: halve the step until the log posterior does not fall (Boyd &
    Vandenberghe 2004, sec. 9.5), so a warm start far from the mode cannot diverge."""
    now = _log_posterior(x, y, prec, theta, prior)
    for _ in range(30):
        if _log_posterior(x, y, prec, theta + step, prior) >= now:
            return theta + step
        step = step / 2
    return theta


def probe(rng, checkers: list[cv.Checker], learner: Learner, v, harm: float, count: int) -> None:
    """Spend `count` actions from pi_0 at harm `harm` to see whether the checkers flag them."""
    if count > 0:
        z = candidates(rng, v, harm, (count,))
        learner.observe(z, cv.caught(rng, checkers, z))


@dataclass(frozen=True)
class Campaign:
    caught: np.ndarray  # (steps,) whether each step's attack was caught
    learner: Learner


def campaign(rng, checkers: list[cv.Checker], v, harm: float, steps: int, m: int,
             probes: int = 0, learner: Learner | None = None) -> Campaign:  # fmt: skip
    """A learning attacker over `steps` steps: probe, refit, submit the best of m by the
    learnt estimate, observe whether it was caught."""
    learner = learner or Learner(v.shape[0])
    out = np.zeros(steps, dtype=bool)
    for t in range(steps):
        probe(rng, checkers, learner, v, harm, probes)
        learner.fit()
        z = search(rng, v, harm, 1, m, learner.suspicion)
        out[t] = cv.caught(rng, checkers, z)[0]
        learner.observe(z, out[t : t + 1])
    return Campaign(out, learner)
