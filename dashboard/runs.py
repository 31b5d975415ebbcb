"""Runs for the dashboard: `sim.run` results cached on disk by scenario, parameters, seed and
steps, and streamed in chunks so the page can plot the first frames while a run goes on.
Runs are computed only inside simulation jobs (`dashboard.jobs`); request threads read the
cache (`get`, `has`, `missing`) and never run the model.

A run is built with `sim.run.build(config, seed)` and advanced with `model.run_for(k)`; the
chunks add up to exactly the steps of `sim.run.run`, so the series is identical to the CLI's
(a test checks it). On the way, agent frames are recorded at up to `snapshot.MAX_FRAMES`
evenly spaced steps (the last one always) for the watch panel's per-agent views (a sample
of voters, never the whole electorate; see dashboard/snapshot.py). The cache is a
`diskcache.Cache` in a folder every server worker shares; its key includes a hash of the
`sim/` sources, so editing the model never serves stale runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from dashboard.snapshot import Recorder, frame_steps
from sim.run import RunResult, build
from sim.scenario import Config, plain

CHUNKS = 20  # progress updates per run
MAX_ROWS = 2000  # steps kept per run for plotting and the cache (first and last always)
CACHE_BYTES = 512 * 2**20


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """A hash of every source file under sim/ (cheap: read once per process)."""
    root = Path(sim.__file__).resolve().parent
    h = hashlib.sha256(sim.__version__.encode())
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def run_key(config: Config, seed: int, steps: int) -> str:
    """The cache key of one run: scenario id, every parameter value, seed, steps, code."""
    values = {k: plain(v) for k, v in config.values.items()}
    blob = json.dumps([config.id, values, int(seed), int(steps), code_hash()], sort_keys=True)
    return "run:" + hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class Run:
    """One finished run: its series (a `step` column and one column per metric) and its
    agent frames (`{"voters": ..., "frames": [...]}`, read by `analysis.snapshots`)."""

    seed: int
    steps: int
    series: pd.DataFrame
    snapshot: dict[str, Any] = field(default_factory=dict)

    def result(self, config: Config) -> RunResult:
        return RunResult(config, self.seed, self.steps, self.series)


def chunk_sizes(steps: int, chunks: int = CHUNKS) -> list[int]:
    """Split `steps` into at most `chunks` positive parts that add up to `steps`; the first
    part is the smallest, so the first frame comes early."""
    n = max(1, min(chunks, steps))
    base, extra = divmod(steps, n)
    return [base + (1 if i >= n - extra else 0) for i in range(n)]


def execute(
    config: Config,
    seed: int,
    steps: int,
    on_chunk: Callable[[pd.DataFrame, int], None] | None = None,
) -> Run:
    """Run the model, calling `on_chunk(series_so_far, steps_done)` after every chunk and
    recording agent frames at `frame_steps(steps)`."""
    model = build(config, seed)
    recorder = Recorder(model, frame_steps(steps))
    done = 0
    for size in chunk_sizes(steps):
        done += size
        recorder.run_to(model, done)
        if on_chunk is not None:
            on_chunk(thin(_series(model)), done)
    return Run(int(seed), int(steps), thin(_series(model)), recorder.snapshot())


def _series(model) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def thin(series: pd.DataFrame, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """At most about `max_rows` rows: every k-th step plus the last (final values are kept
    exactly). Runs of up to `max_rows` steps are untouched; longer ones are plotted (and
    cached) at a period k, which the browser could not show point by point anyway."""
    if len(series) <= max_rows:
        return series
    k = -(-len(series) // max_rows)
    keep = (series["step"] % k == 0) | (series.index == series.index[-1])
    return series[keep].reset_index(drop=True)


class RunCache:
    """Finished runs on disk, shared by every worker (diskcache is process-safe)."""

    def __init__(self, folder: Path) -> None:
        import diskcache

        self.folder = Path(folder)
        self.cache = diskcache.Cache(
            str(self.folder), size_limit=CACHE_BYTES, eviction_policy="least-recently-used"
        )

    def get(self, config: Config, seed: int, steps: int) -> Run | None:
        return self.cache.get(run_key(config, seed, steps))

    def has(self, config: Config, seed: int, steps: int) -> bool:
        return run_key(config, seed, steps) in self.cache

    def missing(self, config: Config, seeds: list[int]) -> int:
        """How many of the runs of `config` on `seeds` are not cached."""
        steps = int(config["steps"])
        return sum(not self.has(config, seed, steps) for seed in seeds)

    def derived(self, name: str, config: Config, run: Run, make: Callable[[], Any]) -> Any:
        """A value computed from a cached run (`name` says what and which code made it),
        cached beside the run so every worker shares it; `make()` computes it once."""
        key = f"{name}:" + run_key(config, run.seed, run.steps)
        found = self.cache.get(key)
        if found is None:
            found = make()
            self.cache.set(key, found)
        return found

    def put(self, config: Config, run: Run) -> None:
        self.cache.set(run_key(config, run.seed, run.steps), run)

    def run(
        self,
        config: Config,
        seed: int,
        steps: int,
        on_chunk: Callable[[pd.DataFrame, int], None] | None = None,
    ) -> tuple[Run, bool]:
        """The cached run, or a fresh one (then cached); the flag says it came from cache."""
        found = self.get(config, seed, steps)
        if found is not None:
            return found, True
        fresh = execute(config, seed, steps, on_chunk)
        self.put(config, fresh)
        return fresh, False


def seeds_for(config: Config, reps: int) -> list[int]:
    """Replication seeds: the scenario's seed and the next `reps - 1` integers (each one is
    `instalign run --seed S`), shared by every arm (common random numbers); the rule is
    `analysis.arms.seeds`, which `instalign compare` uses too."""
    from analysis.arms import seeds

    return seeds(config, reps)


def replicate(
    cache: RunCache,
    config: Config,
    reps: int,
    on_chunk: Callable[[list[pd.DataFrame], int, int], None] | None = None,
) -> list[Run]:
    """`reps` runs of `config`; `on_chunk(frames, steps_done, steps_total)` sees every
    finished run's series plus the partial one, for live plots."""
    steps, runs = int(config["steps"]), []
    total = steps * reps
    for i, seed in enumerate(seeds_for(config, reps)):
        finished = [r.series for r in runs]
        live = (
            None
            if on_chunk is None
            else functools.partial(_live, on_chunk, finished, i * steps, total)
        )
        run, _ = cache.run(config, seed, steps, live)
        runs.append(run)
        if on_chunk is not None:
            on_chunk([r.series for r in runs], (i + 1) * steps, total)
    return runs


def _live(on_chunk, finished: list, offset: int, total: int, frame, done: int) -> None:
    on_chunk([*finished, frame], offset + done, total)
