"""`make run`: make a small demo sweep in results/ when it holds no sweep store, then serve
the dashboard on 127.0.0.1 and print its URL (no browser is opened: there may be no display).

    python -m dashboard.demo [--results results] [--port 8050] [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import resources
from pathlib import Path

from dashboard import stores
from dashboard.serve import LOOPBACK, free_port, serve

DEMO_SPEC = Path(resources.files("scenarios") / "sweeps" / "demo.yaml")  # package data


def ensure_demo_sweep(results: Path) -> None:
    """Run the demo sweep spec with `instalign sweep` unless a store already exists."""
    found = stores.discover(results)
    if found:
        print(f"sweep stores in {results}: {', '.join(found)}")
        return
    out = results / "demo"
    print(f"no sweep store in {results}: making the demo sweep ({DEMO_SPEC.name}) in {out}")
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(DEMO_SPEC), "--out", str(out)]
    done = subprocess.run(cmd, check=False)
    if done.returncode != 0:
        print(f"warning: the demo sweep exited with {done.returncode}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dashboard.demo", description=__doc__)
    ap.add_argument("--results", type=Path, default=Path("results"))
    ap.add_argument("--host", default=LOOPBACK)
    ap.add_argument("--port", type=int, default=8050)
    args = ap.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    ensure_demo_sweep(args.results)
    port = free_port(args.host, args.port)
    try:
        serve(args.results, args.host, port)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
