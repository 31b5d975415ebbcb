"""Static export (PNG at print resolution, SVG, PDF) through kaleido 1.x and Debian's chromium,
with the provenance in every file: a small caption line (can be turned off) and the file's
own metadata (PNG tEXt chunk, SVG <metadata>, PDF Info dictionary; see analysis/metadata.py).

Never downloads a browser: BROWSER_PATH defaults to /usr/bin/chromium and a missing browser is
an `ExportError` that says what to install. A batch of figures shares one browser session
(~2 s to start, then a fraction of a second per image). kaleido's browser is not thread-safe
(kaleido issue #444), so every export holds one module lock; the work runs on its own thread
with its own event loop, so it also works under a running loop (a notebook, a server).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import plotly.graph_objects as go

from analysis import metadata, theme
from sim.errors import InstalignError

FORMATS = ("png", "svg", "pdf")
PNG_SCALE = 3  # 3 x 96 layout px per inch = 288 dpi: print resolution
DEFAULT_BROWSER = "/usr/bin/chromium"
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


def with_caption(fig: go.Figure, text: str) -> go.Figure:
    """A copy of `fig` with `text` as a small grey line under the plot."""
    out = go.Figure(fig)
    margin_b = out.layout.margin.b if out.layout.margin.b is not None else 60
    out.add_annotation(
        text=text,
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        yshift=-margin_b - 4,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font=dict(size=9, color="#777777"),
    )
    return out.update_layout(margin_b=margin_b + 22)


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
    with _LOCK:
        return _in_thread(_render_all, specs)


async def _render_all(specs) -> list[bytes]:
    import kaleido

    async with kaleido.Kaleido(n=1, mathjax=False) as k:
        return [await k.calc_fig(fig, opts=opts) for fig, opts in specs]


def _in_thread(fn, *args):
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(fn(*args))
        except BaseException as err:  # handed back to the caller's thread
            box["error"] = err

    t = threading.Thread(target=target, name="instalign-export", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        err = box["error"]
        raise ExportError(f"figure export failed: {type(err).__name__}: {err}") from err
    return box["value"]


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
