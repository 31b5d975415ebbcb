"""Headless parameter sweeps: a YAML spec (what varies, what is measured), a design
(grid, LHS, Monte Carlo, Sobol, Morris), an injected executor (sequential, processes,
dask), a resumable Parquet store and a loader of tidy frames.

    from sim.sweep import run_sweep, load
    report, manifest = run_sweep("scenarios/sweeps/demo.yaml", "results/demo")
    res = load("results/demo")          # .design .summary .series .failures .problem

See docs/sweeps.md, `sim.sweep.store` (layout) and `sim.sweep.results` (frames). The names
below are imported on first use, so a worker process that unpickles a run
(`sim.sweep.task`) does not import the driver's modules (pyarrow, rich, SALib).
"""

from importlib import import_module

_EXPORTS = {
    "Sweep": "sim.sweep.spec",
    "load_spec": "sim.sweep.spec",
    "SweepResults": "sim.sweep.results",
    "load": "sim.sweep.results",
    "run_sweep": "sim.sweep.runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
