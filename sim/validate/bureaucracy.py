"""Anchors B1-B3 (shared/ANCHORS.md): principal-agent drift and bureaucracy. Each check runs a
mechanism (an agent that optimizes its effort, a principal that optimizes the incentive, a
bureau that bargains with its sponsor) or the simulator itself; formulas only supply the
expected values."""

from __future__ import annotations

import numpy as np

from sim.mechanisms import multitask as mt
from sim.mechanisms import niskanen as nk
from sim.validate.core import Check, anchor, holds, within_abs, within_rel

B1_SOURCE = "Holmstrom & Milgrom 1991, JLEO 7"
B2_SOURCE = "Zhuang & Hadfield-Menell 2020, NeurIPS"
B3_SOURCE = "Niskanen 1971, Bureaucracy and Representative Government"


def _simulate(overrides: dict, seed: int, steps: int):
    from sim.run import run
    from sim.scenario import defaults_config

    base = {"electorate.n_voters": 500, "bureaucracy.depth": 3, "bureaucracy.branching": 5}
    return run(defaults_config().with_overrides({**base, **overrides}), seed, steps).series


@anchor("B1", "Multitask incentives (LEN model)", B1_SOURCE)
def multitask_incentives(seed: int) -> list[Check]:
    checks = [
        within_rel(f"beta* one task, sigma^2={s2:g}", mt.single_task_incentive(1.0, 1.0, s2), e)
        for s2, e in ((0.5, 2 / 3), (1.0, 0.5), (4.0, 0.2))
    ]
    h, sigma, b = (
        np.array([[1, -0.3], [-0.3, 1.5]]),
        np.array([[1, 0.2], [0.2, 2]]),
        np.array([1, 0.8]),
    )
    expected = np.linalg.solve(np.eye(2) + h @ sigma, b)  # (I + r H Sigma)^-1 b, r = 1
    measured = mt.LENModel(1.0, h, sigma, b).optimal_incentive()
    checks += [within_rel(f"beta*_{i + 1}, two tasks", measured[i], expected[i]) for i in range(2)]
    return checks + _effort_shift() + _low_powered()


def _effort_shift() -> list[Check]:
    """Rewarding task 1 pulls effort from unmeasured task 2 iff efforts are substitutes."""
    sigma, b, m = np.eye(2), np.ones(2), np.array([0.0, 0.5])
    grid = np.linspace(0.0, 1.0, 11)
    out = []
    for h12, label in ((0.5, "substitutes"), (0.0, "independent")):
        agent = mt.LENModel(1.0, np.array([[1.0, h12], [h12, 1.0]]), sigma, b, m)
        t2 = np.array([agent.best_effort(np.array([x, 0.0]))[1] for x in grid])
        if h12 > 0:
            ok = bool(np.all(np.diff(t2) <= 1e-9) and t2[-1] < t2[0] - 0.1)
            want = "unmeasured effort falls as beta_1 rises"
        else:
            ok, want = bool(np.ptp(t2) < 1e-6), "unmeasured effort unchanged"
        out.append(holds(f"effort shift, {label}", ok, want, f"t2: {t2[0]:.3f} -> {t2[-1]:.3f}"))
    return out


def _low_powered() -> list[Check]:
    """The more the principal values an unmeasured substitute task, the weaker beta_1*."""
    h, m = np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.0, 0.5])
    betas = [
        mt.LENModel(1.0, h, np.eye(2), np.array([1.0, b2]), m).optimal_incentive([True, False])[0]
        for b2 in (0.0, 0.5, 1.0)
    ]
    ok = bool(betas[0] > betas[1] > betas[2])
    text = ", ".join(f"{x:.3f}" for x in betas)
    return [holds("beta_1* falls with value of unmeasured task", ok, "decreasing", text)]


@anchor("B2", "Incomplete proxies with a shared budget", B2_SOURCE)
def incomplete_proxies(seed: int) -> list[Check]:
    j, k, floor = 4, 2, 0.02
    proxy_w = (np.arange(j) < k).astype(float)
    path = mt.proxy_ascent(np.full(j, 1 / j), proxy_w, floor, lr=1e-2, steps=1000)
    unmeasured = path[:, k:]
    proxy, true = mt.precision_utility(path, proxy_w), mt.precision_utility(path, np.ones(j))
    checks = [
        holds(
            "unmeasured effort never rises",
            bool(np.all(np.diff(unmeasured, axis=0) <= 1e-12)),
            "monotone non-increasing",
            f"{unmeasured[0, 0]:.3f} -> {unmeasured[-1, 0]:.4f}",
        ),
        within_abs("unmeasured effort at the end", float(unmeasured[-1].max()), floor, 1e-6),
        holds("proxy never falls", bool(np.all(np.diff(proxy) >= -1e-12)), "non-decreasing",
              f"{proxy[0]:.3f} -> {proxy[-1]:.3f}"),
        holds("true utility falls", bool(true[-1] < true[0]), "final < initial",
              f"{true[0]:.3f} -> {true[-1]:.3f}"),
    ]  # fmt: skip
    return checks + _proxy_monotonicity() + _simulated_gaming(seed)


def _proxy_optimum_utility(j: int, k: int, floor: float) -> float:
    w = (np.arange(j) < k).astype(float)
    end = mt.proxy_ascent(np.full(j, 1 / j), w, floor, lr=1e-2, steps=1000)[-1]
    return float(mt.precision_utility(end, np.ones(j))[0])


def _proxy_monotonicity() -> list[Check]:
    by_k = [_proxy_optimum_utility(4, k, 0.02) for k in (3, 2, 1)]
    by_floor = [_proxy_optimum_utility(4, 2, f) for f in (0.05, 0.02, 0.005)]
    fmt = lambda xs: ", ".join(f"{x:.1f}" for x in xs)  # noqa: E731
    return [
        holds("fewer measured dims, lower true utility (k=3,2,1)",
              bool(by_k[0] > by_k[1] > by_k[2]), "decreasing", fmt(by_k)),
        holds("lower floor, lower true utility (0.05, 0.02, 0.005)",
              bool(by_floor[0] > by_floor[1] > by_floor[2]), "decreasing", fmt(by_floor)),
    ]  # fmt: skip


def _simulated_gaming(seed: int) -> list[Check]:
    """In the simulator: implementers measured on 1 of 2 dimensions starve the other."""
    over = {"bureaucracy.motivation": 0.0, "bureaucracy.drift_rate": 0.0,
            "bureaucracy.implementation_noise": 0.2}  # fmt: skip
    part = _simulate({**over, "bureaucracy.measured_dimensions": 1}, seed, 150)
    full = _simulate({**over, "bureaucracy.measured_dimensions": 2}, seed, 150)
    eff = part["unmeasured_effort"].to_numpy()
    loss_part = float(part["drift_level_3"].iloc[100:].mean())
    loss_full = float(full["drift_level_3"].iloc[100:].mean())
    return [
        holds("sim: unmeasured effort falls to the floor", bool(np.all(np.diff(eff) <= 1e-12)
              and eff[-1] < 0.021), "monotone to 0.02", f"{eff[0]:.3f} -> {eff[-1]:.4f}"),
        holds("sim: implementers' welfare loss rises", loss_part > 5 * loss_full,
              "partial >> full measure", f"{loss_part:.4f} vs {loss_full:.4f}"),
    ]  # fmt: skip


@anchor("B3", "Budget-maximizing bureau", B3_SOURCE)
def budget_maximizing_bureau(seed: int) -> list[Check]:
    sponsor = nk.Sponsor(10.0, 1.0)
    offer, eff = nk.budget_offer(sponsor.accepts, 6.0), nk.priced_purchase(sponsor, 6.0)
    checks = [
        within_rel("Q_B (a=10, b=1, c=6)", offer.output, 8.0),
        within_rel("Q* (a=10, b=1, c=6)", eff.output, 4.0),
        within_abs("sponsor net surplus at Q_B", offer.sponsor_surplus(sponsor), 0.0, 1e-6),
    ]
    for a, b, c in ((10.0, 1.0, 5.0), (10.0, 1.0, 8.0), (20.0, 0.5, 12.0), (3.0, 2.0, 2.0)):
        s = nk.Sponsor(a, b)
        ratio = nk.budget_offer(s.accepts, c).output / nk.priced_purchase(s, c).output
        checks.append(within_rel(f"Q_B/Q* = 2 (a={a:g}, b={b:g}, c={c:g})", ratio, 2.0))
    dc = nk.budget_offer(sponsor.accepts, 3.0)
    checks += [
        within_rel("demand-constrained Q_B = a/b (c=3)", dc.output, 10.0),
        within_rel("demand-constrained slack a^2/2b - ca/b (c=3)", dc.slack, 20.0),
    ]
    return checks + _simulated_bureau(seed)


def _simulated_bureau(seed: int) -> list[Check]:
    """In the simulator: the bureau's metrics, and a sponsor who always knows the cost."""
    blind = _simulate({}, seed, 2).iloc[-1]
    seen = _simulate({"bureaucracy.sponsor_scrutiny": 1.0}, seed, 2).iloc[-1]
    return [
        within_rel("sim: bureau_output", float(blind["bureau_output"]), 8.0),
        within_rel("sim: efficient_output", float(blind["efficient_output"]), 4.0),
        within_rel("sim: scrutinized sponsor buys Q*", float(seen["bureau_output"]), 4.0),
    ]
