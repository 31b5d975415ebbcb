"""Start-up of the command line (issue 10): `instalign --help`, a usage error and `instalign
run baseline_democracy-v1 --steps 1`, each a fresh subprocess, against a baseline measured in
the same session: `python -c pass` (the interpreter alone) and `python -c "import sim.run"`
(what any command that simulates must import: Mesa, numpy, pandas, scipy, the model).

Each command runs `REPEATS` times, interleaved with the baselines; the report gives the
minimum wall time and the minimum CPU time (user + system of the child) of each, and each as
a multiple of the interpreter baseline. On a shared machine the CPU minimum is the honest
number: the wall time includes the other jobs' share of the cores.

Aims: `--help` < 0.5 s; `run ... --steps 1` < 1.5 s. `python -X importtime -m sim.cli ...`
shows what each import costs.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 7
PY = [sys.executable]
CLI = [*PY, "-m", "sim.cli"]
RUN_ONE = "instalign run baseline_democracy-v1 --steps 1"
COMMANDS = {
    "python -c pass (baseline)": [*PY, "-c", "pass"],
    "python -c 'import sim.run' (baseline)": [*PY, "-c", "import sim.run"],
    "instalign --help": [*CLI, "--help"],
    "instalign rnu (usage error)": [*CLI, "rnu"],
    RUN_ONE: [*CLI, *RUN_ONE.split()[1:]],
}
AIMS = {"instalign --help": 0.5, RUN_ONE: 1.5}


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run of `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    quiet = subprocess.DEVNULL
    subprocess.run(argv, cwd=ROOT, stdout=quiet, stderr=quiet, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(repeats: int = REPEATS) -> dict[str, dict[str, float]]:
    """Minimum wall and CPU seconds per command, the commands interleaved round by round so
    that a change of load hits them all alike (one warm-up round first: the page cache)."""
    for argv in COMMANDS.values():
        timed(argv)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(repeats):
        for name, argv in COMMANDS.items():
            samples[name].append(timed(argv))
    return {
        name: {"wall": min(w for w, _ in s), "cpu": min(c for _, c in s)}
        for name, s in samples.items()
    }


def main() -> dict[str, dict[str, float]]:
    out = measure()
    base = out["python -c pass (baseline)"]
    print(f"load average {os.getloadavg()[0]:.1f}; minimum of {REPEATS} runs each")
    print(f"{'command':48} {'wall s':>7} {'cpu s':>7} {'x python':>9}  aim")
    for name, t in out.items():
        aim = f"< {AIMS[name]} s" if name in AIMS else ""
        ratio = t["cpu"] / base["cpu"] if base["cpu"] > 0 else float("nan")
        print(f"{name:48} {t['wall']:7.3f} {t['cpu']:7.3f} {ratio:8.1f}x  {aim}")
    return out


if __name__ == "__main__":
    main()
