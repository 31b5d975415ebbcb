"""Election parameters (plurality: Downs 1957; retrospective: Barro 1973, Ferejohn 1986)."""

from sim.params.core import declare
from sim.params.sections import section

declare(
    "elections.interval", "int", 20, "Steps between elections.", unit="steps", low=1, high=100_000
)
declare(
    "elections.rule",
    "choice",
    "plurality",
    "plurality: spatial vote with perceived valence; retrospective: re-elect the incumbent "
    "if mean approval clears the cutoff.",
    choices=("plurality", "retrospective"),
)
declare(
    "elections.approval_cutoff",
    "float",
    0.5,
    "Retrospective rule: approval the incumbent needs to be re-elected.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "elections.valence_weight",
    "float",
    1.0,
    "Plurality rule: weight of the incumbent's perceived performance in voters' utility.",
    unit="1",
    low=0.0,
    high=10.0,
)

declare(
    "elections.money_weight",
    "float",
    1.0,
    "Plurality rule: valence campaign money buys, w in w (1 - q_i) m / (m + c) added to a "
    "candidate's score for voter i (q_i: the voter's information; m: the money the "
    "candidate collected over the cycle). Acts only when groups give campaign money "
    "(interest_groups.channels lists campaigns). Baron 1994; Grossman & Helpman 1996.",
    unit="utility",
    low=0.0,
    high=10.0,
)
declare(
    "elections.money_scale",
    "float",
    5.0,
    "Plurality rule: campaign money c at which a candidate buys half the attainable valence "
    "(diminishing returns m / (m + c)).",
    unit="money",
    low=1e-6,
    high=1e6,
    log=True,
)

section("elections", "electoral")
