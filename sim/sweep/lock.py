"""Who is writing a sweep store: an exclusive lock, the owner's record and its heartbeat.

`DIR/.lock` is both the `flock` target (the kernel releases the lock when its holder dies,
however it dies) and a small JSON record of the holder: pid, host, start time and a
heartbeat, rewritten in place every `HEARTBEAT` seconds by a daemon thread (in place and at
a fixed size, so it needs no new disk space even on a full disk). A clean exit empties it.

- A second driver is refused while the lock is held, with the holder's pid, host and the
  age of its heartbeat (`check_free`, before anything is written; `owned` under the lock).
- A record left behind means the driver died holding the store (SIGKILL, the OOM killer, a
  power cut): the manifest still says `running`, `liveness` says `dead`, and the next
  `--resume` takes the store over (`owned` returns the dead driver's record).
- On a shared file system where `flock` may not reach across machines, a record written by
  another host counts as live until its heartbeat is `STALE` seconds old; one written on
  this host counts as live while its pid exists and its heartbeat is fresh.

Readers use only the record, never the lock, so a dashboard polling a store can never make
a starting driver's lock attempt fail.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.errors import ConfigError

LOCK = ".lock"
HEARTBEAT = 5.0  # seconds between heartbeats
STALE = 30.0  # a heartbeat older than this is a dead (or hung) driver's
RECORD_BYTES = 512  # the record is padded to this size and rewritten in place


def read_record(root: Path) -> dict[str, Any]:
    """The owner record of `root` ({} when nobody holds it or it cannot be read)."""
    try:
        text = (root / LOCK).read_text().strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}


def liveness(root: Path) -> dict[str, Any]:
    """`state` (`none`: no owner; `live`; `dead`: an owner that died holding the store),
    the owner's record and `age`, the seconds since its last heartbeat."""
    record = read_record(root)
    if not record:
        return {"state": "none"}
    age = max(0.0, time.time() - float(record.get("beat", 0)))
    fresh = age < STALE
    if record.get("host") == platform.node():
        fresh = fresh and _pid_alive(int(record.get("pid", 0)))
    return {**record, "state": "live" if fresh else "dead", "age": age}


def describe(info: dict[str, Any]) -> str:
    return (
        f"pid {info.get('pid')} on host {info.get('host')}, "
        f"last heartbeat {info.get('age', 0):.0f} s ago"
    )


def check_free(root: Path) -> None:
    """Refuse, before anything is written, a store that a live driver is writing."""
    info = liveness(root) if root.is_dir() else {"state": "none"}
    if info["state"] == "live" and info.get("pid") != os.getpid():
        raise _busy(root, info)


def _busy(root: Path, info: dict[str, Any]) -> ConfigError:
    return ConfigError(
        f"another sweep is writing this folder ({describe(info)})",
        source="--out",
        path=str(root),
        allowed=f"wait for it to finish, or stop it (kill {info.get('pid')}) and --resume",
    )


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@contextlib.contextmanager
def owned(root: Path) -> Iterator[dict[str, Any] | None]:
    """Hold `root`'s lock and keep its heartbeat; yields the record of a driver that died
    holding the store (a takeover), else None. Creates `root` if needed."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise ConfigError(
            f"cannot write here: {err.strerror}", source="--out", path=str(root)
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info = liveness(root)
            raise _busy(root, info if info["state"] != "none" else {}) from None
        previous = liveness(root)
        if previous["state"] == "live" and previous.get("pid") != os.getpid():
            raise _busy(root, previous)  # another host's driver (flock does not reach it)
        beat = _Heartbeat(fd)
        try:
            yield previous if previous["state"] == "dead" else None
        finally:
            beat.stop()
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)  # releases the lock


class _Heartbeat:
    """Writes the owner record now and every HEARTBEAT seconds; empties it on `stop`."""

    def __init__(self, fd: int) -> None:
        self.fd, self.done = fd, threading.Event()
        self.record = {
            "pid": os.getpid(),
            "host": platform.node(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.beat()
        self.thread = threading.Thread(target=self._run, name="sweep-heartbeat", daemon=True)
        self.thread.start()

    def beat(self) -> None:
        self.record.update(beat=time.time(), heartbeat=datetime.now(UTC).isoformat())
        data = json.dumps(self.record).encode().ljust(RECORD_BYTES - 1) + b"\n"
        with contextlib.suppress(OSError):  # a full disk: the old record stays (in place)
            os.pwrite(self.fd, data, 0)

    def _run(self) -> None:
        while not self.done.wait(HEARTBEAT):
            self.beat()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)  # a clean exit: nobody owns the store
