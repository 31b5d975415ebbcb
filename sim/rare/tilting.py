"""Tilted draws for importance sampling on the model (issue 14).

A component declares the explicit Bernoulli decisions of its step that move the institution
toward harm (`Component.tilted`: a harmful AI action, a capture, an audit that misses) and makes
each of them through one place, `Component.bernoulli(family, u, p)`: the outcome is `u < p` for
uniforms `u` the component has drawn and probabilities `p` it has computed. In an ordinary run
(`model.tilting is None`) that is all it does, so every stream and every result is unchanged.

Under importance sampling the model holds a `Tilting`: family `f` (qualified
"component.family") has a log-odds shift eta_f, and each draw of it is made with the tilted
probability q = sigmoid(logit p + eta_f) (exponential tilting of the Bernoulli by its
indicator; Siegmund 1976, Asmussen & Glynn 2007, ch. VI). The same uniform decides, so
`u < q`; the path's log likelihood ratio gains log(p / q) for a success and
log((1 - p) / (1 - q)) for a failure. The draws that follow depend on the outcomes only
through what the model does with them, so the product of these factors is the likelihood ratio
of the whole path (draws that are not tilted cancel), and
E_tilted[LR * 1{event}] = P(event): the estimator of sim/rare/importance.py is unbiased
whatever the shifts.

Cross-entropy tuning (Rubinstein 1999; de Boer et al. 2005) of a shift needs, per path and
family, the successes and trials at each nominal log-odds: the CE program for eta is
    max_eta  sum_paths w sum_draws [x (l + eta) - log(1 + exp(l + eta))],
concave, with the gradient sum w (x - sigmoid(l + eta)). Draws are binned by their nominal
log-odds (width `BIN`; exact for the constant rates most families have) and the program is
solved by Newton's method (`fit_shift`). For a constant rate it is the textbook update: the
tilted rate equals the weighted share of successes among the elite's draws.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, logit

BIN = 0.05  # width of the log-odds bins kept for the CE update
SHIFT_CAP = 30.0  # |eta| never exceeds this (odds scaled by at most e^30)


class Tilting:
    """The importance-sampling state of one model path: the shift of each declared family, the
    log likelihood ratio so far and, per family, successes and trials per log-odds bin."""

    def __init__(self, shifts: dict[str, float]):
        self.shifts = {f: float(e) for f, e in shifts.items()}
        self.log_weight = 0.0
        self.counts: dict[str, dict[int, list[float]]] = {f: {} for f in self.shifts}

    def bernoulli(self, family: str, u: np.ndarray, p) -> np.ndarray:
        """Outcomes of the draws `u < p` of `family`, tilted by its shift; the log likelihood
        ratio and the CE counts updated."""
        u = np.asarray(u, dtype=float)
        p = np.broadcast_to(np.asarray(p, dtype=float), u.shape)
        eta = self.shifts.get(family, 0.0)
        inner = (p > 0.0) & (p < 1.0)
        if eta == 0.0:
            x = u < p
        else:
            q = np.where(inner, expit(logit(np.where(inner, p, 0.5)) + eta), p)
            x = u < q
            self.log_weight += _log_ratio(x[inner], p[inner], q[inner])
        if family in self.counts and inner.any():
            self._count(family, x[inner], p[inner])
        return x

    def _count(self, family: str, x: np.ndarray, p: np.ndarray) -> None:
        bins = np.rint(logit(p) / BIN).astype(np.int64)
        keys, where = np.unique(bins, return_inverse=True)
        succ = np.bincount(where, weights=x.astype(float), minlength=keys.size)
        trials = np.bincount(where, minlength=keys.size)
        table = self.counts[family]
        for k, s, n in zip(keys.tolist(), succ.tolist(), trials.tolist(), strict=True):
            cell = table.setdefault(k, [0.0, 0.0])
            cell[0] += s
            cell[1] += n


def _log_ratio(x: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """sum log(nominal / tilted) of Bernoulli outcomes x under rates p (nominal), q (tilted)."""
    hit = np.log(p[x]) - np.log(q[x])
    miss = np.log1p(-p[~x]) - np.log1p(-q[~x])
    return float(hit.sum() + miss.sum())


def fit_shift(weights: np.ndarray, tables: list[dict[int, list[float]]], old: float) -> float:
    """The CE-optimal shift for one family over elite paths with likelihood weights `weights`
    and per-path count tables (module docstring), by Newton's method from `old`; `old` when
    the elite made no draw of the family."""
    pooled: dict[int, list[float]] = {}
    for w, table in zip(weights, tables, strict=True):
        for k, (s, n) in table.items():
            cell = pooled.setdefault(k, [0.0, 0.0])
            cell[0] += w * s
            cell[1] += w * n
    if not pooled:
        return old
    l = np.array(list(pooled)) * BIN  # noqa: E741 - the log-odds, as in the docstring
    s, n = np.array(list(pooled.values())).T
    if n.sum() <= 0:
        return old
    eta = float(np.clip(old, -SHIFT_CAP, SHIFT_CAP))
    for _ in range(50):
        r = expit(l + eta)
        grad, hess = float((s - n * r).sum()), float((n * r * (1 - r)).sum())
        if hess <= 1e-300:
            break
        step = float(np.clip(grad / hess, -5.0, 5.0))
        eta = float(np.clip(eta + step, -SHIFT_CAP, SHIFT_CAP))
        if abs(step) < 1e-9:
            break
    return eta


def families_for(config) -> tuple[str, ...]:
    """The tilted families ("component.family") of the components enabled in `config`."""
    from sim.components import COMPONENTS

    return tuple(
        f"{cls.name}.{name}" for cls in COMPONENTS if cls.enabled(config) for name, _ in cls.tilted
    )


def odds_boost(shifts: dict[str, float], factor: float) -> dict[str, float]:
    """Every family's odds multiplied by `factor` (CE's bootstrap when no path progresses:
    declared families all point toward harm, so up is the way to the event)."""
    step = math.log(factor)
    return {f: float(min(e + step, SHIFT_CAP)) for f, e in shifts.items()}
