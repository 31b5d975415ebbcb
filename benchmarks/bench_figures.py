"""Benchmark of issue 5: the full figure set (PNG, SVG, PDF) and the HTML report for a 1,000-run
sweep store, with the time of each phase and the peak memory.

The stores are real sweeps of `full_institution-v1` (500 voters, 50 steps, series every 5
steps), made once with 2 worker processes and kept in `results/bench_figures/` (remove the
folder to remake them):
- `grid`: audit budget x drift rate (5 x 5) x 2 AI control protocols x 20 replications on
  common random numbers = 1,000 runs;
- `sobol`: Saltelli sample (N = 64, second order) of audit budget, drift rate and AI
  alignment KL budget = 512 points x 2 replications = 1,024 runs.

Each measurement runs in a fresh Python process (`python -m benchmarks.bench_figures
measure DIR OUT`), so its peak RSS (ru_maxrss) is that of the figures and report alone; the
chromium that kaleido drives is a separate process, reported as the children's peak.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "results" / "bench_figures"
COMMON = """
scenario: full_institution-v1
set: {electorate: {n_voters: 500}}
steps: 50
seed: 5
record: {metrics: all, every: 5}
"""
SPECS = {
    "grid": """
id: bench_figures_grid
description: Audit budget x drift rate under two AI control protocols (benchmark).
parameters:
  oversight.audit_budget: {low: 0.0, high: 0.2, num: 5}
  bureaucracy.drift_rate: {low: 0.0, high: 0.04, num: 5}
interventions:
  none: {}
  trusted_monitoring: {ai_agents.protocol: trusted_monitoring}
replications: 20
""",
    "sobol": """
id: bench_figures_sobol
description: Sobol sample of audit budget, drift rate and KL budget (benchmark).
parameters:
  oversight.audit_budget: {low: 0.0, high: 0.2}
  bureaucracy.drift_rate: {low: 0.0, high: 0.04}
  ai_agents.kl_budget: {low: 0.01, high: 0.5}
design: {method: sobol, samples: 64, second_order: true}
replications: 2
""",
}


def make_store(name: str) -> tuple[Path, float | None]:
    """The store (made now if missing) and the seconds the sweep took (None if cached)."""
    from sim.sweep.runner import run_sweep
    from sim.sweep.store import read_manifest

    folder = CACHE / name
    manifest = read_manifest(folder / "store") if (folder / "store").is_dir() else None
    if manifest and manifest["counts"]["done"] == manifest["counts"]["total"]:
        return folder / "store", None
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "spec.yaml"
    spec.write_text(SPECS[name] + COMMON)
    start = time.perf_counter()
    _, manifest = run_sweep(
        spec, folder / "store", "processes", workers=2, resume=(folder / "store").exists()
    )
    c = manifest["counts"]
    if c["done"] != c["total"]:
        raise RuntimeError(f"benchmark sweep {name} incomplete: {c}")
    return folder / "store", time.perf_counter() - start


def measure(store: Path, out: Path) -> dict:
    """Time each phase of `instalign figures` (3 formats) and `instalign report`."""
    from analysis import export, metadata
    from analysis import report as rep
    from analysis.build import build
    from analysis.storeio import open_store

    t, times = time.perf_counter(), {}
    f = open_store(store)
    times["load"], t = time.perf_counter() - t, time.perf_counter()
    built = build(f)
    times["data_and_draw"], t = time.perf_counter() - t, time.perf_counter()
    paths = export.export(
        built.figures, out / "figs", ["png", "svg", "pdf"], metadata.provenance(f)
    )
    times["export_png_svg_pdf"], t = time.perf_counter() - t, time.perf_counter()
    rep.write(f, store, out / "report.html")
    times["report"] = time.perf_counter() - t
    return {
        "runs": len(f.summary),
        "series_rows": 0 if f.series is None else len(f.series),
        "figures": sorted(built.figures),
        "skipped": built.skipped,
        "errors": built.errors,
        "files": len(paths),
        "report_mb": round((out / "report.html").stat().st_size / 1e6, 2),
        "seconds": {k: round(v, 2) for k, v in times.items()},
        "total_seconds": round(sum(times.values()), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "children_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def main() -> None:
    for name in SPECS:
        store, sweep_s = make_store(name)
        out = CACHE / name / "out"
        cmd = [sys.executable, "-m", "benchmarks.bench_figures", "measure", str(store), str(out)]
        res = json.loads(
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        made = "" if sweep_s is None else f" (sweep made in {sweep_s:.0f} s)"
        print(f"{name}: {res['runs']} runs, {res['series_rows']} series rows{made}")
        print(f"  figures ({len(res['figures'])}): {', '.join(res['figures'])}")
        print(f"  phases (s): {res['seconds']}; total {res['total_seconds']} s")
        print(f"  files: {res['files']}; report {res['report_mb']} MB")
        print(
            f"  peak RSS: python {res['peak_rss_mb']} MB, chromium (children) "
            f"{res['children_peak_rss_mb']} MB"
        )
        if res["errors"]:
            print(f"  ERRORS: {res['errors']}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "measure":
        print(json.dumps(measure(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main()
