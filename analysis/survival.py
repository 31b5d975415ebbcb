"""Time to detection as a survival curve: the Kaplan-Meier product-limit estimator (Kaplan &
Meier 1958, JASA 53) with Greenwood's variance and the log(-log) confidence interval
(Kalbfleisch & Prentice 2002, sec. 1.4), which stays inside [0, 1].

A run where a layer never detected anything is right-censored at the run's last step: it tells
us detection took longer than that, not that it never happens. The curve S(t) is the share of
runs in which the layer had not yet detected misbehaviour by step t; a layer whose curve falls
fast catches drift early (McCubbins & Schwartz 1984: fire alarms vs police patrols).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st


def kaplan_meier(durations, observed, level: float = 0.95) -> pd.DataFrame:
    """S(t) at each distinct event time, with the time-0 row first. Columns: time, at_risk,
    events, censored, survival, lo, hi."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    keep = np.isfinite(t)
    t, e = t[keep], e[keep]
    times = np.unique(t)
    at_risk = np.array([(t >= u).sum() for u in times])
    events = np.array([((t == u) & e).sum() for u in times])
    censored = np.array([((t == u) & ~e).sum() for u in times])
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - events / at_risk)
        green = np.cumsum(events / (at_risk * (at_risk - events)))
    lo, hi = _loglog_ci(surv, green, level)
    table = pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk,
            "events": events,
            "censored": censored,
            "survival": surv,
            "lo": lo,
            "hi": hi,
        }
    )
    start = {"time": 0.0, "at_risk": t.size, "events": 0, "censored": 0}
    start = pd.DataFrame([{**start, "survival": 1.0, "lo": 1.0, "hi": 1.0}])
    return pd.concat([start, table], ignore_index=True)


def _loglog_ci(surv: np.ndarray, green: np.ndarray, level: float):
    z = st.norm.ppf((1 + level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(surv)
        se = np.sqrt(green) / np.abs(log_s)
        lo = np.exp(-np.exp(np.log(-log_s) + z * se))
        hi = np.exp(-np.exp(np.log(-log_s) - z * se))
    degenerate = (surv <= 0) | (surv >= 1) | ~np.isfinite(se)
    lo = np.where(degenerate, surv, lo)
    hi = np.where(degenerate, surv, hi)
    return lo, hi


def first_event(series: pd.DataFrame, column: str, run: str = "run_id") -> pd.DataFrame:
    """Per run: the first step where `column` > 0 (observed) or the last step (censored).
    Columns: run, duration, observed."""
    s = series[[run, "step", column]]
    s = s[s["step"] > 0]
    hit = s[s[column].to_numpy(dtype=float) > 0].groupby(run)["step"].min()
    last = s.groupby(run)["step"].max()
    out = pd.DataFrame({"last": last}).join(hit.rename("hit"))
    return pd.DataFrame(
        {
            run: out.index,
            "duration": out["hit"].fillna(out["last"]).to_numpy(dtype=float),
            "observed": out["hit"].notna().to_numpy(),
        }
    )
