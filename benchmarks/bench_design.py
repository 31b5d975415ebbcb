"""Design search (issue 15): NSGA-II against random search with the same number of design
evaluations, by the hypervolume of the feasible front each finds, over several seeds, all in
one process.

Both searches run through the same machinery (sim/design/search.py: `Search.evaluate` decodes
points of the unit cube, runs them as sweeps on the same worlds with the same run seeds, and
scores them with the spec's robustness); the only difference is the proposal rule. NSGA-II
(Deb, Pratap, Agarwal & Meyarivan 2002; pymoo, Blank & Deb 2020) proposes by selection,
simulated binary crossover and polynomial mutation; random search (Bergstra & Bengio 2012,
the usual baseline of hyperparameter and design search) proposes uniform points of the unit
cube, one population at a time, until it has evaluated as many distinct designs as NSGA-II
did (a design NSGA-II proposes twice runs once, so this is the same simulation cost).

For each seed the spec's `search.seed` is set to it, so the worlds (a Latin hypercube of the
uncertainties) and the runs' seeds are the same for both searches; the hypervolume of each
feasible front (pymoo's HV, in the search's minimized "badness" space) is taken against one
reference point, the worst feasible value of each objective over both archives plus 10% of
its range (`sim.design.search.reference_point`). Printed: per seed the designs evaluated and
both hypervolumes, then the mean +- SE (over seeds) of the difference and of the ratio.

`python -m benchmarks.bench_design [SPEC] [--seeds N] [--first S] [--evaluations E]
[--worlds W] [--replications R] [--full]`. By default the example spec
`scenarios/designs/oversight_robust.yaml` with its own 96 evaluations but 4 worlds and 1
replication (about 10 minutes on 2 cores); `--full` keeps its worlds and replications too.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from sim.design import encoding
from sim.design.search import INFEASIBLE, Search, hypervolume, prepare_store, reference_point
from sim.design.spec import load_design

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "designs" / "oversight_robust.yaml"
REDUCED = {"evaluations": 96, "worlds": 4, "replications": 1}


class RandomSearch(Search):
    """The same search with uniform random proposals instead of NSGA-II's."""

    def search_random(self, designs: int) -> None:
        """Evaluate uniform points of the unit cube, a population at a time, until `designs`
        distinct designs are in the archive."""
        rng = np.random.default_rng(self.manifest["seeds"]["algorithm"])
        width = encoding.width(self.design.levers)
        pop, gen = self.design.spec.search.population, 0
        while len(self.archive.outcomes) < designs:
            rows = min(pop, designs - len(self.archive.outcomes))
            self.evaluate(rng.random((rows, width)), gen)
            self.history.append({"generation": gen, "evaluations": len(self.archive.outcomes)})
            gen += 1


class RealCodedSearch(Search):
    """NSGA-II with pymoo's default real-coded operators on every gene (SBX and PM), as before
    sim/design/operators.py: the ablation of the operators by gene kind (`--operators real`)."""

    def variation(self):
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.mutation.pm import PM

        return SBX(), PM()


def feasible_points(search: Search) -> np.ndarray:
    """The robust objective values (minimized) of the archive's feasible designs."""
    f, g = search.scores(list(search.archive.outcomes))
    ok = np.all(f < INFEASIBLE, axis=1)
    if g is not None:
        ok &= np.all(g <= 0, axis=1)
    return f[ok]


def spec_for(source: Path, seed: int, folder: Path, reduced: dict | None) -> Path:
    """A copy of the spec with search.seed = seed (and the reduced cost, if any)."""
    doc = yaml.safe_load(source.read_text())
    doc["search"]["seed"] = seed
    if reduced:
        doc["search"]["evaluations"] = reduced["evaluations"]
        doc["worlds"], doc["replications"] = reduced["worlds"], reduced["replications"]
    if str(doc["scenario"]).endswith((".yaml", ".yml")):
        doc["scenario"] = str((source.parent / doc["scenario"]).resolve())
    path = folder / f"{source.stem}_seed{seed}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def searcher(cls, design, out: Path, evals: int):
    """A `cls` search (Search or RandomSearch) of `design` into a new store `out`, run here."""
    return cls(design, out, prepare_store(out, design, False, evals), "sequential", None, None)


def one_seed(source: Path, seed: int, folder: Path, reduced: dict | None, nsga_cls=Search) -> dict:
    """NSGA-II, then random search with as many distinct designs, on one seed's worlds."""
    spec = spec_for(source, seed, folder, reduced)
    design = load_design(spec)
    evals = design.spec.search.evaluations
    out = {}
    start = time.perf_counter()
    nsga = searcher(nsga_cls, design, folder / f"nsga2_{seed}", evals)
    nsga.search(evals)
    out["nsga2_s"] = time.perf_counter() - start
    designs = len(nsga.archive.outcomes)
    start = time.perf_counter()
    rand = searcher(RandomSearch, design, folder / f"random_{seed}", evals)
    rand.search_random(designs)
    out["random_s"] = time.perf_counter() - start
    f_n, f_r = feasible_points(nsga), feasible_points(rand)
    both = np.vstack([f_n, f_r])
    ref = reference_point(both) if len(both) else None
    out.update(
        seed=seed,
        evaluations=evals,
        designs=designs,
        random_designs=len(rand.archive.outcomes),
        feasible=(len(f_n), len(f_r)),
        hv_nsga2=hypervolume(f_n, ref) if len(f_n) else 0.0,
        hv_random=hypervolume(f_r, ref) if len(f_r) else 0.0,
    )
    return out


OPERATORS = {"mixed": Search, "real": RealCodedSearch}


def mean_se(values: list[float]) -> tuple[float, float]:
    m = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else float("nan")
    return m, se


def main(
    spec: str | Path = SPEC,
    seeds: int = 5,
    reduced: dict | None = None,
    full: bool = False,
    first: int = 1,
    operators: str = "mixed",
) -> dict:
    source = Path(spec).resolve()
    cost = None if full else {**REDUCED, **(reduced or {})}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_design_") as tmp:
        for seed in range(first, first + seeds):
            r = one_seed(source, seed, Path(tmp), cost, OPERATORS[operators])
            rows.append(r)
            print(f"seed {seed}: {r['designs']} designs each ({r['evaluations']} NSGA-II "
                  f"evaluations), feasible {r['feasible'][0]} / {r['feasible'][1]}; "
                  f"HV NSGA-II {r['hv_nsga2']:.4f}, random {r['hv_random']:.4f} "
                  f"({r['nsga2_s']:.0f} s / {r['random_s']:.0f} s)", flush=True)  # fmt: skip
    diff = [r["hv_nsga2"] - r["hv_random"] for r in rows]
    ratio = [r["hv_nsga2"] / r["hv_random"] for r in rows if r["hv_random"] > 0]
    (md, sd), (mr, sr) = mean_se(diff), mean_se(ratio)
    wins = sum(d > 0 for d in diff)
    what = "spec's own cost" if full else ", ".join(f"{k} {v}" for k, v in cost.items())
    what += f"; {operators} operators"
    print(f"{source.name} ({what}), {len(rows)} seeds: HV NSGA-II - random = {md:.4f} +- "
          f"{sd:.4f} (mean +- SE); ratio {mr:.3f} +- {sr:.3f}; NSGA-II higher on {wins} of "
          f"{len(rows)} seeds")  # fmt: skip
    return {"rows": rows, "diff": (md, sd), "ratio": (mr, sr), "wins": wins}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec", nargs="?", default=str(SPEC))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first", type=int, default=1, help="the first seed (then first + 1 ...)")
    ap.add_argument("--evaluations", type=int, default=REDUCED["evaluations"])
    ap.add_argument("--worlds", type=int, default=REDUCED["worlds"])
    ap.add_argument("--replications", type=int, default=REDUCED["replications"])
    ap.add_argument("--full", action="store_true", help="the spec's own budget, worlds, reps")
    ap.add_argument(
        "--operators",
        choices=sorted(OPERATORS),
        default="mixed",
        help="NSGA-II's variation: by gene kind (mixed) or real-coded on all (real)",
    )
    a = ap.parse_args()
    cut = {"evaluations": a.evaluations, "worlds": a.worlds, "replications": a.replications}
    main(a.spec, a.seeds, cut, a.full, a.first, a.operators)
