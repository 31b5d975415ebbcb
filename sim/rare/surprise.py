"""Surprise accounting (issue 14): how unlikely an event is, in bits (-log2 p), and how many of
those bits a structural bound of the model explains, e.g. the product of the miss rates of
independent oversight layers, or a KL-budget ceiling on a deployment's catastrophe rate
(sim/mechanisms/kl_budget.py). Bits are Shannon's measure of surprise (self-information;
Shannon 1948); the split into explained and unexplained bits follows the seed of issue 14.
"""

from __future__ import annotations

import math


def bits(p: float) -> float:
    """Self-information -log2 p of an event of probability p (inf at p = 0)."""
    if not 0 <= p <= 1:
        raise ValueError(f"a probability must lie in [0, 1], got {p}")
    return math.inf if p == 0 else -math.log2(p) + 0.0


def explained(p: float, bound: float) -> dict:
    """Bits of p against a structural upper bound on it: `bound` explains -log2 bound bits;
    the rest, -log2(p / bound), is what the structure does not account for (negative when the
    estimate exceeds the bound, a sign that the bound fails or the estimate is noisy)."""
    total, known = bits(p), bits(bound)
    return {"bits": total, "explained_bits": known, "unexplained_bits": total - known,
            "bound": bound}  # fmt: skip
