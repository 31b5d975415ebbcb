"""Progress of a long command that reads well on a terminal and in a log file.

    from sim.progress import Progress

    with Progress(total=len(items), label="validate", unit="anchors") as progress:
        for item in items:
            ok = work(item)
            progress.advance(failed=0 if ok else 1)

- On a terminal (stderr is a TTY): a rich bar with done/total, failed, rate and ETA.
- Anywhere else (a batch job, `2> log`, CI): one plain line on stderr every N seconds, from
  a background thread, so a log shows life even while one item takes minutes:

      validate: 3/12 anchors done, 0 failed, 7 s elapsed, 0.41/s, ETA 22 s

  plus a last line when the block ends (a short block prints only that one).
- N is `every=`, else the environment variable INSTALIGN_PROGRESS_SECONDS (the global option
  `instalign --progress-every N` sets it), else 10.
- `advance(n=1, failed=0)` counts `n` more items done, `failed` of them failed; it is
  thread-safe (an executor's callback thread may call it). `total` may be changed while
  running (e.g. when a resumed sweep learns how many runs are left). `quiet=True` prints
  nothing but still counts.

The module imports only the standard library; rich is imported when a bar is drawn.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

from sim.errors import ConfigError

ENV = "INSTALIGN_PROGRESS_SECONDS"
DEFAULT_SECONDS = 10.0


def interval(value: float | str | None = None) -> float:
    """Seconds between plain progress lines: `value`, else $INSTALIGN_PROGRESS_SECONDS, else
    10; a ConfigError names the bad setting."""
    source = "--progress-every" if value is not None else ENV
    raw = value if value is not None else os.environ.get(ENV, "").strip() or DEFAULT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"invalid interval {raw!r}", source=source, allowed="seconds > 0")
    return seconds


def _duration(seconds: float) -> str:
    """'42 s', '3 min 05 s', '2 h 07 min'."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Progress:
    """Counts work done; shows it as a bar on a terminal and as timed lines in a log."""

    def __init__(
        self,
        total: int,
        label: str,
        unit: str = "",
        *,
        every: float | None = None,
        stream: TextIO | None = None,
        quiet: bool = False,
        tty: bool | None = None,
    ) -> None:
        self.total, self.label, self.unit = int(total), label, unit
        self.done = self.failed = 0
        self.every = interval(every)
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = _isatty(self.stream) if tty is None else tty
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._start = time.monotonic()
        self._bar = self._task = self._thread = None

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        if self.quiet:
            return self
        if self.tty:
            self._open_bar()
        else:
            self._thread = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._emit(final=True)
        if self._bar is not None:
            self._bar.stop()

    def advance(self, n: int = 1, failed: int = 0) -> None:
        """`n` more items finished, `failed` of them unsuccessfully."""
        with self._lock:
            self.done += n
            self.failed += failed
            if self._bar is not None:
                self._bar.update(self._task, completed=self.done, total=self.total or None)
                self._bar.update(self._task, failed=self.failed)

    def line(self, final: bool = False) -> str:
        """The plain progress line (what a log shows)."""
        with self._lock:
            done, failed, total = self.done, self.failed, self.total
        elapsed = time.monotonic() - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        unit = f" {self.unit}" if self.unit else ""
        text = f"{self.label}: {done}/{total}{unit} done, {failed} failed"
        if final:
            return f"{text} in {_duration(elapsed)}"
        eta = _duration((total - done) / rate) if rate > 0 and total >= done else "?"
        return f"{text}, {_duration(elapsed)} elapsed, {rate:.3g}/s, ETA {eta}"

    def _emit(self, final: bool = False) -> None:
        print(self.line(final), file=self.stream, flush=True)

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self._emit()

    def _open_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("failed {task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=self.stream),
            transient=False,
        )
        self._task = self._bar.add_task(self.label, total=self.total or None, failed=0)
        self._bar.start()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
