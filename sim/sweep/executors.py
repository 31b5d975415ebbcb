"""Executors behind one `concurrent.futures` seam: sequential, processes, dask.

`check(kind, workers, scheduler)` refuses a bad choice before anything starts (the name with
the closest valid one, the worker count, an unreachable scheduler: a TCP connection within
`CONNECT_TIMEOUT` seconds). `open_executor(kind, workers, scheduler, reuse=False)` is a
context manager yielding an `Executor`
(a `concurrent.futures.Executor` plus `window`, how many runs to keep in flight). The
runner only calls `submit` and waits on the returned `concurrent.futures.Future`s, so a new
backend is one more function here. The runner sends runs in chunks (`sim.sweep.batch`).

- `sequential`: runs each task in the calling process when it is submitted.
- `processes` (default): a `ProcessPoolExecutor` whose workers are forked from a
  *forkserver* (`start_method()`; spawn where there is none): a fresh single-threaded
  interpreter, started once per driver process, that has imported the simulator
  (`PRELOAD`: mesa, numpy, scipy, networkx, pandas come with it) so a worker starts in
  milliseconds instead of re-importing everything (~1.5 s each under spawn). As under spawn,
  nothing of the driver's state is inherited: a worker gets the driver's environment as it
  is when the pool opens (`_worker_init`), ignores SIGINT so Ctrl-C reaches only the driver,
  which drains the runs in flight before it stops, and exits by itself when the driver dies
  (no orphaned workers after a `kill -9` of the driver). `prestart()` starts the forkserver
  early, so its imports overlap the driver's own checks.
- `dask`: `distributed.Client(scheduler)` on an existing cluster when `--scheduler` is
  given, else a `LocalCluster` of `workers` single-threaded worker processes bound to
  127.0.0.1 (forked from the same forkserver, which then also preloads `distributed`);
  tasks go through `Client.get_executor(pure=False)`.

A warm pool: with `reuse=True` the pool (or the LocalCluster and its client, or the client
of a scheduler) is not shut down when the block ends but kept, keyed by (kind, workers,
scheduler), and handed to the next `open_executor(..., reuse=True)` with the same key in
this process; a pool that broke, or that still has runs in flight (an aborted sweep), is
shut down instead. `shutdown_warm()` closes them all; it runs at exit. `warm_scope()` closes
the ones started inside it. A design search, which runs one sweep per generation, and the
findings check, two sweeps per finding, thus start their workers once.

Seeds are fixed per run before dispatch (`sim.sweep.seeds`), so every executor and worker
count gives identical results.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sim.errors import ConfigError, unknown_name

EXECUTORS = ("sequential", "processes", "dask")
CONNECT_TIMEOUT = 3.0  # seconds to reach a dask scheduler before the store is touched
DASK_PORT = 8786
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# A LocalCluster (sweeps of CPU-bound runs on this machine, a few chunks per worker in
# flight): no statistical profiler in the workers (a thread that takes the GIL every 10 ms
# to sample the running task: a few % of each run), no work stealing (nothing queues long
# enough to be stolen), and the periodic bookkeeping of scheduler, nannies and workers
# (psutil samples, memory checks, event-loop ticks) less often: 16 instead of 34 ms of
# driver CPU a second on an idle 2-worker cluster. An existing cluster keeps its settings.
DASK_LOCAL = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.tick.interval": "100ms",
}
PRELOAD = ("sim.sweep.batch", "sim.sweep.task")  # what a worker imports (a tail sweep's
# estimators, sim.rare, are imported by the first tail run: 0.4 s more for every sweep)
Closer = Callable[[], None]


@dataclass
class Executor:
    pool: cf.Executor
    window: int  # runs in flight at once (bounds memory and lets Ctrl-C drain quickly)
    workers: int
    kind: str
    start_method: str | None = None  # how worker processes start (None: not ours to say)
    live: set = field(default_factory=set, repr=False)  # submitted, not finished

    def submit(self, fn, *args) -> cf.Future:
        future = self.pool.submit(fn, *args)
        if not future.done():
            self.live.add(future)
            future.add_done_callback(self.live.discard)
        return future

    def healthy(self) -> bool:
        """Still usable: the pool did not break, the client is connected."""
        if getattr(self.pool, "_broken", False):  # ProcessPoolExecutor: a worker died
            return False
        client = getattr(self.pool, "_client", None)  # dask's ClientExecutor
        return client is None or client.status == "running"

    def settle(self) -> bool:
        """Cancel what was submitted and has not started; True if nothing is left running
        (the pool can serve another sweep)."""
        for future in list(self.live):
            future.cancel()
        return not any(not f.done() for f in list(self.live))


class SequentialPool(cf.Executor):
    """Runs each call at submit time in this process; returns a finished Future."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:
            future.set_exception(err)
        return future


def _worker_init(env: dict[str, str] | None = None) -> None:
    """Pool workers ignore Ctrl-C (the driver drains them), see the driver's environment as
    it was when the pool opened (a forkserver's child would otherwise see the forkserver's)
    and exit if the driver dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    watch = (multiprocessing.parent_process(), os.getppid())
    threading.Thread(target=_watch_parent, args=watch, daemon=True, name="watch-driver").start()


def _watch_parent(driver, parent: int) -> None:
    """Exit when the driver is gone: the pipe it holds open for us reaches end-of-file
    (`multiprocessing.parent_process()`: the driver, also under a forkserver), or this
    process was re-parented (its parent, the driver or the forkserver, died)."""
    while os.getppid() == parent and (driver is None or driver.is_alive()):
        if driver is None:
            time.sleep(1.0)
        else:
            driver.join(1.0)  # returns at once when the driver's end of the pipe closes
    os._exit(1)  # orphaned: the driver was killed, nobody will read our results


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@contextlib.contextmanager
def open_executor(
    kind: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    reuse: bool = False,
) -> Iterator[Executor]:
    """An executor of `kind`, shut down on exit (pending runs cancelled); with `reuse`, a
    warm one kept for the next `open_executor(..., reuse=True)` (module docstring)."""
    check(kind, workers, scheduler, reach=False)
    if kind == "sequential":
        yield Executor(SequentialPool(), 1, 1, "sequential")
        return
    key = (kind, workers or (None if scheduler else default_workers()), scheduler)
    entry = _checkout(key) if reuse else None
    if entry is None:
        entry = (_start_processes if kind == "processes" else _start_dask)(workers, scheduler)
    ex, close = entry
    clean = False
    try:
        yield ex
        clean = True
    finally:
        if reuse and clean and ex.settle() and ex.healthy():
            _checkin(key, entry)
        else:
            close()


# ---- warm pools ---------------------------------------------------------------------------

_WARM: dict[tuple, tuple[Executor, Closer]] = {}
_WARM_LOCK = threading.Lock()
_AT_EXIT = False


def _checkout(key: tuple) -> tuple[Executor, Closer] | None:
    """The warm executor for `key`, taken out of the cache while in use (None if none)."""
    with _WARM_LOCK:
        entry = _WARM.pop(key, None)
    if entry is not None and not entry[0].healthy():
        _close_quietly(entry)
        return None
    return entry


def _checkin(key: tuple, entry: tuple[Executor, Closer]) -> None:
    global _AT_EXIT
    with _WARM_LOCK:
        extra = _WARM.pop(key, None)  # another thread kept one meanwhile: keep ours
        _WARM[key] = entry
        if not _AT_EXIT:
            atexit.register(shutdown_warm)
            _AT_EXIT = True
    if extra is not None:
        _close_quietly(extra)


def warm() -> list[tuple]:
    """The keys (kind, workers, scheduler) of the executors kept warm in this process."""
    with _WARM_LOCK:
        return list(_WARM)


@contextlib.contextmanager
def warm_scope() -> Iterator[None]:
    """Keep pools warm inside the block (`open_executor(..., reuse=True)`), then shut down
    the ones it started: a design search or a findings check starts its workers once, and
    leaves none behind in a long-lived process (the dashboard, a notebook)."""
    before = set(warm())
    try:
        yield
    finally:
        with _WARM_LOCK:
            mine = [k for k in _WARM if k not in before]
            entries = [_WARM.pop(k) for k in mine]
        for entry in entries:
            _close_quietly(entry)


def shutdown_warm() -> None:
    """Shut down every warm executor of this process (also done at exit)."""
    with _WARM_LOCK:
        entries = list(_WARM.values())
        _WARM.clear()
    for entry in entries:
        _close_quietly(entry)


def _close_quietly(entry: tuple[Executor, Closer]) -> None:
    with contextlib.suppress(Exception):
        entry[1]()


# ---- worker processes: a forkserver with the simulator preloaded --------------------------


def start_method() -> str:
    """How pool workers start: "forkserver" where the platform has one, else "spawn"."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


_SERVER_LOCK = threading.Lock()


def prestart(kind: str, scheduler: str | None = None) -> None:
    """Start what the executor's workers will be forked from now (the forkserver and its
    imports, ~1 s, in a process of its own), so it overlaps the driver's own work. A no-op
    for the sequential executor, a dask scheduler, spawn, or a server already running."""
    if kind == "processes" or (kind == "dask" and not scheduler):
        _forkserver(dask=kind == "dask")


def _forkserver(dask: bool = False):
    """The forkserver context, its server started (once per driver process) with PRELOAD
    imported and one BLAS thread per process; the spawn context where there is none."""
    if start_method() != "forkserver":
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    with _SERVER_LOCK, _one_blas_thread():
        if getattr(forkserver._forkserver, "_forkserver_pid", None) is None:
            # '__main__' is left out: the driver's script is not run in the server
            ctx.set_forkserver_preload([*PRELOAD, *(["distributed"] if dask else [])])
        forkserver.ensure_running()  # checks that a server started earlier is still alive
    return ctx


def check(kind: str, workers: int | None, scheduler: str | None, reach: bool = True) -> None:
    """Refuse a bad executor choice before anything starts or is written: the name (with
    the closest valid one), the worker count, `--scheduler` without dask, and (`reach`) a
    scheduler that does not accept a TCP connection within CONNECT_TIMEOUT seconds."""
    if kind not in EXECUTORS:
        raise unknown_name("executor", kind, EXECUTORS, source="--executor")
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise ConfigError(
            f"{workers} workers: need at least one", source="--workers", allowed="int >= 1"
        )
    if scheduler and kind != "dask":
        raise ConfigError("--scheduler needs --executor dask", source="--scheduler")
    if scheduler and reach:
        reachable(scheduler)


def reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """A TCP connection to the scheduler at `address` (`tcp://host:port`, `tls://...` or
    `host:port`; other transports are left to dask), or a ConfigError."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return
    try:
        parts = urlsplit(f"//{rest}")
        host, port = parts.hostname, parts.port or DASK_PORT
    except ValueError as err:
        raise ConfigError(f"bad address: {err}", source="--scheduler", path=address) from None
    if not host:
        raise ConfigError("no host in the address", source="--scheduler", path=address,
                          allowed="tcp://HOST:PORT")  # fmt: skip
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as err:
        timed_out = isinstance(err, TimeoutError)
        why = f"no answer within {timeout:g} s" if timed_out else (err.strerror or str(err))
        raise ConfigError(
            f"cannot reach the dask scheduler at {host}:{port}: {why}",
            source="--scheduler",
            path=address,
            allowed="the address of a running `dask scheduler`, or no --scheduler for a "
            "local cluster",
        ) from None


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Workers inherit one BLAS/OpenMP thread each (as Dask's nanny does): N workers on N
    cores, not N x cores threads. Variables the user set are left alone."""
    added = [k for k in BLAS_THREADS if k not in os.environ]
    os.environ.update(dict.fromkeys(added, "1"))
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def _start_processes(workers: int | None, scheduler: str | None) -> tuple[Executor, Closer]:
    """A process pool with every worker started (forked from the forkserver, or spawned),
    and the function that shuts it down (pending runs cancelled)."""
    n = workers or default_workers()
    ctx = _forkserver()
    with _one_blas_thread():
        pool = cf.ProcessPoolExecutor(
            max_workers=n, mp_context=ctx, initializer=_worker_init, initargs=(dict(os.environ),)
        )
        if ctx.get_start_method() == "forkserver":  # the environment travels in initargs
            # start the workers in the background: forking waits for the forkserver's
            # imports, which the caller's next steps (writing the store) can overlap
            threading.Thread(target=_start_workers, args=(pool, n), daemon=True).start()
        else:
            _start_workers(pool, n)  # spawned now, in this environment
    ex = Executor(pool, 8 * n, n, "processes", ctx.get_start_method())
    return ex, lambda: pool.shutdown(wait=True, cancel_futures=True)


def _start_workers(pool: cf.ProcessPoolExecutor, n: int) -> None:
    """Start all `n` workers of `pool` (each submit starts one while none is idle)."""
    with contextlib.suppress(RuntimeError, cf.BrokenExecutor):  # shut down or broken meanwhile
        for _ in range(n):
            pool.submit(int)


def _start_dask(workers: int | None, scheduler: str | None) -> tuple[Executor, Closer]:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise ConfigError("dask.distributed is not installed", source="--executor") from None
    stack = contextlib.ExitStack()
    try:
        method = None
        if scheduler:
            client = stack.enter_context(_connect(Client, scheduler))
        else:
            method = _forkserver(dask=True).get_start_method()
            config = {"distributed.worker.multiprocessing-method": method, **DASK_LOCAL}
            with dask.config.set(config), _one_blas_thread():
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers or default_workers(),
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                )
            client = stack.enter_context(Client(cluster))
        n = max(1, sum(client.nthreads().values()))
        pool = client.get_executor(pure=False)
    except BaseException:
        stack.close()
        raise
    return Executor(pool, 4 * n, n, "dask", method), stack.close


def _connect(client_cls, address: str):
    try:
        return client_cls(address, timeout="10s")
    except OSError as err:
        raise ConfigError(
            f"cannot reach the dask scheduler: {err}", source="--scheduler", path=address
        ) from None
