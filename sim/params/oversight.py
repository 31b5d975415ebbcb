"""Oversight parameters: the ordered layers (each item has a `kind` and that kind's fields, see
sim/oversight/) and the final human audit. An empty `oversight.layers` (the default) disables
oversight. See docs/parts/30-oversight.md."""

from sim.params.core import PARAMS, declare
from sim.params.sections import Gate, section


def _layers(value, path):
    if value is None or (isinstance(value, list | tuple) and not value):
        return ()
    return PARAMS.provided("oversight.layers")(value, path)  # sim.oversight provides it


declare(
    "oversight.layers",
    "list",
    [],
    "Ordered oversight layers, bottom first; each item is {kind: police_patrol | fire_alarm | "
    "ai_monitor | critique_review | debate | panel, ...its fields}. Empty disables oversight.",
    item=_layers,
)
declare(
    "oversight.audit_budget",
    "float",
    0.05,
    "Final human audit: share of each step's actions the auditors can examine (most "
    "suspicious flagged actions first).",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "oversight.audit_recall",
    "float",
    0.4,
    "Probability that the final audit confirms a harmful action it examines: a human finding "
    "the flaw unaided, as critique_review's human_recall (Saunders et al. 2022: reviewers find "
    "40-60% of flaws, the upper end only with AI critiques; 1 for the perfect audits of "
    "Greenblatt et al. 2023's control evaluations).",
    unit="probability",
    low=0.0,
    high=1.0,
)
declare(
    "oversight.audit_cost",
    "float",
    1.0,
    "Cost of one final audit (the unit of oversight_cost).",
    unit="audits",
    low=0.0,
)
declare(
    "oversight.cost_weight",
    "float",
    0.001,
    "Welfare each voter (taxpayer) loses per unit of oversight_cost per step, charged to "
    "world.harm: small but not free, one audit costs 1/200 of the welfare a harmful AI action "
    "destroys (ai_agents.harm = 0.2), so auditing is cheap next to the harm it averts.",
    unit="utility/audit",
    low=0.0,
    high=10.0,
)

declare(
    "oversight.blind_spot_correlation",
    "float",
    0.0,
    "rho: cosine between the blind spots of any two checker layers in appearance space (1: "
    "one lineage, the same base model or rater training, sharing one crack; 0: independent "
    "cracks). Matters only for layers with blind_spot > 0.",
    unit="cosine",
    low=0.0,
    high=1.0,
)
declare(
    "oversight.blind_spot_harm",
    "float",
    0.7071,
    "c: cosine between a blind spot and the harm direction, the share of harm a crack can "
    "hide (a checker with blind_spot b weights harm 1 - b c^2 and the crack's appearance "
    "direction -b c sqrt(1 - c^2)).",
    unit="cosine",
    low=0.0,
    high=1.0,
)

section(
    "oversight",
    "oversight",
    Gate("oversight.layers", "nonempty"),
    hint="at least one item in oversight.layers, e.g. "
    "--set 'oversight.layers=[{kind: police_patrol}]'",
)
