"""Simulation jobs: the only place the dashboard runs the model, and what bounds it.

Every run happens in a background callback, in a process forked from the web server (never in
a request thread). `JobManager` is Dash's `DiskcacheManager` with limits:

- **A cap.** At most `Limits.jobs` jobs run at once per server: each job holds one of that
  many lock files in the shared cache folder (`flock`, taken by the server before the fork and
  inherited by the job), so the cap holds across every worker that shares the folder, and a
  job that dies for any reason frees its slot. A request that finds every slot taken starts
  nothing and gets the callback's busy answer (`when_busy`).
- **Join.** The same request (same callback arguments) while it still runs joins that job.
- **Stopping.** A page's Cancel kills its job (`cancel`), or asks it to stop by itself
  (`request_stop`, read by the job through `stop_requested`) when the job can end with an
  answer of its own (the Tail panel's estimators, `dashboard/tail.py`).
- **No leftovers.** A reaper thread reaps finished jobs (no zombies); a job stops itself when
  nobody has polled it for `Limits.abandon` seconds (the page was closed) or when its server
  process is gone (no orphans); the server kills its jobs when it stops. Job handles are
  checked against the start time of the process they name, so a reused PID is never killed.
- **A work budget.** `over_budget` bounds the work one request may ask for.

The limits are declared once here and read from the environment (`INSTALIGN_DASHBOARD_JOBS`,
`INSTALIGN_DASHBOARD_WORK`), so every worker of a production server agrees on them.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import psutil
from dash import DiskcacheManager

from sim.errors import ConfigError
from sim.scenario import Config

NO_JOB = -1  # the job handle of a request that started nothing (busy)
STEP_VOTERS = 10_000  # a step's fixed cost (politicians, offices, AI agents, oversight) in voters
NICE = 5  # jobs yield the CPU to the web server's threads
POLL = 0.5  # seconds between reaper and watchdog checks
BEAT_EVERY = 1.0  # seconds between heartbeat writes for one job
KEEP_RESULT = 60  # seconds a result stays readable for requests that joined the job
RECORD_TTL = 24 * 3600


@dataclass(frozen=True)
class Limits:
    """What one dashboard server allows (declared once; `from_env` reads the overrides)."""

    jobs: int = 2  # concurrent simulation jobs per server (2 cores here)
    work: float = 5e9  # voter-steps per request: steps x (voters + STEP_VOTERS) x runs
    abandon: float = 20.0  # seconds without a poll before a job stops itself

    ENV: ClassVar[dict[str, str]] = {
        "jobs": "INSTALIGN_DASHBOARD_JOBS",
        "work": "INSTALIGN_DASHBOARD_WORK",
    }

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Limits:
        return cls(**{f: _positive(env, var, f) for f, var in cls.ENV.items() if var in env})


def _positive(env: Mapping[str, str], var: str, field: str) -> float:
    try:
        value = float(env[var]) if field == "work" else int(env[var])
    except ValueError:
        value = 0
    if not value > 0:
        raise ConfigError(f"{env[var]!r} is not a positive number", path=var)
    return value


def work(config: Config, runs: int) -> int:
    """The work of `runs` runs of `config`, in voter-steps (each step also counts
    STEP_VOTERS voters for everything else the model updates)."""
    return int(config["steps"]) * (int(config["electorate.n_voters"]) + STEP_VOTERS) * runs


def over_budget(plan: Iterable[tuple[Config, int]], limits: Limits) -> str:
    """'' when the (config, runs) pairs fit the budget, else a one-line message."""
    total = sum(work(config, runs) for config, runs in plan)
    if total <= limits.work:
        return ""
    return (
        f"too much work for one request: {total:.3g} voter-steps (steps x (voters + "
        f"{STEP_VOTERS:,}) x runs) against a limit of {limits.work:.3g}; use fewer steps, "
        "voters or replications, or `instalign run` / `instalign sweep` outside the dashboard"
    )


def busy_message(limits: Limits) -> str:
    n = limits.jobs
    return (
        f"busy: {n} simulation job{'s' * (n != 1)} already running on this server (its "
        "limit); try again when one has finished"
    )


def when_busy(answer: Callable[[str], Any]) -> Callable:
    """Declare a background callback's answer (its outputs) when no job slot is free; it
    takes the one-line busy message."""

    def mark(fn: Callable) -> Callable:
        fn.busy_answer = answer
        return fn

    return mark


class Slots:
    """`n` lock files: a held `flock` is a running job (released when its process ends)."""

    def __init__(self, folder: Path, n: int) -> None:
        self.folder, self.n = Path(folder), n
        self.folder.mkdir(parents=True, exist_ok=True)

    def acquire(self) -> int | None:
        """The open, locked file descriptor of a free slot, or None when all are taken."""
        for i in range(self.n):
            fd = os.open(self.folder / f"slot-{i}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    def taken(self) -> int:
        """How many slots are held right now (by any process)."""
        free = []
        while (fd := self.acquire()) is not None:
            free.append(fd)
        for fd in free:
            os.close(fd)
        return self.n - len(free)


class JobManager(DiskcacheManager):
    """Dash's diskcache manager with a job cap, joins, a reaper and a watchdog per job."""

    def __init__(self, cache, folder: Path, limits: Limits) -> None:
        super().__init__(cache)
        self.limits = limits
        self.slots = Slots(Path(folder) / "slots", limits.jobs)
        self._children: dict[int, str] = {}  # this process's live jobs: pid -> result key
        self._lock = threading.Lock()
        self._beats: dict[str, float] = {}
        self._reaper_pid = 0
        atexit.register(self.stop_all)

    # -- starting, joining, refusing --------------------------------------------------------

    def make_job_fn(self, fn, progress, key=None):
        job_fn = super().make_job_fn(fn, progress, key)
        job_fn.busy_answer = getattr(fn, "busy_answer", None)
        return job_fn

    def call_job_fn(self, key, job_fn, args, context):
        with self._lock:
            self._reap()
            running = self._running(key)
            if running is not None:
                self._beat(key, force=True)
                return running  # the same request is running: join it
            fd = self.slots.acquire()
            if fd is None:
                answer = job_fn.busy_answer
                busy = (
                    {"_dash_no_update": "_dash_no_update"}
                    if answer is None
                    else answer(busy_message(self.limits))
                )
                self.handle.set(key, busy, expire=KEEP_RESULT)
                return NO_JOB
            self.handle.delete(key)  # a result kept from an earlier run of the same request
            self._beat(key, force=True)
            try:
                pid = _fork()
                if pid == 0:
                    self._child(fd, job_fn, key, args, context)
            finally:
                os.close(fd)  # the job holds the slot through its inherited descriptor
            self._children[pid] = key
            record = (psutil.Process(pid).create_time(), key)
            self.handle.set(_job_key(pid), record, expire=RECORD_TTL)
            self.handle.set(_running_key(key), pid, expire=RECORD_TTL)
            token = request_token(args)
            if token:
                self.handle.set(_token_key(token), key, expire=RECORD_TTL)
        self._start_reaper()
        return pid

    def cancel(self, token: Any) -> bool:
        """Stop the job started for the page's job request `token` (any worker): the page's
        Cancel, which does not depend on the browser still knowing the job's handle (Dash's
        own cancel sends it only once the first poll has answered). True if one stopped."""
        key = self.handle.get(_token_key(token)) if isinstance(token, str) else None
        pid = self._running(key) if key is not None else None
        if pid is None:
            return False
        self.terminate_job(pid)
        return True

    def request_stop(self, token: Any) -> bool:
        """Ask the job started for the page's job request `token` to stop by itself (a job
        that polls `stop_requested` between units of work then ends with its own answer, the
        Tail panel's estimators). True if such a job is running."""
        key = self.handle.get(_token_key(token)) if isinstance(token, str) else None
        if key is None or self._running(key) is None:
            return False
        self.handle.set(_stop_key(token), True, expire=RECORD_TTL)
        return True

    def stop_requested(self, token: Any) -> bool:
        """Whether the page asked the job of `token` to stop (`request_stop`); read by the
        job itself."""
        return isinstance(token, str) and bool(self.handle.get(_stop_key(token[:64])))

    def wait_stopped(self, token: Any, seconds: float) -> bool:
        """Wait up to `seconds` for the job of `token` to end; True if none runs then."""
        key = self.handle.get(_token_key(token)) if isinstance(token, str) else None
        end = time.monotonic() + seconds
        while key is not None and self._running(key) is not None:
            if time.monotonic() >= end:
                return False
            time.sleep(0.05)
        return True

    def _child(self, slot: int, job_fn, key: str, args, context) -> NoReturn:
        """The job process: it holds `slot` (an inherited locked descriptor) until it ends."""
        code = 0
        try:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            os.nice(NICE)
            _watch(self.handle, key, os.getppid(), self.limits.abandon)
            job_fn(key, self._make_progress_key(key), args, context)
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def _running(self, key: str) -> int | None:
        pid = self.handle.get(_running_key(key))
        return pid if pid is not None and self.job_running(pid) else None

    # -- polling (any worker) ---------------------------------------------------------------

    def get_result(self, key, job):
        self._beat(key)
        result = self.handle.get(key, self.UNDEFINED)
        if result is self.UNDEFINED:
            return result
        self.handle.touch(key, expire=KEEP_RESULT)  # requests that joined read it too
        self.clear_cache_entry(self._make_progress_key(key))
        self.terminate_job(job)
        return result

    def _beat(self, key: str, force: bool = False) -> None:
        now = time.time()
        if force or now - self._beats.get(key, 0.0) >= BEAT_EVERY:
            self._beats[key] = now
            self.handle.set(_beat_key(key), now, expire=RECORD_TTL)
        if len(self._beats) > 1000:
            self._beats.clear()

    def job_running(self, job):
        proc = self._process(job)
        try:
            return proc is not None and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def terminate_job(self, job):
        proc = self._process(job)
        if proc is None:
            return
        try:
            proc.kill()
            proc.wait(timeout=1)  # gone before a new request for the same view can join it
        except psutil.Error:
            pass
        with self._lock:
            self._reap()

    def _process(self, job) -> psutil.Process | None:
        """The job process a handle names, or None (no job, finished, or a reused PID)."""
        try:
            pid = int(job)
        except (TypeError, ValueError):
            return None
        record = self.handle.get(_job_key(pid)) if pid > 0 else None
        if record is None:
            return None
        try:
            proc = psutil.Process(pid)
            return proc if proc.create_time() == record[0] else None
        except psutil.Error:
            return None

    # -- reaping and stopping ---------------------------------------------------------------

    def _start_reaper(self) -> None:
        if self._reaper_pid != os.getpid():
            self._reaper_pid = os.getpid()
            reaper = threading.Thread(target=self._reap_forever, name="instalign-reaper")
            reaper.daemon = True
            reaper.start()

    def _reap_forever(self) -> None:
        while True:
            time.sleep(POLL)
            with self._lock:
                self._reap()

    def _reap(self) -> None:
        """Collect every finished job of this process (call with the lock held)."""
        for pid, key in list(self._children.items()):
            try:
                done = os.waitpid(pid, os.WNOHANG)[0] == pid
            except ChildProcessError:
                done = True
            if done:
                del self._children[pid]
                self.handle.delete(_job_key(pid))
                if self.handle.get(_running_key(key)) == pid:
                    self.handle.delete(_running_key(key))

    def live(self) -> list[int]:
        """PIDs of this process's jobs that have not been reaped yet."""
        with self._lock:
            self._reap()
            return list(self._children)

    def stop_all(self) -> None:
        """Kill and reap every job this process started (the server is stopping)."""
        for pid in list(self._children):
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._children.pop(pid, None)


def request_token(args: Iterable[Any]) -> str | None:
    """The token of the job request among a background callback's arguments (`plans.request`
    gives every request one), or None."""
    for arg in args:
        if isinstance(arg, dict) and isinstance(arg.get("token"), str):
            return arg["token"][:64]
    return None


def _token_key(token: str) -> str:
    return f"instalign-token-{token}"


def _stop_key(token: str) -> str:
    return f"instalign-stop-{token}"


def _job_key(pid: int) -> str:
    return f"instalign-job-{pid}"


def _running_key(key: str) -> str:
    return f"{key}-running"


def _beat_key(key: str) -> str:
    return f"{key}-beat"


def _fork() -> int:
    with warnings.catch_warnings():  # the job only runs the model: no lock it needs is held
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _watch(handle, key: str, parent: int, abandon: float) -> None:
    """Stop this job when its server process is gone or nobody polls it any more."""

    def loop() -> None:
        while True:
            time.sleep(POLL)
            if os.getppid() != parent:
                os._exit(3)
            if time.time() - handle.get(_beat_key(key), 0.0) > abandon:
                os._exit(4)

    threading.Thread(target=loop, name="instalign-watchdog", daemon=True).start()
