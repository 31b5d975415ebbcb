"""Electoral world (issue 2): run time of the default scenario, per-step time at 1,000,000
voters, and the vectorized electorate update against a naive one-Mesa-Agent-per-voter version
of the same dynamics, timed in the same process (the ratio is what to compare across machines).

Targets: default scenario (10,000 voters, 200 steps) < 1 s; 1,000,000 voters < 0.2 s per step;
vectorized / naive speed-up well over 50x.
"""

from __future__ import annotations

import math
import os
import time

import mesa
import numpy as np

from sim import electorate as el
from sim.model import InstitutionModel
from sim.run import run
from sim.scenario import load

DEFAULT = "baseline_democracy-v1"


def best_of(fn, repeats: int = 3) -> float:
    """Best wall-clock time of `repeats` calls (the least disturbed by other processes)."""
    return min(timed(fn)[0] for _ in range(repeats))


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call. CPU time is what the process used (summed over its
    threads); when other jobs share the cores it shows how much of the wall time was waiting."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


class NaiveVoter(mesa.Agent):
    """One voter as one Mesa agent: the same update as sim.components.opinion, in Python."""

    def __init__(self, model, ideal, info, perceived):
        super().__init__(model)
        self.ideal, self.info, self.perceived, self.approval = list(ideal), info, perceived, 0.5

    def step(self) -> None:
        m = self.model
        loss = sum((x - p) ** 2 for x, p in zip(self.ideal, m.policy, strict=True))
        utility = -loss / len(self.ideal) + m.welfare_bonus
        signal = self.info * (utility - m.signal) + m.signal
        if m.noise > 0:
            signal += m.noise * m.rng.standard_normal()
        self.perceived += m.memory * (signal - self.perceived)
        self.approval = 0.5 * (
            1.0 + math.tanh(0.5 * m.sensitivity * (self.perceived - m.aspiration))
        )


class NaiveElectorate(mesa.Model):
    def __init__(self, voters: el.Electorate, params: dict, seed: int) -> None:
        super().__init__(rng=seed)
        self.__dict__.update(params)
        for x, q, p in zip(voters.ideals, voters.information, voters.perceived, strict=True):
            NaiveVoter(self, x.tolist(), float(q), float(p))

    def step(self) -> None:
        self.agents.do("step")

    def approval(self) -> np.ndarray:
        return np.array([a.approval for a in self.agents])


def vectorized_update(voters: el.Electorate, params: dict, rng) -> None:
    """The update sim.components.opinion.Opinion.observe performs, on the arrays."""
    p = params
    perception = el.Perception(p["noise"], p["memory"], p["sensitivity"])
    utility = el.policy_utility(voters.ideals, p["policy"]) + p["welfare_bonus"]
    voters.perceived[:], voters.approval[:] = perception.update(
        utility, voters.information, p["signal"], voters.perceived, p["aspiration"],
        perception.noise(voters.n, rng), False,
    )  # fmt: skip


def electorate_ratio(n: int = 10_000, updates: int = 10) -> dict[str, float]:
    rng = np.random.default_rng(1)
    base = el.sample(n, 2, "normal", 0.0, 0.3, 4.0, 0.0, rng)
    params = {
        "policy": np.array([0.2, -0.1]),
        "welfare_bonus": 1.0,
        "signal": 0.3,
        "memory": 0.5,
        "sensitivity": 3.0,
        "aspiration": 0.0,
    }
    exact = {**params, "noise": 0.0}  # noise-free: both versions must agree to rounding
    naive, fast = NaiveElectorate(base, exact, 2), _copy(base)
    naive.step()
    vectorized_update(fast, exact, rng)
    assert np.allclose(naive.approval(), fast.approval, atol=1e-12), "versions disagree"
    noisy = {**params, "noise": 0.3}
    naive = NaiveElectorate(base, noisy, 2)
    t_naive = best_of(lambda: [naive.step() for _ in range(updates)], 1) / updates
    fast = _copy(base)
    t_fast = (
        best_of(lambda: [vectorized_update(fast, noisy, rng) for _ in range(updates)]) / updates
    )
    return {"voters": n, "naive_s": t_naive, "vectorized_s": t_fast, "ratio": t_naive / t_fast}


def _copy(v: el.Electorate) -> el.Electorate:
    return el.Electorate(
        v.ideals.copy(), v.information.copy(), v.perceived.copy(), v.approval.copy()
    )


def default_scenario() -> dict[str, float]:
    cfg = load(DEFAULT)
    run(cfg, steps=5)  # warm-up (imports, caches)
    seconds = best_of(lambda: run(cfg))
    return {"voters": cfg["electorate.n_voters"], "steps": cfg["steps"], "seconds": seconds}


def million_voters(steps: int = 10) -> dict[str, float]:
    cfg = load(DEFAULT, {"electorate.n_voters": 1_000_000})
    start = time.perf_counter()
    model = InstitutionModel(cfg, 1)
    build = time.perf_counter() - start
    model.run_for(1)
    wall, cpu = min(timed(lambda: model.run_for(steps)) for _ in range(3))
    return {"voters": 1_000_000, "build_s": build, "per_step_s": wall / steps, "cpu_s": cpu / steps}


def main() -> dict[str, dict[str, float]]:
    out = {"default": default_scenario(), "million": million_voters(), "ratio": electorate_ratio()}
    d, m, r = out["default"], out["million"], out["ratio"]
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings are wall-clock)"
    )
    print(
        f"default scenario {DEFAULT}: {d['voters']:,} voters x {d['steps']} steps "
        f"in {d['seconds']:.3f} s (target < 1 s)"
    )
    print(
        f"1,000,000 voters: {m['per_step_s']:.3f} s per step (target < 0.2 s; "
        f"CPU {m['cpu_s']:.3f} s), "
        f"build {m['build_s']:.2f} s"
    )
    print(
        f"electorate update, {r['voters']:,} voters: vectorized {r['vectorized_s'] * 1e3:.3f} ms, "
        f"one Mesa agent per voter {r['naive_s'] * 1e3:.1f} ms: {r['ratio']:.0f}x"
    )
    return out


if __name__ == "__main__":
    main()
