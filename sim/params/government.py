"""Government lever parameters (issue 12): the incumbent sets the final audit's budget
within declared settings, by a lever policy (sim/levers/), and pays for oversight out of the
same effort budget that funds visible and substantive work."""

from sim.levers import LEVER_POLICIES
from sim.params.core import declare
from sim.params.sections import Gate, section

declare(
    "government.lever_policy",
    "choice",
    "none",
    "How the incumbent sets the oversight budget: none (the component is off: the budget is "
    "oversight.audit_budget and costs no effort), fixed (oversight.audit_budget, paid from "
    "the effort budget), welfare_maximizer or approval_maximizer (learn by an epsilon-greedy "
    "bandit which setting raises welfare, or approval, over the periods it was in force).",
    choices=("none", *sorted(LEVER_POLICIES)),
)
declare(
    "government.budget_settings",
    "int",
    5,
    "Audit budgets the government can set: this many evenly spaced shares from 0 to "
    "government.budget_max (the lever's arms).",
    unit="settings",
    low=2,
    high=50,
)
declare(
    "government.budget_max",
    "float",
    0.4,
    "Largest audit budget the government can set (share of each step's actions examined).",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "government.oversight_price",
    "float",
    1.0,
    "Effort the oversight budget takes from government work: the incumbent's visible and "
    "substantive work are both scaled by 1 - price x audit budget (at least 0). 0 cuts the "
    "coupling: oversight no longer competes with the work voters see.",
    unit="effort/share",
    low=0.0,
    high=10.0,
)
declare(
    "government.period",
    "int",
    10,
    "Steps a budget setting stays in force before the policy scores it and sets the next.",
    unit="steps",
    low=1,
    high=10_000,
)
declare(
    "government.exploration",
    "float",
    0.1,
    "Epsilon of the learning policies: the chance a period tries a random setting instead "
    "of the best so far.",
    unit="probability",
    low=0.0,
    high=1.0,
)

declare(
    "government.appointment_settings",
    "int",
    1,
    "Appointments lever: this many evenly spaced shares from 0 to 1 of the top level's "
    "offices the incumbent can fill with its own appointees (1: no lever, career officials "
    "everywhere). An appointee follows the incumbent's mandate, with no agency culture and no "
    "capture pull, but misreads it by bureaucracy.appointee_error (Lewis 2008).",
    unit="settings",
    low=1,
    high=11,
)
declare(
    "government.sanction_settings",
    "int",
    1,
    "Sanctions lever: this many evenly spaced severities from 0 to government.sanction_max "
    "the incumbent can enforce on caught officials (1: no lever, bureaucracy.sanction_severity "
    "always).",
    unit="settings",
    low=1,
    high=11,
)
declare(
    "government.sanction_max",
    "float",
    2.0,
    "Largest sanction severity the government can enforce (the deterrence model's S).",
    unit="severity",
    low=0.0,
    high=100.0,
)
declare(
    "government.sanction_price",
    "float",
    0.0,
    "Effort enforcement takes from government work per unit of severity (investigations, "
    "prosecutions): work is scaled by 1 - oversight_price x budget - sanction_price x "
    "severity (at least 0). 0: sanctions cost nothing.",
    unit="effort/severity",
    low=0.0,
    high=10.0,
)

section(
    "government",
    "government",
    Gate("government.lever_policy", "!=", "none"),
    hint="--set government.lever_policy=approval_maximizer",
)
