"""What every page's callbacks share: the results folder (the only place stores are read
from), the run cache, the limits on simulation jobs, and the locks around figure export
(kaleido's browser is not thread-safe: one export at a time, at most one more waiting)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.jobs import Limits
from dashboard.runs import RunCache

CACHE_DIRNAME = ".dashboard-cache"
EXPORTS_WAITING = 1  # figure exports queued behind the running one; more are told to retry


@dataclass
class Context:
    results: Path
    cache_dir: Path
    runs: RunCache
    limits: Limits = field(default_factory=Limits)
    export_lock: threading.Lock = field(default_factory=threading.Lock)
    export_gate: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(1 + EXPORTS_WAITING)
    )

    @classmethod
    def create(
        cls, results: Path, cache_dir: Path | None = None, limits: Limits | None = None
    ) -> Context:
        """`results` must exist (it is created if missing); the cache defaults to a hidden
        folder inside it, so every worker started on the same results shares it."""
        results = Path(results).resolve()
        results.mkdir(parents=True, exist_ok=True)
        cache_dir = Path(cache_dir).resolve() if cache_dir else results / CACHE_DIRNAME
        cache_dir.mkdir(parents=True, exist_ok=True)
        return cls(results, cache_dir, RunCache(cache_dir / "runs"), limits or Limits.from_env())
