"""Dashboard latency, measured in a real headless Chromium against the real server
(`instalign dashboard`: waitress, on a free loopback port, a fresh results folder so the run
cache starts cold):

- page load: navigation start to the Explore page's controls on screen (Dash layout rendered
  and the scenario's controls generated), and to its first graph (the page runs the default
  scenario on load);
- Run to first frame: clicking Run on the default scenario (baseline_democracy-v1, 10,000
  voters, 200 steps) with a seed never run before (no cache), to the first plotted frame of
  the live metrics graph (timed in the browser with performance.now() and
  requestAnimationFrame); also to the finished run (status line), and a cached re-run.

Aim: Run to first frame under 2 s. `python -m benchmarks dashboard` or
`python benchmarks/bench_dashboard.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
VENV_BIN = Path(sys.executable).parent

CLICK_TO_FRAME = """async () => {
  const gd = document.querySelector('#explore-ts-graph .js-plotly-plot');
  const before = gd.data;
  const t0 = performance.now();
  document.getElementById('explore-run').click();
  return await new Promise(resolve => {
    const tick = () => (gd.data !== before && gd.data.length)
      ? resolve(performance.now() - t0) : requestAnimationFrame(tick);
    tick();
  });
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(results: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [str(VENV_BIN / "instalign"), "dashboard", "--port", str(port), "--results", str(results)]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise TimeoutError("the dashboard did not start")


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _finished(page, before: str) -> None:
    page.wait_for_function(
        """(b) => { const t = document.getElementById('explore-status')?.innerText || '';
            return / in [0-9.]+ s/.test(t) && t !== b; }""",
        arg=before,
        timeout=120_000,
    )


def _page_load(browser, base: str) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    page.goto(base + "/explore")
    page.wait_for_selector("#explore-controls .param")
    controls = time.perf_counter() - t0
    page.wait_for_function(
        "() => document.querySelector('#explore-ts-graph .js-plotly-plot')?.data?.length > 0",
        timeout=120_000,
    )
    graph = time.perf_counter() - t0
    page.close()
    return {"controls": controls, "graph": graph}


def _set_seed(page, seed: int) -> None:
    box = page.locator('[data-path="seed"] input')
    box.fill(str(seed))
    box.press("Enter")
    page.wait_for_function(
        "(s) => document.querySelector('[data-path=\"seed\"] input').value === s", arg=str(seed)
    )


def _click_run(page, seed: int | None) -> tuple[float, float]:
    """(ms to the first plotted frame, s to the finished run) for one click on Run."""
    if seed is not None:
        _set_seed(page, seed)
    status = page.inner_text("#explore-status")
    t0 = time.perf_counter()
    first = page.evaluate(CLICK_TO_FRAME)
    _finished(page, status)
    return first, time.perf_counter() - t0


def measure(repeat: int = 5) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {k: [] for k in ("load", "load_graph", "frame", "done")}
    out |= {"cached_frame": [], "cached_done": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, base = _start(Path(tmp) / "results")
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for _ in range(repeat):
                load = _page_load(browser, base)
                out["load"].append(load["controls"])
                out["load_graph"].append(load["graph"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(base + "/explore")
            _finished(page, "")
            for i in range(repeat):
                frame, done = _click_run(page, 1000 + i)  # a seed never run: no cache
                out["frame"].append(frame / 1000)
                out["done"].append(done)
                frame, done = _click_run(page, None)  # the same seed again: cached
                out["cached_frame"].append(frame / 1000)
                out["cached_done"].append(done)
            browser.close()
        finally:
            _stop(proc)
    return out


LABELS = {
    "load": "page load (Explore controls on screen)",
    "load_graph": "page load to first graph",
    "frame": "Run -> first plotted frame (uncached)",
    "done": "Run -> finished run, all figures (uncached)",
    "cached_frame": "Run -> first plotted frame (cached run)",
    "cached_done": "Run -> finished (cached run)",
}


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv or [])
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"needs Debian's chromium at {CHROMIUM}")
    res = measure(args.repeat)
    print(f"{'measure':48} {'median':>8} {'min':>8} {'max':>8}   (seconds, n={args.repeat})")
    for key, label in LABELS.items():
        v = res[key]
        print(f"{label:48} {statistics.median(v):8.3f} {min(v):8.3f} {max(v):8.3f}")
    verdict = "meets" if statistics.median(res["frame"]) < 2.0 else "MISSES"
    print(f"Run -> first frame {verdict} the 2 s aim")
    return res


if __name__ == "__main__":
    main(sys.argv[1:])
