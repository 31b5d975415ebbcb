"""Politician and effort parameters (Laver & Sergenti 2011 rules; best-of-n approval search)."""

from sim.params.core import declare
from sim.params.sections import section
from sim.strategies import STRATEGIES

declare(
    "politicians.count",
    "int",
    2,
    "Number of competing politicians (parties).",
    unit="politicians",
    low=1,
    high=12,
)
declare(
    "politicians.strategy",
    "choice",
    "hunter",
    "Platform strategy; a list assigns strategies to politicians in turn.",
    choices=tuple(STRATEGIES),
    many=True,
)
declare(
    "politicians.optimization_pressure",
    "int",
    1,
    "n of the approval maximizer's best-of-n search (KL at most log n - (n-1)/n nats).",
    unit="proposals",
    low=1,
    high=4096,
    log=True,
)
declare(
    "politicians.kl_every",
    "int",
    10,
    "Cadence of the KL measurement of the incumbent's best-of-n choice (metric kl_from_base): "
    "every k-th step one extra poll rescores the enacted proposal against a fresh pool of "
    "max(256, 4n) base proposals. Measuring draws from its own stream, so it never changes "
    "the run; a smaller k costs run time and gives a more precise running mean.",
    unit="steps",
    low=1,
    high=100_000,
    log=True,
)
declare(
    "politicians.poll_size",
    "int",
    200,
    "Voters sampled by each poll that scores a proposal.",
    unit="voters",
    low=1,
    high=1_000_000,
    log=True,
)
declare(
    "politicians.step_size",
    "float",
    0.1,
    "Platform move per step (Laver rules) and sd of platform proposals.",
    unit="policy units",
    low=0.0,
    high=2.0,
)
declare(
    "politicians.effort_step",
    "float",
    0.15,
    "Standard deviation of proposed changes to the visible-effort share.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "politicians.initial_visible_effort",
    "float",
    0.2,
    "Share of effort spent on visible work at the start.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "politicians.initial_spread",
    "float",
    1.0,
    "Standard deviation of initial platforms around the origin.",
    unit="policy units",
    low=0.0,
    high=5.0,
)

declare(
    "effort.substantive_return",
    "float",
    1.0,
    "Welfare per unit of substantive effort (1 - v).",
    unit="utility",
    low=0.0,
    high=10.0,
)
declare(
    "effort.communication_return",
    "float",
    1.2,
    "Welfare per unit of visible effort before crowding out (explaining, informing).",
    unit="utility",
    low=0.0,
    high=10.0,
)
declare(
    "effort.crowd_out",
    "float",
    0.5,
    "Curvature h of the harm of visible effort, -h v^2: the extremal channel.",
    unit="utility",
    low=0.0,
    high=10.0,
)
declare(
    "effort.visibility",
    "float",
    1.5,
    "Perceived performance per unit of visible effort (seen with weight 1 - q).",
    unit="utility",
    low=0.0,
    high=10.0,
)

section("politicians", "electoral")
section("effort", "model")
