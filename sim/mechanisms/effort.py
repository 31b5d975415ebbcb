"""Multitask effort of the incumbent (Holmstrom & Milgrom 1991; the Goodhart channels of
Manheim & Garrabrant 2018).

The incumbent splits a unit effort budget into visible work v and substantive work 1 - v.

    G(v) = r_s (1 - v) + r_c v - h v^2     true welfare from the split
    S(v) = gamma v                          visible signal, seen with weight 1 - q_i

- Substantive work is welfare voters cannot see directly (seen only with weight q_i).
- Visible work helps a little at first (communication, r_c > r_s), then crowds out and harms
  welfare (the -h v^2 term): this is the *extremal* Goodhart channel, where pushing the proxy
  far leaves the region in which it tracked the goal. G peaks at v* = (r_c - r_s) / (2h).
- S(v) always raises perceived performance: the proxy keeps rising with v. Voters read visible
  activity as a sign of good government, but the incumbent can produce the sign without the
  substance: the *causal* channel (intervening on the proxy does not move the goal).
- Poll noise and perception noise make the proxy a noisy estimate of welfare: the
  *regressional* channel (anchor A2).

Alignment failure: multitask distortion - rewarding the measured (visible) task starves the
unmeasured (substantive) one, as in Holmstrom & Milgrom; with the channels above it is the
mechanism behind the overoptimization curve of anchor A3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EffortModel:
    substantive_return: float
    communication_return: float
    crowd_out: float
    visibility: float

    def welfare(self, v: np.ndarray | float) -> np.ndarray | float:
        """G(v): true welfare from spending share v on visible work."""
        return (
            self.substantive_return * (1.0 - v)
            + self.communication_return * v
            - self.crowd_out * v**2
        )

    def signal(self, v: np.ndarray | float) -> np.ndarray | float:
        """S(v): visible signal that raises perceived performance."""
        return self.visibility * v

    def optimum(self) -> float:
        """v* = argmax G on [0, 1]."""
        if self.crowd_out == 0:
            return 1.0 if self.communication_return > self.substantive_return else 0.0
        v = (self.communication_return - self.substantive_return) / (2 * self.crowd_out)
        return float(np.clip(v, 0.0, 1.0))

    @classmethod
    def from_section(cls, effort) -> EffortModel:
        """From the typed `effort` parameter section (`Config.section("effort")`)."""
        return cls(
            effort.substantive_return, effort.communication_return, effort.crowd_out,
            effort.visibility,
        )  # fmt: skip
