"""A tail probability as each run's outcome: the spec's optional `tail:` section (issue 14).

    tail:
      event: "catastrophes >= 1"   # METRIC OP NUMBER (sim.rare.event.parse)
      by_step: 100                 # optional; default the run's `steps`
      method: ams                  # ams | is | mc
      budget: 200                  # paths: AMS particles, MC paths, IS paths

Each run of a tail sweep makes ONE estimator call through the shared entry point
`sim.rare.tail` (`prepare`, then `estimate` with the run's seed) *instead of* the ordinary run:
the estimate is the run's outcome, and an ordinary run beside it would cost one more path for
numbers (the metrics of one typical path) that the estimator's thousands of paths make
meaningless. So a tail sweep records no metrics and no series (`record` is refused), and its
summary row holds `COLUMNS` (`tail_p`, the 95% interval, relative error, effective sample
size, cost in model steps, surprise in bits, method and the estimator's status: `done`, or
AMS's `extinct` / `truncated`); `tail_rel_error` and `tail_bits` are inf when p = 0.

Checks come before anything runs or is written, each a ConfigError naming the spec file and
the field (`tail.event`, `tail.by_step`, `tail.method`, `tail.budget`): `check_request` when
the spec loads (method, budget, the event's form and metric), `check_config` on the config of
every design point (`sim.sweep.plan.check_points`): the metric measured there, the horizon
inside its run, the method's needs (sim/rare/tail.py). sim.rare (scipy) is imported only when
a tail is checked or estimated, so plain sweeps do not pay for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sim.errors import ConfigError

FIELDS = {"event": "tail.event", "by_step": "tail.by_step", "method": "tail.method",
          "budget": "tail.budget"}  # fmt: skip
COLUMNS = (
    "tail_p",
    "tail_ci_lo",
    "tail_ci_hi",
    "tail_rel_error",
    "tail_ess",
    "tail_model_steps",
    "tail_bits",
    "tail_method",
    "tail_status",
)


@dataclass(frozen=True)
class Request:
    """What every run of a tail sweep estimates (picklable: it travels with each Task)."""

    event: str
    by_step: int | None
    method: str
    budget: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def request(doc: dict[str, Any] | None) -> Request | None:
    """The Request of a spec's (or a stored manifest's) `tail` mapping; None without one."""
    if not doc:
        return None
    return Request(str(doc["event"]), doc.get("by_step"), str(doc["method"]), int(doc["budget"]))


def check_request(req: Request, source: str) -> None:
    """What can be checked without a scenario: the method, the budget for that method, the
    event's form and metric name, a horizon of at least one step."""
    from sim.rare.event import parse
    from sim.rare.tail import check_method, check_numbers

    with _in_spec(source):
        check_method(req.method, FIELDS["method"])
        check_numbers(req.budget, req.method, None, FIELDS["budget"])
        parse(req.event, option=FIELDS["event"])
        if req.by_step is not None and req.by_step < 1:
            raise ConfigError(f"step {req.by_step} is before the run's first step",
                              source=FIELDS["by_step"], allowed="an integer >= 1")  # fmt: skip


def check_config(req: Request, config, source: str) -> None:
    """Everything `sim.rare.tail.prepare` checks for this run's config: the event's metric is
    measured (its component on), the horizon inside the run, the method's needs."""
    from sim.rare.tail import prepare

    with _in_spec(source):
        prepare(config, req.event, req.by_step, req.method, options=FIELDS)


@contextlib.contextmanager
def _in_spec(source: str) -> Iterator[None]:
    """Re-attribute a ConfigError raised for a `tail.*` option to the spec file `source`,
    with the option as the field path."""
    try:
        yield
    except ConfigError as err:
        if err.source not in FIELDS.values():
            raise
        raise ConfigError(err.detail, source=source, path=err.source, allowed=err.allowed,
                          suggestion=err.suggestion) from None  # fmt: skip


def estimate(req: Request, config, seed: int) -> dict[str, Any]:
    """One estimator call for one run: the `COLUMNS` of its summary row."""
    from sim.rare.tail import estimate as run_estimator
    from sim.rare.tail import prepare

    system = prepare(config, req.event, req.by_step, req.method, options=FIELDS)
    est = run_estimator(system, req.method, req.budget, int(seed))
    lo, hi = est.ci
    values = (est.p, lo, hi, est.rel_error, est.ess, est.model_steps, est.bits)
    out = {c: float(v) for c, v in zip(COLUMNS, values, strict=False)}
    out["tail_model_steps"] = int(est.model_steps)
    out["tail_method"] = str(est.method)
    out["tail_status"] = str(est.extra.get("status", "done"))
    return out


def provenance(req: Request) -> dict[str, Any]:
    """The tail request as the manifest records it: the request, the shared entry point,
    how the budget is spent and the columns each run stores."""
    return {
        **req.as_dict(),
        "horizon": req.by_step if req.by_step is not None else "the run's steps",
        "estimator": "sim.rare.tail.estimate",
        "budget_use": _budget_use(req),
        "seed": "each run's seed (design.parquet)",
        "columns": list(COLUMNS),
    }


def _budget_use(req: Request) -> dict[str, int]:
    """How the estimator spends `budget` (sim/rare/tail.py's split)."""
    from sim.rare.tail import AMS_MAX_ITER, ams_split, is_split

    if req.method == "ams":
        n, k = ams_split(req.budget)
        return {"particles": n, "killed_per_iteration": k, "max_iterations": AMS_MAX_ITER}
    if req.method == "is":
        pilot, n = is_split(req.budget)
        return {"pilot_paths_per_round": pilot, "paths": n}
    return {"paths": req.budget}
