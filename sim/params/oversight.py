"""Oversight parameters: the ordered layers (each item has a `kind` and that kind's fields, see
sim/oversight/) and the final human audit. An empty `oversight.layers` (the default) disables
oversight. See docs/parts/30-oversight.md."""

from sim.params.core import PARAMS, declare


def _layers(value, path):
    if value is None or (isinstance(value, list | tuple) and not value):
        return ()
    from sim.oversight import validate_layers  # sim.oversight imports sim.params.core

    return validate_layers(value, path)


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
    1.0,
    "Probability that the final audit confirms a harmful action it examines.",
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


@PARAMS.cross_check
def _roles_exist(values) -> None:
    """A layer may only reference roles the scenario has (checked at load, not at build)."""
    if not values["oversight.layers"]:
        return
    from sim.oversight import check_roles, roles_in

    check_roles(values["oversight.layers"], roles_in(values))
