"""Robust multi-objective search over institutional designs (issue 15): `run_design`, the
work of `instalign design SPEC --out DIR`.

The search is NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002, IEEE TEVC 6:182) from pymoo
(Blank & Deb 2020, IEEE Access 8:89497), driven by ask and tell: pymoo proposes a population
(points of the unit cube, sim/design/encoding.py), instalign evaluates it, pymoo selects.
pymoo rather than optuna: its algorithms take a whole population per generation, which is what
a batch through the sweep executors wants, it has NSGA-III for more objectives and the
hypervolume indicator, and it keeps no database of its own.

**Evaluation.** A generation's new designs become one sweep (sim/sweep): the designs are its
interventions, the worlds its design points (`design: points`, a Latin hypercube of the
uncertainties drawn once from the spec's seed), so every executor (sequential, processes, Dask)
runs it, a crashed run is recorded as data, and a killed search loses no finished run. Seeds
follow the sweep's common random numbers (`interventions`): one master seed for every
generation, so every design meets the same worlds with the same draws, and the comparison
between designs is paired (Lempert et al. 2006's shared ensemble of futures). A design already
evaluated (the same lever values) is not run again.

A design's outcome in a world is the mean over its replications of each objective metric
(final value, or time mean with `stat: mean`); its robust value per objective follows
sim/design/robust.py, and its constraint values are the metric's mean over worlds. A design
with a failed run is infeasible (its failure is in that generation's `failures.parquet`).
`regret` is taken against the best design evaluated so far in each world, so it can only grow
as the search finds better designs; the stored values are recomputed against the final archive.

**Resume.** The search is deterministic given its seed and its evaluations, so `--resume`
replays it: generations whose sweeps are complete are read back (nothing runs), the
interrupted one resumes its missing runs, and the search goes on. `--budget` may be raised on
resume to continue a finished search.

**Re-evaluation.** The final non-dominated set is run again with `reevaluate.replications`
and a fresh Latin hypercube of `reevaluate.worlds` worlds on fresh seeds, and reported with 95%
bootstrap intervals over worlds, so the front is not a selection artefact (noisy evolutionary
search keeps the lucky: the winner's curse; Branke 2008).

**Store** (`DIR`): `manifest.json`; `generations/gNNN/` and `reevaluation_N/` (sweep stores;
N the evaluations the front was found with, so a continued search keeps the earlier one);
`evaluations.parquet` (one row per design: generation, key, lever values, robust objective
values, constraint values, feasibility); `worlds.parquet` (design x world outcomes);
`history.parquet` (per generation: evaluations so far and the hypervolume of the feasible
front against one reference point); `pareto.parquet` (the re-evaluated front with CIs; designs
whose outcomes equal another front design's in every world are folded into it, `equivalent`
counting them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.design import encoding, robust
from sim.design.spec import Design, load_design
from sim.errors import ConfigError
from sim.sweep.store import atomic_json

MANIFEST = "manifest.json"
GENERATIONS = "generations"
INFEASIBLE = 1e12  # pymoo needs finite values: a failed design is this bad and infeasible


class Interrupted(RuntimeError):
    """A generation's sweep stopped before its end (Ctrl-C, a full disk): `--resume` goes on."""


@dataclass
class Archive:
    """Every design evaluated: key -> lever values, per-world outcomes, generation."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)  # worlds x metrics
    generation: dict[str, int] = field(default_factory=dict)
    genes: dict[str, np.ndarray] = field(default_factory=dict)


def key(values: dict[str, Any]) -> str:
    """A design's name: a short hash of its lever values (lower_snake, as intervention names)."""
    blob = json.dumps(values, sort_keys=True, default=str)
    return "d" + hashlib.sha256(blob.encode()).hexdigest()[:10]


def seeds(design: Design) -> dict[str, int]:
    """Independent seeds for the worlds, the algorithm, the runs and the re-evaluation."""
    kids = np.random.SeedSequence(design.spec.search.seed).spawn(5)
    names = ("worlds", "algorithm", "runs", "reworlds", "reruns")
    return {n: int(k.generate_state(1, np.uint32)[0]) for n, k in zip(names, kids, strict=True)}


def run_design(
    spec: str | Path,
    out: str | Path,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    budget: int | None = None,
    resume: bool = False,
    progress=None,
) -> dict:
    """Check everything, then search, re-evaluate the front and write the store; returns the
    manifest plus a summary. `progress(generation, evaluations, budget)` if given."""
    from sim.sweep.executors import check as check_executor
    from sim.sweep.executors import warm_scope

    check_executor(executor, workers, scheduler)
    design = load_design(spec)
    evals = budget if budget is not None else design.spec.search.evaluations
    if evals < design.spec.search.population:
        raise ConfigError(
            f"{evals} is less than one population of {design.spec.search.population}",
            source="--budget",
            allowed=f">= {design.spec.search.population}",
        )
    out = Path(out)
    manifest = prepare_store(out, design, resume, evals)
    run = Search(design, out, manifest, executor, workers, scheduler)
    with warm_scope():  # one pool for every generation and the re-evaluation
        run.search(evals, progress)
        run.write_search()
        manifest["front"] = run.reevaluate()
    manifest["status"] = "complete"
    atomic_json(out / MANIFEST, manifest)
    return manifest


def prepare_store(out: Path, design: Design, resume: bool, evals: int) -> dict:
    """The store's manifest: new, or the existing one of the same search on --resume."""
    from sim.provenance import code_version

    path = out / MANIFEST
    if path.exists() and not resume:
        raise ConfigError(
            f"{out} already holds a design search",
            source="--out",
            allowed="another directory, or --resume to continue it",
        )
    if out.exists() and not path.exists() and any(out.iterdir()):
        raise ConfigError(
            f"{out} is not empty and holds no design search",
            source="--out",
            allowed="a new or empty directory",
        )
    s = seeds(design)
    if path.exists():
        manifest = json.loads(path.read_text())
        if manifest.get("identity") != design.identity():
            raise ConfigError(
                f"{out} holds a different design search ({manifest.get('id')})",
                source="--resume",
                allowed="the spec it was started with",
            )
        manifest["evaluations"] = evals
        return manifest
    worlds = encoding.worlds(design.uncertainties, design.spec.worlds, s["worlds"])
    manifest = {
        "id": design.name,
        "spec": design.spec.model_dump(mode="json"),
        "source": design.source,
        "identity": design.identity(),
        "seeds": s,
        "worlds": worlds,
        "evaluations": evals,
        "metrics": list(design.metrics),
        "status": "running",
        **code_version(),
    }
    out.mkdir(parents=True, exist_ok=True)
    atomic_json(path, manifest)
    return manifest


class Search:
    """One design search: the pymoo loop, the archive and the store."""

    def __init__(self, design: Design, out: Path, manifest: dict, executor, workers, scheduler):
        self.design, self.out, self.manifest = design, out, manifest
        self.exe = (executor, workers, scheduler)
        self.worlds = manifest["worlds"]
        self.archive = Archive()
        self.history: list[dict] = []
        spec = design.spec
        self.senses = [o.sense for o in spec.objectives]
        self.columns = [f"{o.metric}_{o.stat}" for o in spec.objectives]
        self.cons = [f"{c.metric}_mean_over_worlds" for c in design.constraints]

    # ---- the loop ------------------------------------------------------------------------
    def search(self, evals: int, progress=None) -> None:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.problem import Problem
        from pymoo.operators.sampling.lhs import LHS

        spec = self.design.spec
        n_obj = 1 if spec.robustness.kind == "satisficing" else len(spec.objectives)
        problem = Problem(
            n_var=encoding.width(self.design.levers),
            n_obj=n_obj,
            n_ieq_constr=len(self.design.constraints),
            xl=0.0,
            xu=1.0,
        )
        crossover, mutation = self.variation()
        algo = NSGA2(
            pop_size=spec.search.population,
            sampling=LHS(),
            crossover=crossover,
            mutation=mutation,
            eliminate_duplicates=True,
        )
        algo.setup(problem, termination=("n_eval", evals), seed=self.manifest["seeds"]["algorithm"])
        gen = 0
        while algo.has_next():
            pop = algo.ask()
            f, g = self.evaluate(pop.get("X"), gen)
            pop.set("F", f)
            if g is not None:
                pop.set("G", g)
            algo.evaluator.n_eval += len(pop)  # evaluated here, not by pymoo's evaluator
            algo.tell(infills=pop)
            self.history.append({"generation": gen, "evaluations": int(algo.evaluator.n_eval)})
            if progress is not None:
                progress(gen, int(algo.evaluator.n_eval), evals)
            gen += 1

    def variation(self):
        """NSGA-II's crossover and mutation: by gene kind (sim/design/operators.py)."""
        from sim.design.operators import MixedCrossover, MixedMutation

        discrete = encoding.discrete(self.design.levers)
        return MixedCrossover(discrete), MixedMutation(discrete)

    def evaluate(self, x: np.ndarray, gen: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Robust objective and constraint values of the designs x (rows of the unit cube)."""
        values = [encoding.decode(self.design.levers, row) for row in x]
        keys = [key(v) for v in values]
        new = {k: v for k, v in zip(keys, values, strict=True) if k not in self.archive.values}
        for k, row in zip(keys, x, strict=True):
            self.archive.genes.setdefault(k, np.asarray(row, float))
        if new:
            outcomes = self.run_generation(new, gen)
            for k, v in new.items():
                self.archive.values[k], self.archive.outcomes[k] = v, outcomes[k]
                self.archive.generation[k] = gen
        return self.scores(keys)

    def scores(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """(F, G) of `keys` for pymoo: robust badness, constraint excess (<= 0 is feasible)."""
        spec = self.design.spec
        all_keys = list(self.archive.outcomes)
        cube = np.stack([self.archive.outcomes[k] for k in all_keys])  # designs x worlds x m
        n_obj = len(spec.objectives)
        bad = robust.badness(cube[:, :, :n_obj], self.senses)
        thresholds = np.array(
            [o.threshold if o.threshold is not None else np.nan for o in spec.objectives]
        )
        f_all = robust.robust(
            bad,
            spec.robustness.kind,
            spec.robustness.q,
            robust.best_per_world(bad),
            robust.badness(thresholds, self.senses)
            if spec.robustness.kind == "satisficing"
            else None,
        )
        g_all = self.constraint_values(cube[:, :, n_obj:])
        failed = ~np.all(np.isfinite(cube), axis=(1, 2))
        f_all = np.where(failed[:, None], INFEASIBLE, f_all)
        idx = [all_keys.index(k) for k in keys]
        g = None if g_all is None else np.where(failed[:, None], INFEASIBLE, g_all)[idx]
        return f_all[idx], g

    def constraint_values(self, cube: np.ndarray) -> np.ndarray | None:
        """Excess over each constraint of the metric's mean over worlds (<= 0: met)."""
        if not self.design.constraints:
            return None
        mean = np.nanmean(cube, axis=1)
        out = np.empty((cube.shape[0], len(self.design.constraints)))
        for j, c in enumerate(self.design.constraints):
            v = mean[:, j]
            out[:, j] = (c.value - v) if c.op in (">=", ">") else (v - c.value)
        return out

    # ---- one generation as a sweep -------------------------------------------------------
    def run_generation(self, designs: dict[str, dict], gen: int) -> dict[str, np.ndarray]:
        """Run `designs` on every world as one sweep; per design a worlds x metrics array."""
        folder = self.out / GENERATIONS / f"g{gen:03d}"
        table = self.sweep(
            designs,
            self.worlds,
            self.design.spec.replications,
            self.manifest["seeds"]["runs"],
            folder,
        )
        return self.outcomes(table, designs, len(self.worlds))

    def sweep(self, designs: dict, worlds: list[dict], reps: int, seed: int, folder: Path):
        """Write and run the sweep of `designs` x `worlds`; its summary table."""
        from sim.sweep import load, run_sweep
        from sim.sweep.runner import progress_bar

        spec = self.design.spec
        paths = [u.path for u in self.design.uncertainties]
        doc = {
            "id": f"{self.design.name}_{folder.name}",
            "description": f"design search {self.design.name}: {folder.name}",
            "scenario": spec.scenario,
            "set": dict(spec.set),
            "parameters": {p: [w[p] for w in worlds] for p in paths},
            "design": "points" if paths else "grid",
            "interventions": designs,
            "replications": reps,
            "seed": seed,
            "common_random_numbers": "interventions",
            "record": {"metrics": list(self.metric_names()), "every": None},
        }
        if spec.steps:
            doc["steps"] = spec.steps
        if Path(spec.scenario).suffix in (".yaml", ".yml"):
            doc["scenario"] = str((Path(self.design.source).parent / spec.scenario).resolve())
        folder.mkdir(parents=True, exist_ok=True)
        spec_file = folder.parent / f"{folder.name}.yaml"
        _write_yaml(spec_file, doc)
        resume = (folder / "manifest.json").exists()
        executor, workers, scheduler = self.exe
        report, _ = run_sweep(
            spec_file,
            folder,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            progress=progress_bar(quiet=True),
            reuse=True,
        )
        if report.status != "complete":  # interrupted, a worker died, a full disk
            raise Interrupted(f"{folder.name}: {report.status} ({report.reason})")
        return load(folder).summary

    def metric_names(self) -> tuple[str, ...]:
        return self.design.metrics

    def outcome_columns(self) -> list[str]:
        """The summary columns: each objective's, then each constraint metric's (with the stat
        of an objective on the same metric, else its final value)."""
        stat = {o.metric: o.stat for o in self.design.spec.objectives}
        cons = [f"{c.metric}_{stat.get(c.metric, 'final')}" for c in self.design.constraints]
        return self.columns + cons

    def outcomes(
        self, table: pd.DataFrame, designs: dict, n_worlds: int, reps: int | None = None
    ) -> dict[str, np.ndarray]:
        """Per design: worlds x outcome columns, the mean over its `reps` replications (a world
        with a failed replication is NaN: the design counts as failed)."""
        reps = self.design.spec.replications if reps is None else reps
        cols = self.outcome_columns()
        out = {}
        for k in designs:
            arr = np.full((n_worlds, len(cols)), np.nan)
            rows = table[table["intervention"] == k] if len(table) else table
            if len(rows):
                means = rows.groupby("point")[cols].mean()
                runs = rows.groupby("point").size()
                full = runs.reindex(range(n_worlds)).fillna(0).to_numpy() >= reps
                arr[:] = means.reindex(range(n_worlds)).to_numpy()
                arr[~full] = np.nan  # a world with a failed replication counts as failed
            out[k] = arr
        return out

    # ---- what is written -----------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        """One row per evaluated design, robust values recomputed against the final archive."""
        keys = list(self.archive.outcomes)
        f, g = self.scores(keys)
        feasible = np.all(f < INFEASIBLE, axis=1) & (
            np.ones(len(keys), bool) if g is None else np.all(g <= 0, axis=1)
        )
        rows = []
        for i, k in enumerate(keys):
            row = {
                "design": k,
                "generation": self.archive.generation[k],
                "label": encoding.label(self.design.levers, self.archive.values[k]),
                "levers": json.dumps(self.archive.values[k], default=str),
                "feasible": bool(feasible[i]),
            }
            row.update(self.objective_row(f[i]))
            if g is not None:
                for j, c in enumerate(self.design.constraints):
                    row[f"constraint {c}"] = float(g[i, j])
            for lv in self.design.levers:
                v = self.archive.values[k][lv.path]
                row[lv.path] = json.dumps(v) if isinstance(v, (list, tuple, dict)) else v
            rows.append(row)
        return pd.DataFrame(rows)

    def objective_row(self, f: np.ndarray) -> dict[str, float]:
        """Robust values in each metric's own sense (a maximized objective un-negated)."""
        spec = self.design.spec
        kind = spec.robustness.kind
        if kind == "satisficing":
            return {"satisficing_share": float(-f[0])}
        return {
            f"{kind}:{o.metric}": float(v if o.sense == "min" else -v)
            for o, v in zip(spec.objectives, f, strict=True)
        }

    def write_search(self) -> None:
        """evaluations.parquet, worlds.parquet and history.parquet (with hypervolume)."""
        table = self.table()
        table.to_parquet(self.out / "evaluations.parquet", index=False)
        long = []
        for k, arr in self.archive.outcomes.items():
            for w in range(arr.shape[0]):
                rec = {"design": k, "world": w}
                rec.update({c: float(arr[w, j]) for j, c in enumerate(self.columns)})
                long.append(rec)
        pd.DataFrame(long).to_parquet(self.out / "worlds.parquet", index=False)
        self.history_table(table).to_parquet(self.out / "history.parquet", index=False)

    def history_table(self, table: pd.DataFrame) -> pd.DataFrame:
        """Per generation: evaluations so far and the hypervolume (pymoo) of the feasible
        front of the designs evaluated by then, in badness space, against one reference point
        (the worst feasible value of each objective over the whole search, plus 10% of its
        range), so the generations are comparable."""
        keys = list(self.archive.outcomes)
        f, _ = self.scores(keys)
        feasible = table["feasible"].to_numpy()
        gens = np.array([self.archive.generation[k] for k in keys])
        ref = reference_point(f[feasible]) if feasible.any() else None
        rows = []
        for h in self.history:
            upto = feasible & (gens <= h["generation"])
            hv = hypervolume(f[upto], ref) if ref is not None and upto.any() else 0.0
            rows.append({**h, "hypervolume": hv, "feasible_designs": int(upto.sum())})
        return pd.DataFrame(rows)

    # ---- re-evaluation of the front ------------------------------------------------------
    def reevaluate(self) -> int:
        """Run the non-dominated feasible designs again on fresh worlds and seeds; write
        pareto.parquet with the search's values and the re-evaluated ones with 95% CIs."""
        spec = self.design.spec
        table = pd.read_parquet(self.out / "evaluations.parquet")
        keys = list(self.archive.outcomes)
        f, _ = self.scores(keys)
        front = robust.nondominated(f, table["feasible"].to_numpy())
        s = self.manifest["seeds"]
        if front.size == 0:
            pd.DataFrame(columns=["design"]).to_parquet(self.out / "pareto.parquet")
            return 0
        n_worlds = spec.reevaluate.worlds or spec.worlds
        worlds = encoding.worlds(self.design.uncertainties, n_worlds, s["reworlds"])
        front, same = self.distinct(keys, front)
        chosen = {keys[i]: self.archive.values[keys[i]] for i in front}
        done = int(self.history[-1]["evaluations"]) if self.history else 0
        summary = self.sweep(
            chosen,
            worlds,
            spec.reevaluate.replications,
            s["reruns"],
            self.out / f"reevaluation_{done}",
        )
        again = self.outcomes(summary, chosen, len(worlds), spec.reevaluate.replications)
        rows = []
        for i in front:
            k = keys[i]
            row = table[table["design"] == k].iloc[0].to_dict()
            row["equivalent"] = same[k]
            row.update(self.reevaluated(again[k], n_worlds, replicates(summary, k)))
            rows.append(row)
        pd.DataFrame(rows).to_parquet(self.out / "pareto.parquet", index=False)
        return len(rows)

    def distinct(self, keys: list[str], front: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
        """The front without designs whose outcomes equal an earlier one's in every world
        (with common random numbers, equal outcomes mean the levers that differ did nothing
        there, e.g. honeypots under a protocol without an untrusted monitor); per kept design,
        how many such equivalents it stands for (itself included)."""
        kept, count, seen = [], {}, {}
        for i in front:
            sig = self.archive.outcomes[keys[i]].round(12).tobytes()
            if sig in seen:
                count[seen[sig]] += 1
                continue
            seen[sig] = keys[i]
            count[keys[i]] = 1
            kept.append(i)
        return np.array(kept, dtype=int), count

    def reevaluated(
        self, arr: np.ndarray, n_worlds: int, reps: pd.DataFrame | None = None
    ) -> dict[str, float]:
        """Re-evaluated robust values with 95% percentile-bootstrap intervals over worlds
        (scipy.stats.bootstrap, 2,000 resamples, seeded); with one world, a t interval over
        the replications `reps` (the design's summary rows) instead."""
        from scipy.stats import bootstrap

        spec = self.design.spec
        kind, q = spec.robustness.kind, spec.robustness.q
        out = {}
        for j, o in enumerate(spec.objectives):
            if kind == "satisficing" and j > 0:
                break
            col = arr[:, j]
            sign = 1.0 if o.sense == "min" else -1.0

            def stat(x, axis=-1, o=o, sign=sign):
                if kind == "mean":
                    return np.mean(x, axis=axis)
                if kind == "percentile":
                    return sign * np.percentile(sign * x, q, axis=axis)
                if kind == "satisficing":
                    return np.mean(sign * x <= sign * o.threshold, axis=axis)
                return np.max(sign * x, axis=axis) * sign  # regret: worst raw value

            ok = col[np.isfinite(col)]
            name = "satisficing_share" if kind == "satisficing" else f"{kind}:{o.metric}"
            point = float(stat(ok)) if ok.size else np.nan
            if n_worlds == 1 and reps is not None and kind != "satisficing":
                lo, hi = t_interval(reps[self.columns[j]].to_numpy(float))
            elif ok.size >= 3 and np.ptp(ok) > 0:
                ci = bootstrap(
                    (ok,),
                    stat,
                    n_resamples=2000,
                    method="percentile",
                    random_state=np.random.default_rng(0),
                ).confidence_interval
                lo, hi = float(ci.low), float(ci.high)
            else:
                lo = hi = point
            out[f"re {name}"], out[f"re {name} lo"], out[f"re {name} hi"] = point, lo, hi
        out["re worlds"], out["re replications"] = n_worlds, spec.reevaluate.replications
        return out


def replicates(summary: pd.DataFrame, design: str) -> pd.DataFrame:
    """A design's rows of a sweep summary (one per world and replication)."""
    return summary[summary["intervention"] == design] if len(summary) else summary


def t_interval(x: np.ndarray) -> tuple[float, float]:
    """The 95% t interval of the mean of x (the point itself when it cannot be formed)."""
    from scipy.stats import t

    x = x[np.isfinite(x)]
    if x.size < 2:
        m = float(x.mean()) if x.size else float("nan")
        return m, m
    half = float(t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return float(x.mean()) - half, float(x.mean()) + half


def reference_point(f: np.ndarray) -> np.ndarray:
    """The worst value of each objective plus 10% of its range (1 when the range is 0)."""
    hi, lo = f.max(axis=0), f.min(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return hi + 0.1 * span


def hypervolume(f: np.ndarray, ref: np.ndarray) -> float:
    """The hypervolume of the points f (minimized) below `ref` (pymoo's HV indicator)."""
    from pymoo.indicators.hv import HV

    inside = f[np.all(f < ref, axis=1)]
    return float(HV(ref_point=ref)(inside)) if len(inside) else 0.0


def _write_yaml(path: Path, doc: dict) -> None:
    import yaml

    path.write_text(yaml.safe_dump(doc, sort_keys=False))
