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

from analysis.earned import Finding, _same, discover, load, plan
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
        "failed": len(f.failures), "seed": man.get("master_seed"),
        "scenario": list(man.get("bases", {})), "set": man.get("spec", {}).get("set"),
        "code": man.get("instalign_version"), "git_commit": man.get("git_commit"),
    }  # fmt: skip


def _match(column, level):
    return column.map(lambda v: _same(v, level)).to_numpy(dtype=bool)


def verdict(expect: str, effect: dict, ablation: dict) -> tuple[str, str]:
    """("holds" | "FAILS", why): the effect's CI excludes 0 on the expected side and the
    ablation's contains 0 (the effect vanished) or excludes it on the other (it reversed)."""
    sign = 1.0 if expect == "increase" else -1.0
    e_lo, e_hi = sorted((sign * effect["lo"], sign * effect["hi"]))
    a_lo, a_hi = sorted((sign * ablation["lo"], sign * ablation["hi"]))
    if not all(math.isfinite(x) for x in (e_lo, e_hi, a_lo, a_hi)):
        return "FAILS", "no confidence interval (fewer than two paired runs)"
    if not e_lo > 0:
        return "FAILS", f"the effect's CI does not exclude 0 on the {expect} side"
    if a_lo > 0:
        return "FAILS", "the effect survives the ablation (its CI excludes 0, same side)"
    return "holds", "effect present; " + ("reversed" if a_hi < 0 else "vanished") + " when cut"


def run(findings: list[Finding], reduced: bool, executor: str, workers: int | None,
        on_done=None) -> list[dict[str, Any]]:  # fmt: skip
    """Plan every finding (all checks first), then run each sweep and its ablation in a
    temporary folder and judge them; one result dict per finding."""
    from sim.sweep.executors import check
    from sim.sweep.runner import progress_bar, run_sweep

    check(executor, workers, None)
    results = []
    with tempfile.TemporaryDirectory(prefix="instalign-findings-") as tmp:
        root = Path(tmp)
        plans = [plan(f, root, reduced) for f in findings]
        for finding, specs in zip(findings, plans, strict=True):
            got = []
            for spec in specs:
                store = spec.with_suffix("")
                quiet = progress_bar(quiet=True)
                run_sweep(spec, store, executor, workers, flush_seconds=0.0, progress=quiet)
                got.append(measure(finding, store))
            results.append(_result(finding, *got, reduced))
            if on_done:
                on_done(results[-1])
    return results


def _result(finding: Finding, effect: dict, ablation: dict, reduced: bool) -> dict[str, Any]:
    c, (verdict_, why) = finding["contrast"], verdict(finding["expect"], effect, ablation)
    ci, failed = ("diff", "lo", "hi", "n", "paired"), effect["failed"] + ablation["failed"]
    return {
        "id": finding.id, "title": finding["title"], "verdict": verdict_, "why": why,
        "effect": {k: effect[k] for k in ci}, "ablation": {k: ablation[k] for k in ci},
        "n": effect["n"], "paired": effect["paired"], "expect": finding["expect"],
        "contrast": c, "ablation_set": finding["ablation"]["set"], "sweep": str(finding.sweep),
        "size": finding["check"] if reduced else "full", "failed_runs": failed,
        "provenance": {k: effect[k] for k in ("seed", "scenario", "set", "code", "git_commit")},
    }  # fmt: skip


def line(r: dict[str, Any]) -> str:
    """One line per finding: id, effect [CI], ablation effect [CI], verdict."""
    from analysis.findings import num

    def ci(x):
        return f"{float(x['diff']):+.3g} [{num(x['lo'])}, {num(x['hi'])}]"

    pair = "paired" if r["paired"] else "unpaired"
    return (
        f"{r['id']}  effect {ci(r['effect'])} (n={r['n']}, {pair})  "
        f"ablation {ci(r['ablation'])}  {r['verdict']}"
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
) -> None:
    """List the findings (id, title, question), or re-run them with their ablations."""
    from sim.cli.jsonout import dumps

    chosen = selected(only, files)
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
    if as_json:
        typer.echo(dumps(results))
    raise typer.Exit(0 if all(r["verdict"] == "holds" for r in results) else 1)


def _table(rows: list[dict[str, Any]]) -> str:
    w = max([len(r["id"]) for r in rows] + [2])
    return "\n".join(f"{r['id']:<{w}}  {r['title']}\n{'':<{w}}  {r['question']}" for r in rows)
