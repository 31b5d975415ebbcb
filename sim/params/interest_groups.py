"""Interest groups as strategic agents (issue 12, item 2): each of the bureaucracy's
`bureaucracy.interest_groups` groups has a budget per step and a strategy (sim/lobby/) that
splits it among bids for officials (a Tullock contest), bids for overseers (the revolving
door), lobbying the incumbent against the audit budget (a menu auction) and, when listed,
campaign contributions that buy valence (Baron 1994). The capture rates of officials and
overseers become outcomes of the money offered."""

from sim.lobby import CHANNELS, LOBBY_STRATEGIES
from sim.params.core import declare
from sim.params.sections import Gate, section

P = "interest_groups."

declare(
    P + "strategy",
    "choice",
    "none",
    "How each interest group spends its money: none (the component is off: officials and "
    "overseers are captured at their constant rates), passive (no spending: nobody is "
    "bought), fixed_split (equal shares on the enabled channels) or learning (an "
    "epsilon-greedy bandit over splits of the budget, scored by the officials it held).",
    choices=("none", *sorted(LOBBY_STRATEGIES)),
)
declare(
    P + "budget",
    "float",
    1.0,
    "Money each group spends per step (0: groups exist but buy nothing).",
    unit="money/step",
    low=0.0,
    high=1e6,
)
declare(
    P + "channels",
    "choice",
    "all",
    "Channels the groups may spend on: officials (bids for capture), overseers (bids for "
    "the oversight layers), oversight (lobbying the incumbent against the audit budget), "
    "campaigns (contributions to the candidate nearest the group's ideal, buying valence "
    "with uninformed voters: elections.money_weight), or all (the first three; campaigns "
    "only when listed). Leaving one out is its ablation.",
    choices=("all", *CHANNELS),
    many=True,
)
declare(
    P + "official_price",
    "float",
    0.05,
    "Reservation price k of an official in the capture contest: a lone group bidding k per "
    "official per step wins it with probability 1/2 (before deterrence). Tullock 1980.",
    unit="money/official/step",
    low=1e-9,
    high=1e6,
    log=True,
)
declare(
    P + "overseer_price",
    "float",
    5.0,
    "Reservation price k of an oversight layer in the revolving-door contest: a lone group "
    "bidding k per layer per step captures it with probability 1/2.",
    unit="money/layer/step",
    low=1e-9,
    high=1e6,
    log=True,
)
declare(
    P + "stake",
    "float",
    1.0,
    "A group's value of oversight cuts per share of the officials it holds: its stake "
    "against the audit budget is stake x held share (audit-budget units). 0 cuts the "
    "feedback from holdings to lobbying.",
    unit="budget share",
    low=0.0,
    high=100.0,
)
declare(
    P + "welfare_weight",
    "float",
    1.0,
    "Weight a of the incumbent's own budget choice against contributions in G = a W + sum C "
    "(Grossman & Helpman 1994): the larger, the harder the incumbent is to buy.",
    unit="money/share^2",
    low=0.01,
    high=1e6,
    log=True,
)
declare(
    P + "period",
    "int",
    10,
    "Steps a group keeps a split before scoring it and choosing the next.",
    unit="steps",
    low=1,
    high=10_000,
)
declare(
    P + "exploration",
    "float",
    0.1,
    "Epsilon of the learning strategy: the chance a period tries a random split.",
    unit="probability",
    low=0.0,
    high=1.0,
)

section(
    "interest_groups",
    "interest_groups",
    Gate("interest_groups.strategy", "!=", "none"),
    hint="--set interest_groups.strategy=fixed_split (with bureaucracy.depth >= 1)",
)
