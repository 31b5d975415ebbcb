"""Running the findings (docs/findings.md) and the `instalign findings` command: each
finding's sweep and its ablation run in a temporary folder (`sim.sweep.runner.run_sweep`),
the paired contrast is measured in both stores (`measure`), and `verdict` says whether the
effect is there on the expected side and vanished (or reversed) when its coupling was cut.
The file format, loading and planning are in `analysis.earned`."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import typer

from analysis.earned import Finding, discover, load, plan, same_level
from sim.errors import ConfigError, unknown_name


# --- running and verdicts -----------------------------------------------------------------
def measure(finding: Finding, store: Path) -> dict[str, Any]:
    """The contrast of `finding` in the sweep store `store`: treatment - control of the
    metric's per-run summary, paired on common seeds (`analysis.findings.contrast`)."""
    import numpy as np

    from analysis.findings import contrast
    from analysis.storeio import open_store

    c = finding["contrast"]
    f = open_store(store)
    runs = f.runs(means=[c["metric"]] if c["summary"] == "mean" else [])
    keep = np.ones(len(runs), dtype=bool)
    for name, level in (c.get("at") or {}).items():
        keep &= _match(runs[name], level)
    a = runs[keep & _match(runs[c["factor"]], c["control"])]
    b = runs[keep & _match(runs[c["factor"]], c["treatment"])]
    diff, lo, hi, n, paired = contrast(a, b, c["metric"])
    man = f.manifest
    return {
        "diff": float(diff), "lo": float(lo), "hi": float(hi), "n": int(n), "paired": paired,
        "arms": (a, b), "metric": c["metric"],
        "failed": len(f.failures), "seed": man.get("master_seed"),
        "scenario": list(man.get("bases", {})), "set": man.get("spec", {}).get("set"),
        "code": man.get("instalign_version"), "git_commit": man.get("git_commit"),
        "git_dirty": man.get("git_dirty"),
    }  # fmt: skip


def _match(column, level):
    return column.map(lambda v: same_level(v, level)).to_numpy(dtype=bool)


def interaction(effect: dict, ablation: dict, level: float = 0.95) -> dict[str, Any]:
    """How much cutting the coupling changed the effect: (effect - ablation effect) with its
    CI. The finding's sweep and its ablation share their master seed, so a run of one and the
    run of the other with the same seed and replication met the same voters and draws: the
    difference of differences is paired on them (treatment - control per pair, then finding -
    ablation per pair). Without common pairs, the four arms are independent and the CI is
    Welch's on their combined variance."""
    import numpy as np
    import pandas as pd

    from analysis.stats import mean_ci

    metric = effect["metric"]
    d = [pair_differences(x["arms"], metric) for x in (effect, ablation)]
    if d[0] is not None and d[1] is not None:
        keys = [k for k in d[0] if k != "d"]
        dd = d[0].merge(d[1], on=keys, suffixes=("_e", "_a"))
        if len(dd) >= 2:
            m, lo, hi, n = mean_ci(dd["d_e"] - dd["d_a"], level)
            return {"diff": m, "lo": lo, "hi": hi, "n": n, "paired": True}
    arms = [pd.to_numeric(x[metric], errors="coerce").dropna() for a in (effect, ablation)
            for x in a["arms"]]  # fmt: skip
    return _welch4(*arms, level) | {"paired": False} if all(len(x) >= 2 for x in arms) else {
        "diff": float(effect["diff"] - ablation["diff"]), "lo": np.nan, "hi": np.nan,
        "n": 0, "paired": False}  # fmt: skip


def pair_differences(arms, metric: str):
    """Treatment - control per pair of runs sharing a seed and replication, as a frame of the
    pair keys and `d`; None when the runs cannot be paired."""
    from analysis.findings import PAIR_KEYS

    keys = [k for k in PAIR_KEYS if all(k in x for x in arms)]
    if not keys:
        return None
    both = arms[0][[*keys, metric]].merge(arms[1][[*keys, metric]], on=keys).dropna()
    both["d"] = both[f"{metric}_y"] - both[f"{metric}_x"]
    return None if both.duplicated(keys).any() else both[[*keys, "d"]]


def _welch4(a_e, b_e, a_a, b_a, level: float) -> dict[str, Any]:
    """(mean b_e - mean a_e) - (mean b_a - mean a_a) over four independent samples, with a
    Welch-Satterthwaite t interval."""
    from scipy import stats

    groups = (a_e, b_e, a_a, b_a)
    v = [float(x.var(ddof=1)) / len(x) for x in groups]
    se = sum(v) ** 0.5
    pooled = sum(vi**2 / (len(x) - 1) for vi, x in zip(v, groups, strict=True))
    df = sum(v) ** 2 / pooled if pooled else 1.0
    diff = float((b_e.mean() - a_e.mean()) - (b_a.mean() - a_a.mean()))
    h = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return {"diff": diff, "lo": diff - h, "hi": diff + h, "n": int(min(map(len, groups)))}


def verdict(expect: str, effect: dict, ablation: dict, cut: dict) -> tuple[str, str]:
    """("holds" | "FAILS", why). A finding holds when three things are true:
    - its effect's CI excludes 0 on the expected side;
    - its ablation's CI contains 0 (the effect vanished) or excludes it on the other side
      (it reversed);
    - `cut`, the change the ablation made to the effect (`interaction`), has a CI that excludes
      0 on the expected side. A wide ablation CI that happens to contain 0 is not enough: the
      cut must be shown to have removed something."""
    sign = 1.0 if expect == "increase" else -1.0

    def side(x):
        return sorted((sign * x["lo"], sign * x["hi"]))

    (e_lo, e_hi), (a_lo, a_hi), (c_lo, c_hi) = side(effect), side(ablation), side(cut)
    if not all(math.isfinite(x) for x in (e_lo, e_hi, a_lo, a_hi, c_lo, c_hi)):
        return "FAILS", "no confidence interval (fewer than two paired runs)"
    if not e_lo > 0:
        return "FAILS", f"the effect's CI does not exclude 0 on the {expect} side"
    if a_lo > 0:
        return "FAILS", "the effect survives the ablation (its CI excludes 0, same side)"
    if not c_lo > 0:
        return "FAILS", "the cut did not change the effect (effect - ablation's CI contains 0)"
    return "holds", "effect present; " + ("reversed" if a_hi < 0 else "vanished") + " when cut"


def run(findings: list[Finding], reduced: bool, executor: str, workers: int | None,
        on_done=None) -> list[dict[str, Any]]:  # fmt: skip
    """Plan every finding (all checks first), then run each sweep and its ablation in a
    temporary folder and judge them; one result dict per finding."""
    from sim.sweep.executors import check, warm_scope
    from sim.sweep.runner import progress_bar, run_sweep

    check(executor, workers, None)
    results = []
    with tempfile.TemporaryDirectory(prefix="instalign-findings-") as tmp, warm_scope():
        root = Path(tmp)
        plans = [plan(f, root, reduced) for f in findings]
        for finding, specs in zip(findings, plans, strict=True):
            got = []
            for spec in specs:
                store = spec.with_suffix("")
                quiet = progress_bar(quiet=True)
                run_sweep(spec, store, executor, workers, flush_seconds=0.0, progress=quiet,
                          reuse=True)  # fmt: skip
                got.append(measure(finding, store))
            results.append(_result(finding, *got, reduced))
            if on_done:
                on_done(results[-1])
    return results


def _result(finding: Finding, effect: dict, ablation: dict, reduced: bool) -> dict[str, Any]:
    cut = interaction(effect, ablation)
    c, (verdict_, why) = finding["contrast"], verdict(finding["expect"], effect, ablation, cut)
    ci, failed = ("diff", "lo", "hi", "n", "paired"), effect["failed"] + ablation["failed"]
    return {
        "id": finding.id, "title": finding["title"], "verdict": verdict_, "why": why,
        "effect": {k: effect[k] for k in ci}, "ablation": {k: ablation[k] for k in ci},
        "cut_changes_effect_by": {k: _plain(cut[k]) for k in ci},
        "pairs": {name: _diffs(x) for name, x in (("finding", effect), ("ablation", ablation))},
        "n": effect["n"], "paired": effect["paired"], "expect": finding["expect"],
        "contrast": c, "ablation_set": finding["ablation"]["set"], "sweep": str(finding.sweep),
        "size": finding["check"] if reduced else "full", "failed_runs": failed,
        "provenance": {k: effect[k] for k in ("seed", "scenario", "set", "code", "git_commit",
                                              "git_dirty")},
    }  # fmt: skip


def _diffs(measured: dict) -> list[float]:
    """The per-pair differences of one sweep (empty when its runs cannot be paired)."""
    d = pair_differences(measured["arms"], measured["metric"])
    return [] if d is None else [float(v) for v in d["d"]]


def _plain(x):
    return x if isinstance(x, bool | str) else (int(x) if isinstance(x, int) else float(x))


def line(r: dict[str, Any]) -> str:
    """One line per finding: id, effect [CI], ablation effect [CI], what the cut removed
    (effect - ablation [CI]), verdict."""
    from analysis.findings import num

    def ci(x):
        return f"{float(x['diff']):+.3g} [{num(x['lo'])}, {num(x['hi'])}]"

    pair = "paired" if r["paired"] else "unpaired"
    return (
        f"{r['id']}  effect {ci(r['effect'])} (n={r['n']}, {pair})  "
        f"ablation {ci(r['ablation'])}  cut removes {ci(r['cut_changes_effect_by'])}  "
        f"{r['verdict']}"
    )


# --- the command ----------------------------------------------------------------------------
def selected(only: list[str] | None, files: list[Path] | None) -> list[Finding]:
    """The findings to list or run: `--file`s, else the shipped ones (`--only` picks ids)."""
    found = {p.stem: p for p in files} if files else discover()
    names = [n.strip() for item in only or [] for n in item.split(",") if n.strip()]
    for name in names:
        if name not in found:
            raise unknown_name("finding", name, found, source="--only")
    return [load(found[n]) for n in (names or found)]


def findings(
    check: bool = typer.Option(
        False,
        "--check",
        help="Run each finding and its ablation at reduced size; exit 1 when one fails.",
    ),
    full: bool = typer.Option(False, "--full", help="Like --check, at the sweeps' full size."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    only: list[str] | None = typer.Option(None, "--only", help="Only these ids (repeat)."),
    files: list[Path] | None = typer.Option(
        None, "--file", help="Finding files to use instead of the shipped ones (repeat)."
    ),
    executor: str | None = typer.Option(
        None,
        "--executor",
        help="sequential (default with --check), processes (default with --full) or dask.",
    ),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes."),
    figures: Path | None = typer.Option(
        None,
        "--figures",
        help="With --check or --full: write each finding's ablation figure to this folder "
        "(<id>.<format>, provenance embedded).",
    ),
    formats: str = typer.Option("png", "--format", help="Figure formats: png, svg, pdf."),
) -> None:
    """List the findings (id, title, question), or re-run them with their ablations."""
    from analysis.export import parse_formats
    from sim.cli.jsonout import dumps

    chosen = selected(only, files)
    kinds = parse_formats(formats)
    if figures is not None and not (check or full):
        raise ConfigError("--figures needs --check or --full", source="--figures")
    if not (check or full):
        rows = [{k: f[k] for k in ("id", "title", "question", "claim")} for f in chosen]
        typer.echo(dumps(rows) if as_json else _table(rows))
        return
    if check and full:
        raise ConfigError("give one of --check or --full", source="--full")

    def done(r):
        if not as_json:
            typer.echo(line(r))

    executor = executor or ("sequential" if check else "processes")
    results = run(chosen, check, executor, workers, done)
    if figures is not None:
        for path in draw_figures(results, figures, kinds):
            typer.echo(f"wrote {path}", err=as_json)
    if as_json:
        typer.echo(dumps(results))
    raise typer.Exit(0 if all(r["verdict"] == "holds" for r in results) else 1)


def draw_figures(results: list[dict[str, Any]], folder: Path, kinds: list[str]) -> list[Path]:
    """Each finding's ablation figure (analysis/earned_figure.py) in `folder`, one file per
    format, with the finding's provenance."""
    from analysis import earned_figure
    from analysis.export import export

    figs = {r["id"]: earned_figure.draw(earned_figure.data(r)) for r in results}
    paths = []
    for r in results:
        p = r["provenance"]
        prov = {
            "instalign_version": p["code"], "git_commit": p["git_commit"],
            "git_dirty": p.get("git_dirty"),
            "sweep": f"finding {r['id']} ({'check' if r['size'] != 'full' else 'full'} size)",
            "master_seed": p["seed"], "runs": 4 * r["n"], "finding": r["id"],
            "scenarios": [], "verdict": r["verdict"],
        }  # fmt: skip
        paths += export({r["id"]: figs[r["id"]]}, folder, kinds, prov)
    return paths


def _table(rows: list[dict[str, Any]]) -> str:
    w = max([len(r["id"]) for r in rows] + [2])
    return "\n".join(f"{r['id']:<{w}}  {r['title']}\n{'':<{w}}  {r['question']}" for r in rows)
