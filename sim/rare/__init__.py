"""Rare-event estimators (issue 14): the probability that a simulated event happens within a
horizon, with a confidence interval, relative error, effective sample size, cost in model steps
and the surprise in bits (-log2 p).

- `mc.estimate`: plain Monte Carlo with an exact Clopper-Pearson interval (Clopper & Pearson
  1934), the control.
- `ams.estimate`: generalized adaptive multilevel splitting (Cérou & Guyader 2007; Bréhier,
  Gazeau, Goudenège, Lelièvre & Rousset 2016), unbiased with ties, with a genealogical
  variance estimator (Lee & Whiteley 2018, adapted to AMS's partial resampling).
- `importance.estimate` / `importance.cross_entropy`: importance sampling with a tilt tuned
  by the cross-entropy method (Rubinstein 1999; de Boer, Kroese, Mannor & Rubinstein 2005).
- `surprise`: bits of surprise and how many a structural bound explains.

Systems follow `system.System` (and `system.TiltedSystem` for importance sampling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy.stats import norm

from sim.rare.surprise import bits

Z95 = float(norm.ppf(0.975))


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class Estimate:
    """A rare-event probability estimate. `rel_error` is SE / p; `se` the standard error;
    `ess` the effective sample size (defined by each method's docstring); `model_steps` the
    number of `step` calls made; `extra` method-specific detail (e.g. AMS levels)."""

    p: float
    ci: tuple[float, float]
    rel_error: float
    ess: float
    model_steps: int
    bits: float
    method: str
    extra: dict = field(default_factory=dict)
    se: float = math.nan

    def as_json(self) -> dict:
        """Exactly the keys of `instalign tail --json`; non-finite numbers become null."""
        return {
            "p": self.p,
            "ci": [_finite(self.ci[0]), _finite(self.ci[1])],
            "rel_error": _finite(self.rel_error),
            "ess": _finite(self.ess),
            "model_steps": int(self.model_steps),
            "bits": _finite(self.bits),
            "method": self.method,
        }


def make_estimate(p: float, se: float, ci, ess: float, steps: int, method: str, **extra):
    """An Estimate from the point estimate and its standard error."""
    rel = se / p if p > 0 else math.inf
    ci = (float(ci[0]), float(ci[1]))
    return Estimate(float(p), ci, float(rel), float(ess), int(steps), bits(p), method, extra, se)


__all__ = ["Z95", "Estimate", "make_estimate"]
