"""Summary tables for the report, one per figure that has numbers worth reading: built from
the same data frames the figures draw (`summary(name, data)`), rendered as plain HTML."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.figures._common import group_name, short

TITLES = {
    "final_metrics": "End-of-run metrics: mean [95% CI] per design point",
    "response": "Response: mean [95% CI] per design point",
    "paired_effects": "Paired effects against the control: difference [95% CI]",
    "sobol_indices": "Sobol indices [95% CI]",
    "morris_screening": "Morris screening",
    "scenario_discovery": "Scenario discovery: the reported PRIM box",
    "goodhart_frontier": "Designs on the Goodhart frontier",
    "oversight_pareto": "Oversight designs on a Pareto front",
    "drift_ledger": "Drift ledger: welfare lost per link [95% CI]",
    "detection_survival": "Time to detection per layer",
}


def num(x) -> str:
    return "" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.3g}"


def ci(mean, lo, hi) -> str:
    return f"{num(mean)} [{num(lo)}, {num(hi)}]" if np.isfinite(lo) else num(mean)


def html(frame: pd.DataFrame) -> str:
    shown = frame.map(lambda v: num(v) if isinstance(v, float) else v)
    return shown.to_html(index=False, escape=True, border=0)


def summary(name: str, df: pd.DataFrame) -> pd.DataFrame | None:
    fn = globals().get(f"_{name}")
    return fn(df) if fn else None


def _final_metrics(df):
    return _per_point(df, [df.attrs["by"], *df.attrs.get("others", [])])


def _response(df):
    return _per_point(df[df["n"] > 0], [df.attrs["x"], *df.attrs.get("others", [])])


def _per_point(df, keys):
    """One row per design point (its factors' levels), one column per metric: mean [CI]."""
    from analysis.figures._design import name

    cells = df.assign(group=[name(keys, tuple(r)) for r in df[keys].itertuples(index=False)])
    cells["value"] = [ci(*r) for r in cells[["mean", "lo", "hi"]].itertuples(index=False)]
    out = cells.pivot(index="group", columns="metric", values="value")
    out = out.reindex(list(dict.fromkeys(cells["group"]))).reset_index()
    out.columns.name = None
    return out[["group", *[m for m in df.attrs["metrics"] if m in out]]]


def _paired_effects(df):
    by = df.attrs["by"]
    rows = df["row"] if "row" in df else [group_name(by, v) for v in df["level"]]
    return pd.DataFrame(
        {
            "level": rows,
            "metric": df["metric"],
            "pairs": df["n_pairs"],
            "difference (paired)": [
                ci(*r) for r in df[["diff", "lo", "hi"]].itertuples(index=False)
            ],
            "unpaired CI": [
                f"[{num(a)}, {num(b)}]"
                for a, b in zip(df["unpaired_lo"], df["unpaired_hi"], strict=True)
            ],
        }
    )


def _sobol_indices(df):
    wide = {}
    for k in ("S1", "ST"):
        part = df[df["index"] == k]
        wide[k] = [ci(*r) for r in part[["value", "lo", "hi"]].itertuples(index=False)]
    first = df[df["index"] == "S1"]
    return pd.DataFrame(
        {
            "outcome": first["panel"].to_numpy(),
            "parameter": [short(p) for p in first["parameter"]],
            **wide,
        }
    )


def _morris_screening(df):
    return pd.DataFrame(
        {
            "outcome": df["panel"],
            "parameter": [short(p) for p in df["parameter"]],
            "mu*": [
                ci(*r) for r in df[["mu_star", "mu_star_lo", "mu_star_hi"]].itertuples(index=False)
            ],
            "sigma": df["sigma"],
        }
    )


def _scenario_discovery(df):
    s = df.iloc[df.attrs["selected"]]
    return pd.DataFrame(
        [
            {
                "outcome": df.attrs["outcome"],
                "cases": f"{df.attrs['cases']} of {df.attrs['runs']}",
                "box": s["rule"],
                "coverage": s["coverage"],
                "density": s["density"],
                "mass": s["mass"],
            }
        ]
    )


def _front(df, flag: str, metrics: list[str]):
    on = df[df[flag]]
    cols = {c: on[c] for c in df.attrs["design"]}
    cols.update(
        {
            m: [ci(*r) for r in on[[m, f"{m}_lo", f"{m}_hi"]].itertuples(index=False)]
            for m in metrics
        }
    )
    return pd.DataFrame(cols)


def _goodhart_frontier(df):
    return _front(df, "on_front", [df.attrs["x"], df.attrs["y"]])


def _oversight_pareto(df):
    flag = df[[f"front_{p}" for p in df.attrs["panels"]]].any(axis=1)
    return _front(df.assign(any_front=flag), "any_front", ["safety", *df.attrs["panels"]])


def _drift_ledger(df):
    from analysis.figures._design import name

    keys = df.attrs.get("keys", [])
    where = [name(keys, tuple(r)) for r in df[keys].itertuples(index=False)] if keys else None
    return pd.DataFrame(
        {
            **({"design point": where} if where else {}),
            "link": df["link"],
            "welfare lost": [ci(*r) for r in df[["loss", "lo", "hi"]].itertuples(index=False)],
            "runs": df["n"],
        }
    )


def _detection_survival(df):
    unit = "offence spells" if df.attrs.get("source") == "events" else "runs"
    rows = []
    for layer, part in df.groupby("layer", sort=False):
        below = part[part["survival"] <= 0.5]
        median = below["time"].iloc[0] if len(below) else np.nan
        rows.append(
            {
                "layer": layer,
                unit: int(part["at_risk"].iloc[0]),
                "detected": int(part["events"].sum()),
                "median steps": median,
                "not detected by the end": part["survival"].iloc[-1],
            }
        )
    return pd.DataFrame(rows)
