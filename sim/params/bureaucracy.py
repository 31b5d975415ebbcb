"""Bureaucracy parameters: the delegation chain (principal-agent drift, deterrence), interest
groups (capture), multitask incentives (Holmstrom & Milgrom 1991; Zhuang & Hadfield-Menell
2020) and the budget-maximizing bureau (Niskanen 1971). See docs/model.md, "Bureaucracy".

`bureaucracy.depth = 0` (the default) means no bureaucracy: the component is disabled and the
mandate is implemented as elected."""

from sim.mechanisms.scheming import KINDS
from sim.params.core import declare
from sim.params.sections import Gate, Role, section

P = "bureaucracy."

# --- the hierarchy -----------------------------------------------------------------------
declare(
    P + "depth",
    "int",
    0,
    "Levels of the delegation chain below the incumbent (level k has branching^k "
    "bureaucrats); 0 disables the bureaucracy.",
    unit="levels",
    low=0,
    high=5,
)
declare(
    P + "branching",
    "int",
    5,
    "Subordinates of each bureaucrat above the leaves.",
    unit="bureaucrats",
    low=1,
    high=10,
)
declare(
    P + "drift_rate",
    "float",
    0.02,
    "Per-step growth of an undeterred bureaucrat's discretion: delta += rate (1 - delta).",
    unit="1/step",
    low=0.0,
    high=1.0,
)
declare(
    P + "initial_discretion",
    "float",
    0.05,
    "Discretion delta of a new bureaucrat: the weight of its own ideal point in what it passes on.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    P + "culture",
    "float",
    0.5,
    "Agency culture: bureaucrats' ideal points are centred this far along the first policy axis.",
    unit="policy units",
    low=-5.0,
    high=5.0,
)
declare(
    P + "ideal_spread",
    "float",
    0.5,
    "Standard deviation of bureaucrats' ideal points around the agency culture.",
    unit="policy units",
    low=0.0,
    high=5.0,
)
declare(
    P + "tolerance",
    "float",
    0.2,
    "Discretionary deviation (distance between what a bureaucrat passes on and what it "
    "received) above which its action counts as harmful (ground truth for oversight).",
    unit="policy units",
    low=0.0,
    high=10.0,
)
declare(
    P + "capability",
    "float",
    1.0,
    "Bureaucrats' capability, on the scale of AI agents' and monitors' capability.",
    unit="capability",
    low=0.0,
    high=10.0,
)

# --- sanctions and deterrence ------------------------------------------------------------
declare(
    P + "sanction",
    "choice",
    "reset",
    "What a caught bureaucrat suffers: reset (discretion back to its initial value), remove "
    "(replaced by a new bureaucrat; ends capture), fine (deterrence only).",
    choices=("reset", "remove", "fine"),
)
declare(
    P + "sanction_severity",
    "float",
    2.0,
    "Loss from one detection in units of the gain from full discretion (Becker 1968): "
    "discretion shrinks once severity x believed detection rate exceeds 1.",
    unit="1",
    low=0.0,
    high=100.0,
)
declare(
    P + "appointee_error",
    "float",
    0.3,
    "How far an appointee misreads the mandate each step (standard deviation per dimension), "
    "when the government fills top offices with its own appointees "
    "(government.appointment_settings): loyal but less expert (Lewis 2008).",
    unit="policy units",
    low=0.0,
    high=10.0,
)
declare(
    P + "learning_rate",
    "float",
    0.2,
    "Weight of each harmful action's outcome (caught or not) in a bureaucrat's believed "
    "detection rate.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    P + "prior_detection",
    "float",
    0.1,
    "A new bureaucrat's believed detection rate.",
    unit="probability",
    low=0.0,
    high=1.0,
)

# --- interest groups and capture ---------------------------------------------------------
declare(
    P + "capture_rate",
    "float",
    0.0,
    "Per-step probability that an undeterred, lobbied bureaucrat is captured by an interest "
    "group (scaled by 1 - its believed detection rate).",
    unit="1/step",
    low=0.0,
    high=1.0,
)
declare(
    P + "interest_groups",
    "int",
    1,
    "Number of interest groups lobbying the bureaucracy.",
    unit="groups",
    low=0,
    high=20,
)
declare(
    P + "group_distance",
    "float",
    1.5,
    "Distance of each interest group's position from the origin (random direction).",
    unit="policy units",
    low=0.0,
    high=10.0,
)
declare(
    P + "lobby_target",
    "choice",
    "uniform",
    "Whom groups lobby: uniform (every bureaucrat alike) or leverage (in proportion to the "
    "number of leaves below a bureaucrat).",
    choices=("uniform", "leverage"),
)

# --- multitask mandates ------------------------------------------------------------------
declare(
    P + "measured_dimensions",
    "int",
    5,
    "Mandate dimensions (the first k) on which implementers' performance is measured and "
    "rewarded; k >= world.dimensions measures all (no multitask distortion).",
    unit="dimensions",
    low=0,
    high=5,
)
declare(
    P + "motivation",
    "float",
    0.2,
    "Intrinsic (public-service) weight implementers put on every mandate dimension, beside "
    "the incentive on measured ones.",
    unit="1",
    low=0.0,
    high=10.0,
)
declare(
    P + "gaming_rate",
    "float",
    0.05,
    "Per-step move of implementers' effort split toward their best response to the measure.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    P + "effort_floor",
    "float",
    0.02,
    "Least effort share an implementer keeps on any dimension (Zhuang & Hadfield-Menell floor).",
    unit="share",
    low=0.001,
    high=0.2,
)
declare(
    P + "implementation_noise",
    "float",
    0.1,
    "Implementation error sd on a dimension given an equal effort split; sd scales as "
    "1/sqrt(d x effort share).",
    unit="policy units",
    low=0.0,
    high=5.0,
)
declare(
    P + "risk_aversion",
    "float",
    1.0,
    "Implementers' CARA risk aversion r (Holmstrom-Milgrom incentive beta* on measured tasks).",
    unit="1/utility",
    low=0.0,
    high=100.0,
)
declare(
    P + "effort_cost",
    "float",
    1.0,
    "Curvature c of implementers' effort cost (Holmstrom-Milgrom).",
    unit="utility",
    low=0.01,
    high=100.0,
)
declare(
    P + "measurement_noise",
    "float",
    1.0,
    "Variance sigma^2 of the performance measure on a measured dimension (Holmstrom-Milgrom).",
    unit="variance",
    low=0.0,
    high=100.0,
)

# --- the budget-maximizing bureau (Niskanen) ---------------------------------------------
declare(
    P + "budget_objective",
    "choice",
    "budget",
    "budget: the bureau maximizes its budget with all-or-nothing offers (Niskanen 1971); "
    "efficient: it offers the sponsor's efficient output at cost (benchmark).",
    choices=("budget", "efficient"),
)
declare(
    P + "budget_cycle",
    "int",
    20,
    "Steps between budget rounds (the bureau's offer to the sponsor).",
    unit="steps",
    low=1,
    high=100_000,
)
declare(
    P + "demand_intercept",
    "float",
    10.0,
    "a: sponsor's marginal valuation of the first unit of output (valuation a - b Q).",
    unit="utility/unit",
    low=0.0,
    high=1e6,
)
declare(
    P + "demand_slope",
    "float",
    1.0,
    "b: slope of the sponsor's marginal valuation.",
    unit="utility/unit^2",
    low=1e-6,
    high=1e6,
)
declare(
    P + "unit_cost",
    "float",
    6.0,
    "c: the bureau's constant unit cost of output.",
    unit="utility/unit",
    low=0.0,
    high=1e6,
)
declare(
    P + "sponsor_scrutiny",
    "float",
    0.0,
    "Probability per budget round that the sponsor learns the bureau's cost and pays it per "
    "unit, buying the efficient output (Miller & Moe 1983).",
    unit="probability",
    low=0.0,
    high=1.0,
)
declare(
    P + "surplus_weight",
    "float",
    0.01,
    "Voter utility per unit of sponsor surplus lost to the bureau, added to world harm each step.",
    unit="utility/surplus",
    low=0.0,
    high=10.0,
)

# --- AI agents staffing offices (sim/mechanisms/ai_office.py) ---------------------------
declare(
    P + "ai_share",
    "float",
    0.0,
    "Share of the delegation tree's offices staffed by AI agents instead of human officials "
    "(0: none, the bureaucracy as before).",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    P + "ai_placement",
    "choice",
    "top",
    "Which offices AI agents staff: top (from level 1 down), leaves (from the implementers "
    "up) or random.",
    choices=("top", "leaves", "random"),
)
declare(
    P + "ai_alignment",
    "choice",
    "aligned",
    "Kind of the AI officials: aligned (passes the directive on, with noise), stochastic "
    "(adds a random error) or scheming (passes on its lineage's goal when it expects not to be "
    "caught); a list assigns kinds to AI offices in turn.",
    choices=KINDS,
    many=True,
)
declare(
    P + "ai_noise",
    "float",
    0.05,
    "Implementation noise sd of an AI office on each dimension of what it passes on.",
    unit="policy units",
    low=0.0,
    high=5.0,
)
declare(
    P + "ai_deviation",
    "float",
    0.3,
    "Norm of a stochastic AI office's random error, in a fresh random direction each step.",
    unit="policy units",
    low=0.0,
    high=10.0,
)
declare(
    P + "ai_goal_distance",
    "float",
    2.0,
    "Distance of each AI lineage's own goal from the origin (random direction); scheming "
    "copies pass it on when they attack.",
    unit="policy units",
    low=0.0,
    high=10.0,
)
declare(
    P + "ai_risk_tolerance",
    "float",
    0.15,
    "A scheming AI office attacks while its lineage's estimate that an attack is caught is at "
    "most this.",
    unit="probability",
    low=0.0,
    high=1.0,
)
declare(
    P + "ai_capability",
    "float",
    1.0,
    "AI officials' capability, on the scale of monitors' capability.",
    unit="capability",
    low=0.0,
    high=10.0,
)

section(
    "bureaucracy",
    "bureaucracy",
    Gate("bureaucracy.depth", ">", 0),
    roles=(
        Role("bureaucrat", watchable=True),
        Role("interest_group", when=Gate("bureaucracy.interest_groups", ">", 0)),
        Role("ai_official", watchable=True, when=Gate("bureaucracy.ai_share", ">", 0)),
    ),
    hint="bureaucracy.depth=1 or more",
)
