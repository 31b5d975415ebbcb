"""Run every benchmark module in this folder that exposes `main()`:
`python -m benchmarks [NAME ...]` (NAME filters modules by substring)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def modules(filters: list[str]) -> list[str]:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench"))
    return [n for n in names if not filters or any(f in n for f in filters)]


def main(argv: list[str]) -> int:
    failed = 0
    for name in modules(argv):
        mod = importlib.import_module(f"benchmarks.{name}")
        if not callable(getattr(mod, "main", None)):
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            mod.main()
        except Exception as err:  # one broken benchmark must not hide the others
            failed += 1
            print(f"{name} failed: {type(err).__name__}: {err}", file=sys.stderr)
        print(f"   ({time.perf_counter() - start:.1f} s)\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
