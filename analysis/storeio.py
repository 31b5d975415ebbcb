"""Reading a sweep store (`sim.sweep.results.load`) into the `Frames` the figures take.

A wrong folder is a `ConfigError` (the CLI prints one line, exit 2). A store that loads but
is partial (failed runs, missing runs, unreadable parts, a metric recorded but never finite)
gives Frames plus `notes` that say what is missing, so the figures that can still be made
are made.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from analysis.frame import RUN, Frames
from sim.errors import ConfigError
from sim.sweep.results import load


def open_store(root: Path) -> Frames:
    """Frames of the sweep store at `root`; ConfigError when it is not a readable store."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(
            "no such folder" if not root.exists() else "not a folder",
            source=str(root),
            allowed="a sweep store made by `instalign sweep`",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = load(root)
        except ConfigError:
            raise
        except (OSError, KeyError, ValueError, TypeError) as err:
            raise ConfigError(
                f"broken sweep store: {type(err).__name__}: {err}", source=str(root)
            ) from None
    f = from_store(res)
    f.notes[:0] = [str(w.message) for w in caught]
    return f


def from_store(res) -> Frames:
    """Frames from a loaded `SweepResults`."""
    man = res.manifest
    recorded = list(man.get("metrics", []))
    summary, means = _split(res.summary, recorded)
    f = Frames(
        design=res.design,
        summary=summary,
        series=_series(res, recorded),
        failures=res.failures[[RUN, "error"]] if len(res.failures) else res.failures,
        manifest=man,
        problem=_problem(res.problem),
        kind=man.get("design", {}).get("method", "grid"),
        params=list(man.get("axes", [])),
        time_means=means,
        sample=_sample(res.problem),
        events=res if getattr(res, "event_tables", None) else None,
        outcomes=_outcomes(res.summary) if man.get("tail") else None,
    )
    f.notes.extend(_notes(res, f, recorded))
    return f


def _split(summary: pd.DataFrame, metrics: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(final values, time means), each `run_id` + one column per metric."""
    out = {}
    for stat in ("final", "mean"):
        cols = {f"{m}_{stat}": m for m in metrics if f"{m}_{stat}" in summary}
        out[stat] = summary[[RUN, *cols]].rename(columns=cols).reset_index(drop=True)
    return out["final"], out["mean"]


def _outcomes(summary: pd.DataFrame) -> pd.DataFrame:
    """A tail sweep's per-run estimate: run_id + the tail_* columns (sim/sweep/tail.py)."""
    return summary[[RUN, *(c for c in summary.columns if c.startswith("tail_"))]]


def _series(res, metrics: list[str]) -> pd.DataFrame | None:
    if res.series is None:
        return None
    frame = res.series.frame()
    if frame.empty:
        return None
    return frame[[RUN, "step", *(m for m in metrics if m in frame)]]


def _problem(sa) -> dict | None:
    if sa is None:
        return None
    opts = sa.options or {}
    return {
        **sa.problem,
        "calc_second_order": bool(opts.get("calc_second_order", False)),
        "num_levels": int(opts.get("num_levels", 4)),
        "scale": dict(sa.scale or {}),
    }


def _sample(sa) -> pd.DataFrame | None:
    if sa is None:
        return None
    frame = pd.DataFrame(sa.X, columns=list(sa.problem["names"]))
    frame.insert(0, "point", range(len(frame)))
    return frame


def _notes(res, f: Frames, recorded: list[str]) -> list[str]:
    notes = []
    c = f.manifest.get("counts", {})
    if len(res.failures):
        first = res.failures.iloc[0]
        notes.append(
            f"{len(res.failures)} run(s) failed (e.g. run {first[RUN]}: "
            f"{first['error']}); figures use the {len(f.summary)} finished runs"
        )
    missing = len(res.design) - len(f.summary) - len(res.failures)
    if missing > 0:
        notes.append(
            f"{missing} run(s) have no result yet (status {f.manifest.get('status')}"
            f", {c.get('done')} of {c.get('total')} done): `instalign sweep --resume`"
        )
    every = f.manifest.get("spec", {}).get("record", {}).get("every")
    if every and f.series is None and len(f.summary):
        notes.append(f"the sweep recorded series every {every} steps but none could be read")
    dead = [m for m in recorded if m in f.summary and m not in f.metrics]
    if dead:
        more = f" and {len(dead) - 8} more" if len(dead) > 8 else ""
        notes.append(
            f"{len(dead)} recorded metric(s) never finite (their component is off in this "
            f"scenario): {', '.join(dead[:8])}{more}"
        )
    return notes
