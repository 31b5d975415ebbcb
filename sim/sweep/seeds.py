"""Per-run seeds, fixed before dispatch: the results are identical whatever the executor.

The master seed of a sweep is the root of a `numpy.random.SeedSequence`. Its first child
seeds the design sampler (LHS, Monte Carlo, Sobol and Morris draws); its second child is
spawned once more into one child per *cell*, and each run's integer seed is drawn from its
cell's child. A cell is what common random numbers share (see `cell_index`):

- ``interventions`` (default): the runs of one scenario, design point and replication
  share a cell, so every intervention meets the same voters and the same shocks and the
  paired difference between two interventions removes the common noise;
- ``all``: only the replication index picks the cell (every design point, scenario and
  intervention of replication r shares its seed: smooth response surfaces);
- ``none``: every run has its own cell.

Seeds are 63-bit integers (they fit Parquet's int64 and the `seed` parameter's range), so
collisions between cells are negligible (p < 1e-10 for a million cells).
"""

from __future__ import annotations

import numpy as np

CRN_MODES = ("interventions", "all", "none")


def design_rng(master: int) -> np.random.Generator:
    """The generator that draws the design sample (first child of the master seed)."""
    return np.random.default_rng(np.random.SeedSequence(master).spawn(2)[0])


def design_seed(master: int) -> int:
    """An integer seed for samplers that want one (SALib), from the design child."""
    return int(design_rng(master).integers(0, 2**31 - 1))


def cell_seeds(master: int, n_cells: int) -> np.ndarray:
    """One 63-bit seed per cell, spawned from the master seed's second child."""
    runs = np.random.SeedSequence(master).spawn(2)[1]
    return np.array(
        [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in runs.spawn(n_cells)],
        dtype=np.int64,
    )


def cell_index(
    mode: str,
    scenario: np.ndarray,
    point: np.ndarray,
    replication: np.ndarray,
    run_id: np.ndarray,
    n_points: int,
    n_reps: int,
) -> np.ndarray:
    """The cell of each run under common-random-numbers `mode` (arrays of equal length)."""
    if mode == "interventions":
        return (scenario * n_points + point) * n_reps + replication
    if mode == "all":
        return replication.copy()
    if mode == "none":
        return run_id.copy()
    raise ValueError(f"unknown common_random_numbers mode {mode!r}")


def run_seeds(master: int, mode: str, **index: np.ndarray | int) -> np.ndarray:
    """The seed of every run: spawn one child per cell, then look each run's cell up."""
    cells = cell_index(mode, **index)
    seeds = cell_seeds(master, int(cells.max()) + 1 if len(cells) else 0)
    return seeds[cells]
