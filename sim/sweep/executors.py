"""Executors behind one `concurrent.futures` seam: sequential, processes, dask.

`check(kind, workers, scheduler)` refuses a bad choice before anything starts (the name with
the closest valid one, the worker count, an unreachable scheduler: a TCP connection within
`CONNECT_TIMEOUT` seconds). `open_executor(kind, workers, scheduler)` is a context manager
yielding an `Executor`
(a `concurrent.futures.Executor` plus `window`, how many runs to keep in flight). The
runner only calls `submit` and waits on the returned `concurrent.futures.Future`s, so a new
backend is one more function here.

- `sequential`: runs each task in the calling process when it is submitted.
- `processes` (default): a `ProcessPoolExecutor` with the *spawn* start method (safe with
  threads, identical on Linux, macOS and Windows); workers ignore SIGINT so Ctrl-C reaches
  only the driver, which drains the runs in flight before it stops, and exit by themselves
  when the driver dies (no orphaned workers after a `kill -9` of the driver).
- `dask`: `distributed.Client(scheduler)` on an existing cluster when `--scheduler` is
  given, else a `LocalCluster` of `workers` single-threaded worker processes bound to
  127.0.0.1; tasks go through `Client.get_executor(pure=False)`.

Seeds are fixed per run before dispatch (`sim.sweep.seeds`), so every executor and worker
count gives identical results.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from sim.errors import ConfigError, unknown_name

EXECUTORS = ("sequential", "processes", "dask")
CONNECT_TIMEOUT = 3.0  # seconds to reach a dask scheduler before the store is touched
DASK_PORT = 8786
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class Executor:
    pool: cf.Executor
    window: int  # runs in flight at once (bounds memory and lets Ctrl-C drain quickly)
    workers: int
    kind: str

    def submit(self, fn, *args) -> cf.Future:
        return self.pool.submit(fn, *args)


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


def _worker_init(parent: int) -> None:
    """Pool workers ignore Ctrl-C (the driver drains them) and exit if the driver dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)  # orphaned: the driver was killed, nobody will read our results


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@contextlib.contextmanager
def open_executor(
    kind: str = "processes", workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor]:
    """An executor of `kind`, shut down on exit (pending runs cancelled)."""
    check(kind, workers, scheduler, reach=False)
    opener = {"sequential": _sequential, "processes": _processes, "dask": _dask}[kind]
    with opener(workers, scheduler) as ex:
        yield ex


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
def _sequential(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    yield Executor(SequentialPool(), 1, 1, "sequential")


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


@contextlib.contextmanager
def _processes(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    n = workers or default_workers()
    ctx = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(
        max_workers=n, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),)
    )
    try:
        with _one_blas_thread():
            yield Executor(pool, 8 * n, n, "processes")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _dask(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise ConfigError("dask.distributed is not installed", source="--executor") from None
    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(_connect(Client, scheduler))
        else:
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
        yield Executor(pool, 4 * n, n, "dask")


def _connect(client_cls, address: str):
    try:
        return client_cls(address, timeout="10s")
    except OSError as err:
        raise ConfigError(
            f"cannot reach the dask scheduler: {err}", source="--scheduler", path=address
        ) from None
