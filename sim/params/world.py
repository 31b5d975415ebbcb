"""Run-level and policy-space parameters."""

from sim.params.core import declare
from sim.params.sections import section

declare("steps", "int", 200, "Number of model steps to run.", unit="steps", low=1, high=1_000_000)
declare(
    "seed",
    "int",
    0,
    "Master seed of the run: every random stream (one per component) is spawned from it "
    "with numpy's SeedSequence.",
    low=0,
    high=2**63 - 1,
)
declare(
    "world.dimensions",
    "int",
    2,
    "Dimensions of the continuous policy space.",
    unit="dimensions",
    low=1,
    high=5,
)

declare(
    "world.appearance_dimensions",
    "int",
    8,
    "k: dimensions of how an AI action looks (its appearance features, drawn N(0, I) unless "
    "the agent searches over them); checkers' blind spots are directions in this space "
    "(issue 13, sim/mechanisms/checker_view.py).",
    unit="dimensions",
    low=1,
    high=256,
)

section("world", "model")
