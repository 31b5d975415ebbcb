"""Headless parameter sweeps: a YAML spec (what varies, what is measured), a design
(grid, LHS, Monte Carlo, Sobol, Morris), an injected executor (sequential, processes,
dask), a resumable Parquet store and a loader of tidy frames.

    from sim.sweep import run_sweep, load
    report, manifest = run_sweep("scenarios/sweeps/demo.yaml", "results/demo")
    res = load("results/demo")          # .design .summary .series .failures .problem

See docs/sweeps.md, `sim.sweep.store` (layout) and `sim.sweep.results` (frames).
"""

from sim.sweep.results import SweepResults, load
from sim.sweep.runner import run_sweep
from sim.sweep.spec import Sweep, load_spec

__all__ = ["Sweep", "SweepResults", "load", "load_spec", "run_sweep"]
