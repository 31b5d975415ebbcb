"""Static export (PNG at print resolution, SVG, PDF) through kaleido 1.x and Debian's chromium,
with the provenance in every file: a small caption line (can be turned off) and the file's
own metadata (PNG tEXt chunk, SVG <metadata>, PDF Info dictionary; see analysis/metadata.py).

Never downloads a browser: BROWSER_PATH defaults to /usr/bin/chromium and a missing browser is
an `ExportError` that says what to install. A batch of figures shares one browser session
(~2 s to start, then a fraction of a second per image). kaleido's browser is not thread-safe
(kaleido issue #444), so every export holds one module lock; the work runs on its own thread
with its own event loop, so it also works under a running loop (a notebook, a server).

The browser never outlives the export: kaleido starts it (a wrapper process, chromium and its
helpers) in a session of its own, so a Ctrl-C in the terminal does not reach it. An export
interrupted by KeyboardInterrupt, or by SIGTERM (in the main thread it raises SystemExit(143)
while a browser runs), kills that browser's whole process group before the exception goes
on; an export that ends any other way closes it through kaleido and then kills whatever is
left of the group; and browsers still open when the interpreter exits are killed too.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from analysis import metadata, theme
from sim.errors import ConfigError, InstalignError

FORMATS = ("png", "svg", "pdf")
PNG_SCALE = 3  # 3 x 96 layout px per inch = 288 dpi: print resolution
DEFAULT_BROWSER = "/usr/bin/chromium"
SIGTERM_EXIT = 128 + signal.SIGTERM
_LOCK = threading.Lock()


class ExportError(InstalignError):
    """A figure could not be rendered (no browser, a bad format)."""


def browser() -> str:
    """The browser kaleido will use (BROWSER_PATH, set to Debian's chromium when unset)."""
    path = os.environ.setdefault("BROWSER_PATH", DEFAULT_BROWSER)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
        raise ExportError(
            f"no browser at BROWSER_PATH={path}: figure export needs Debian's chromium "
            "(`sudo apt-get install chromium fonts-open-sans`, or `make chromium`)"
        )
    return path


CAPTION_CHARS = 90  # a caption line longer than this breaks at its " · " separators


def caption_lines(text: str, width: int = CAPTION_CHARS) -> list[str]:
    """The caption broken into lines of at most `width` characters at its " · " separators
    (a line that long from the plot's left edge can leave the figure when the left margin is
    wide, e.g. with long row labels)."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def with_caption(fig: go.Figure, text: str) -> go.Figure:
    """A copy of `fig` with `text` as small grey lines under the plot."""
    out = go.Figure(fig)
    margin_b = out.layout.margin.b if out.layout.margin.b is not None else 60
    lines = caption_lines(text)
    out.add_annotation(
        text="<br>".join(lines),
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        yshift=-margin_b - 4,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font=dict(size=9, color="#777777"),
        align="left",
    )
    return out.update_layout(margin_b=margin_b + 10 + 12 * len(lines))


def _size(fig: go.Figure) -> tuple[int, int]:
    return int(fig.layout.width or theme.WIDTH), int(fig.layout.height or theme.HEIGHT)


def render(jobs: Sequence[tuple[go.Figure, str]], scale: float | None = None) -> list[bytes]:
    """The raw bytes of each (figure, format) job, all in one browser session."""
    if not jobs:
        return []
    browser()
    specs = []
    for fig, fmt in jobs:
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r} (allowed: {', '.join(FORMATS)})")
        w, h = _size(fig)
        s = scale if scale is not None else (PNG_SCALE if fmt == "png" else 1)
        specs.append((fig.to_dict(), dict(format=fmt, width=w, height=h, scale=s)))
    with _LOCK, _terminate_cleanly():
        return _in_thread(_render_all, specs)


class _Session:
    """One kaleido browser session: its event loop and task (on the export thread) and its
    browser, so another thread can stop it. Open sessions are listed in `_OPEN`."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task | None = None
        self.browser: Any = None

    async def run(self, coro):
        self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
        return await coro

    def stop(self) -> None:
        """Kill the browser now and cancel the session's task (from any thread)."""
        _kill(self.browser)
        if self.loop is not None and self.task is not None:
            try:
                self.loop.call_soon_threadsafe(self.task.cancel)
            except RuntimeError:  # the loop has closed: the session is over
                pass


_OPEN: set[_Session] = set()


async def _render_all(session: _Session, specs) -> list[bytes]:
    import kaleido

    session.browser = k = kaleido.Kaleido(n=1, mathjax=False)
    try:
        async with k:
            return [await k.calc_fig(fig, opts=opts) for fig, opts in specs]
    finally:
        _kill(k)  # whatever kaleido's close left (or an open that never finished)


def _kill(browser: Any) -> None:
    """Kill a kaleido browser's whole process group (the wrapper kaleido starts leads its own
    session: chromium and every helper are in it) and reap the wrapper."""
    proc = getattr(browser, "subprocess", None)
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # already gone
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _in_thread(fn, *args):
    box: dict = {}
    session = _Session()

    def target() -> None:
        try:
            box["value"] = asyncio.run(session.run(fn(session, *args)))
        except BaseException as err:  # handed back to the caller's thread
            box["error"] = err

    t = threading.Thread(target=target, name="instalign-export", daemon=True)
    _OPEN.add(session)
    try:
        t.start()
        t.join()
    except BaseException:  # Ctrl-C, SIGTERM (see _terminate_cleanly): no browser left behind
        session.stop()
        t.join(timeout=5)
        raise
    finally:
        _OPEN.discard(session)
    if "error" in box:
        err = box["error"]
        raise ExportError(f"figure export failed: {type(err).__name__}: {err}") from err
    return box["value"]


@atexit.register
def _stop_open_sessions() -> None:
    """Browsers of exports still running when the interpreter exits (a server stopping)."""
    for session in list(_OPEN):
        session.stop()


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """While a browser runs, SIGTERM raises SystemExit(143) in the main thread instead of
    ending the process on the spot, so the export can kill its browser on the way out. Only
    the default handler is replaced (a program's own handler is left alone)."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _exit_on_sigterm(_signum, _frame) -> None:
    raise SystemExit(SIGTERM_EXIT)


def to_bytes(
    fig: go.Figure, fmt: str, provenance: Mapping | None = None, caption: bool = True
) -> bytes:
    """One figure as file bytes, provenance embedded (for the dashboard's downloads)."""
    return export_bytes({"figure": fig}, [fmt], provenance or {}, caption)[("figure", fmt)]


def export_bytes(
    figs: Mapping[str, go.Figure],
    formats: Sequence[str],
    provenance: Mapping,
    caption: bool = True,
) -> dict[tuple[str, str], bytes]:
    """{(name, format): bytes} for every figure and format, provenance embedded."""
    prov = {name: {**provenance, "figure": name} for name in figs}
    ready = {
        n: with_caption(f, metadata.caption(prov[n])) if caption else f for n, f in figs.items()
    }
    keys = [(name, fmt) for fmt in formats for name in ready]
    raws = render([(ready[name], fmt) for name, fmt in keys])
    return {
        (name, fmt): metadata.embed(raw, fmt, prov[name])
        for (name, fmt), raw in zip(keys, raws, strict=True)
    }


def export(
    figs: Mapping[str, go.Figure],
    folder: Path,
    formats: Sequence[str] = ("png",),
    provenance: Mapping | None = None,
    caption: bool = True,
) -> list[Path]:
    """Write `folder/<name>.<format>` for every figure and format; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for (name, fmt), data in export_bytes(figs, formats, provenance or {}, caption).items():
        path = folder / f"{name}.{fmt}"
        tmp = path.with_name(f".tmp-{path.name}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        paths.append(path)
    return paths


def parse_formats(text: str) -> list[str]:
    """`--format png,svg` to a checked list (a ConfigError names the unknown format)."""
    out = [t.strip().lower() for t in text.split(",") if t.strip()]
    bad = [t for t in out if t not in FORMATS]
    if bad or not out:
        raise ConfigError(
            f"unknown format {', '.join(bad) or text!r}",
            source="--format",
            allowed=",".join(FORMATS),
        )
    return out
