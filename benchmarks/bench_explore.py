"""Explore usable: how long after navigating to Explore its controls can be used, measured
in a real headless Chromium against the real server (`instalign dashboard`: waitress on a
free loopback port, a fresh results folder).

"Usable" is the first moment from which all of these hold: the sidebar's controls are on
screen, Run is enabled, no Dash callback request is in flight, and the main thread then
stays free (no long task, >50 ms) for QUIET_MS. The time is navigation start to that moment,
read in the page (`performance.now()`; a PerformanceObserver sees the long tasks, a 20 ms
timer that fires late counts as one too (the observer may report a task only after the
timer has seen the quiet period start), and a wrapped `fetch` counts callback requests).
The page runs the scenario on load; the first load computes it, so the measured loads are
warm (second and later: the run is cached and the browser has the assets). Also reported:
when the controls are first on screen with Run enabled (they may not answer yet), and the
sum of long tasks during a load (the freeze).

Aim: under 1.5 s warm (median). `python -m benchmarks explore` or
`python benchmarks/bench_explore.py [--repeat N] [--root CHECKOUT]`; `--root` serves another
checkout of the code (e.g. `git worktree add /tmp/base-explore HEAD~1`) to get the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

AIM = 1.5  # seconds, warm, median
QUIET_MS = 300
PROBE = """() => {
  window.__busy = 0; window.__long = []; window.__lastLong = 0;
  const f = window.fetch;
  window.fetch = function (url, opts) {
    const dash = String(url).includes('_dash-update-component');
    if (dash) window.__busy++;
    const done = () => { if (dash) { window.__busy--; window.__lastBusy = performance.now(); } };
    return f.apply(this, arguments).then(r => { done(); return r; }, e => { done(); throw e; });
  };
  new PerformanceObserver(list => { for (const e of list.getEntries()) {
    window.__long.push(e.duration); window.__lastLong = e.startTime + e.duration; } })
    .observe({type: 'longtask', buffered: true});
}"""
USABLE = """(quiet) => new Promise(resolve => {
  let since = null, shown = null, lastTick = performance.now();
  const ready = () => document.querySelector('.sidebar .param') &&
    !document.getElementById('explore-run')?.disabled && window.__busy === 0;
  const tick = () => {
    const now = performance.now();
    // a tick held up (>60 ms for a 20 ms timer) means the main thread was busy until now;
    // the PerformanceObserver may report that long task only after this tick
    if (now - lastTick > 60) { window.__lastLong = Math.max(window.__lastLong || 0, now); }
    lastTick = now;
    if (shown === null && document.querySelector('.sidebar .param') &&
        !document.getElementById('explore-run')?.disabled) { shown = now; }
    if (!ready()) { since = null; }
    else if (since === null) { since = Math.max(now, window.__lastLong || 0); }
    if (since !== null && now - Math.max(since, window.__lastLong || 0) >= quiet) {
      resolve({usable: Math.max(since, window.__lastLong || 0) / 1000, shown: shown / 1000,
               freeze: window.__long.reduce((a, b) => a + b, 0) / 1000});
      return;
    }
    setTimeout(tick, 20);
  };
  tick();
})"""


def load_once(context, base: str, query: str) -> dict[str, float]:
    """One navigation to Explore in a new tab: seconds to usable, seconds of long tasks."""
    page = context.new_page()
    page.add_init_script(f"({PROBE})()")
    page.goto(f"{base}/explore{query}")
    out = page.evaluate(USABLE, QUIET_MS)
    page.close()
    return out


def measure(repeat: int, root: Path | None, query: str = "") -> dict[str, list[float]]:
    """Warm loads of Explore: the first load (cold run cache) is not counted."""
    from playwright.sync_api import sync_playwright

    from benchmarks.bench_dashboard import ARGS, CHROMIUM, _start, _stop

    out: dict[str, list[float]] = {"usable": [], "shown": [], "freeze": []}
    env = os.environ.get("PYTHONPATH")
    if root is not None:
        os.environ["PYTHONPATH"] = str(root)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, base = _start(Path(tmp) / "results")
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            # one profile: after the first load the assets come from the browser's cache
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            load_once(context, base, query)
            for _ in range(repeat):
                one = load_once(context, base, query)
                for key in out:
                    out[key].append(one[key])
            browser.close()
        finally:
            _stop(proc)
            if root is not None:
                os.environ.pop("PYTHONPATH") if env is None else os.environ.update(PYTHONPATH=env)
    return out


LABELS = {
    "usable": "navigation -> controls usable (idle)",
    "shown": "navigation -> controls on screen",
    "freeze": "long tasks (sum)",
}


def report(name: str, res: dict[str, list[float]]) -> float:
    for key, label in LABELS.items():
        v = res[key]
        print(f"{name:10} {label:38} median {statistics.median(v):6.3f} s  "
              f"min {min(v):6.3f}  max {max(v):6.3f}  (n={len(v)})")  # fmt: skip
    return statistics.median(res["usable"])


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    from benchmarks.bench_dashboard import CHROMIUM

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--root", type=Path, help="another checkout to compare against")
    args = ap.parse_args(argv or [])
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"needs Debian's chromium at {CHROMIUM}")
    res = measure(args.repeat, None)
    now = report("this tree", res)
    if args.root:
        old = report(str(args.root)[-10:], measure(args.repeat, args.root.resolve()))
        print(f"ratio old / this tree: {old / now:.2f}x")
    verdict = "meets" if now < AIM else "MISSES"
    print(f"Explore usable (warm, median) {verdict} the {AIM} s aim")
    return res


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])
