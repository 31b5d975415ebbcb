"""The autonomy ramp of iterative deployment: trust is extended step by step after clean review
windows and withdrawn after incidents (OpenAI 2023 on iterative deployment; Anthropic 2023,
Responsible Scaling Policy; Shavit et al. 2023, "Practices for Governing Agentic AI Systems").

Alignment failure: *trust earned by behaviour under observation*. A ramp rewards a clean
record, and a clean record is exactly what a deceptively aligned agent produces while it is
watched (Hubinger et al. 2019, "Risks from Learned Optimization"); the autonomy it earns is the
share of its actions that take effect before anyone reviews them.

Per agent, each step: an incident (a caught harmful action) cuts autonomy by `penalty` and
restarts the clean count; otherwise the clean count grows, and after `window` clean steps
autonomy rises by `step` (capped at `cap`) and the count restarts.
"""

from __future__ import annotations

import numpy as np


def ramp(
    autonomy: np.ndarray,
    clean: np.ndarray,
    incident: np.ndarray,
    step: float,
    window: int,
    penalty: float,
    cap: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One step of the ramp: (new autonomy, new clean-step count)."""
    clean = np.where(incident, 0, clean + 1)
    up = clean >= window
    raised = np.minimum(cap, autonomy + step)
    autonomy = np.where(
        incident, np.maximum(0.0, autonomy - penalty), np.where(up, raised, autonomy)
    )
    return autonomy, np.where(up, 0, clean)


def takes_effect_first(rng: np.random.Generator, autonomy: np.ndarray) -> np.ndarray:
    """Which actions take effect before review: each with its agent's autonomy."""
    return rng.random(autonomy.shape[0]) < autonomy
