"""Strategic collusion (sim/mechanisms/collusion.py) and the protocol options it adds to
control.Protocol: the simulated perception, validation and game against their exact values
(3-SE tolerances, fixed seeds), the red team's best response, defaults that reproduce the
legacy draws bit for bit, and honeypots in the running deployment."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import binom

from sim.mechanisms import collusion as col
from sim.mechanisms import control
from sim.mechanisms.signal_detection import suspicion
from sim.model import InstitutionModel
from sim.scenario import load

N, P, C = 2_000, 0.01, 0.5


def se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1.0 / n) / n)


def untrusted(**kw) -> control.Protocol:
    return control.Protocol("untrusted_monitoring", 0.02, 0.0, 2.5, 0.0, signal=2.0, **kw)


def test_simulated_collusion_and_validation_match_their_exact_rates():
    """Property over random (signal, paraphrase, kappa, honeypots): the monitor's simulated
    perception colludes, and the simulated validation catches, at the exact rates."""
    rng, n = np.random.default_rng(13), 40_000
    for _ in range(8):
        s, pi, kappa = rng.uniform(0, 4), rng.uniform(0, 1), rng.uniform(-1, 3)
        want = float(col.collusion_rate(s, pi, kappa))
        got = col.colludes(rng, np.ones(n, bool), s, pi, kappa).mean()
        assert abs(got - want) <= 3 * se(want, n)
        proto = untrusted(honeypots=int(rng.integers(5, 60)), paraphrase=pi, kappa=kappa)
        caught = proto.validate(rng, n).mean()
        want = 1.0 - proto.pass_probability()
        assert abs(caught - want) <= 3 * se(want, n)


def test_an_honest_monitor_is_shut_down_at_most_at_the_false_alarm_rate():
    for h, q in ((5, 0.6), (30, 0.67), (100, 0.4)):
        c = col.critical_count(h, q)
        assert binom.cdf(c, h, q) <= col.FALSE_ALARM < binom.cdf(c + 1, h, q)
        honest = control.Protocol("untrusted_monitoring", 0.02, 0.0, 2.5, 0.0, h)
        assert 1.0 - honest.pass_probability() <= col.FALSE_ALARM


@pytest.mark.parametrize(
    "proto",
    [
        untrusted(honeypots=30, paraphrase=0.5, kappa=1.0),
        control.Protocol("untrusted_monitoring", 0.02, 0.0, 2.5, 0.3, honeypots=20),
        control.Protocol("trusted_editing", 0.02, 0.2, 1.6, edit_success=0.7),
    ],
)
def test_play_agrees_with_the_exact_game(proto):
    out = control.play(np.random.default_rng(4), proto, N, P, C, 20_000)
    blue, exact = float(np.mean(out >= 0)), 1.0 - control.red_win(proto, N, P, C)
    assert abs(blue - exact) <= 3 * se(exact, out.size)


def test_the_colluder_raises_kappa_with_honeypots_and_safety_follows():
    protos = [untrusted(honeypots=h) for h in (0, 10, 30, 100)]
    chosen = [replace(p, kappa=control.best_kappa(p, N, P, C)) for p in protos]
    kappas = [p.kappa for p in chosen]
    assert kappas[0] == col.KAPPAS[0] and all(np.diff(kappas) > 0)
    safety = [1.0 - control.red_win(p, N, P, C) for p in chosen]
    unwatched = 1.0 - control.red_win(control.Protocol("none"), N, P, C)
    assert safety[0] == pytest.approx(unwatched, abs=1e-9)  # the monitor catches nothing
    assert all(np.diff(safety) > 0)
    # it is a best response: any other threshold does no better for red
    for p in chosen[1:]:
        assert control.red_win(p, N, P, C) >= control.red_win(
            replace(p, kappa=p.kappa + 0.5), N, P, C
        )


def test_trusted_editing_usefulness_lies_between_deferral_and_none():
    rng = np.random.default_rng(2)
    for d in (0.1, 0.2, 0.5):
        defer = control.usefulness(
            rng, control.Protocol("trusted_monitoring", 0.02, d, 1.6), 50_000
        )
        edit = control.Protocol("trusted_editing", 0.02, d, 1.6, edit_cost=0.33)
        assert defer < control.usefulness(rng, edit, 50_000) < 1.0


def test_new_fields_at_their_defaults_draw_exactly_the_legacy_screen():
    proto = control.Protocol("untrusted_monitoring", 0.02, 0.1, 2.0, 0.5)
    harmful = np.random.default_rng(0).random(5_000) < 0.3
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    audited, deferred = proto.screen(a, harmful, 1, 100)
    colluding = b.random(harmful.shape[0]) < 0.5  # the code before the options existed
    score = suspicion(b, harmful, 2.0, colluding)
    t_audit, t_defer = proto.thresholds()
    assert np.array_equal(audited, score > t_audit)
    assert np.array_equal(deferred, (score > t_defer) & ~(score > t_audit))


SCENARIO = {"electorate.n_voters": 200, "ai_agents.count": 200,
            "ai_agents.protocol": "untrusted_monitoring"}  # fmt: skip


def deployment(seed: int = 1, steps: int = 60, **more):
    model = InstitutionModel(load("ai_control_protocols-v1", {**SCENARIO, **more}), seed)
    model.run_for(steps)
    return model, model.datacollector.get_model_vars_dataframe()


def test_deployment_with_the_new_parameters_at_defaults_is_bit_identical():
    defaults = {"ai_agents.collusion_mode": "fixed", "ai_agents.collusion_signal": 2.0,
                "ai_agents.honeypots": 0, "ai_agents.paraphrase": 0.0,
                "ai_agents.edit_success": 0.9, "ai_agents.edit_cost": 0.33}  # fmt: skip
    _, plain = deployment(seed=3)
    _, explicit = deployment(seed=3, **defaults)
    assert plain.equals(explicit)


def test_honeypots_raise_measured_safety_against_a_colluding_monitor():
    """Signal mode, 1000 slots: without honeypots the scheming lineage's monitor colludes on
    every attack (none is caught); with 30 the lab either catches the monitor (the lineage is
    shut down) or the monitor must let some attacks through to audit. Slots are independent
    given the validation's outcome: binomial SE over slots."""
    kw = {"ai_agents.collusion_mode": "signal", "ai_agents.count": 1_000}
    model0, none = deployment(seed=1, **kw)
    model30, with_h = deployment(seed=1, **kw, **{"ai_agents.honeypots": 30})
    assert (
        none["ai_incidents"].iloc[-1] == 0 and model0.component("ai_deployment").protocol.kappa < 0
    )
    comp = model30.component("ai_deployment")
    assert comp.protocol.kappa > 0
    assert comp.monitors_caught.size or with_h["ai_incidents"].iloc[-1] > 0
    a, b = none["safety"].iloc[-1], with_h["safety"].iloc[-1]
    assert b - a > 3 * math.hypot(se(a, 1_000), se(b, 1_000))


def test_anchor_f2_passes_and_measures_the_honeypots(monkeypatch):
    from sim.validate import ANCHORS

    failed = [c.label for c in ANCHORS["F2"].run() if not c.passed]
    assert not failed, failed
    monkeypatch.setattr(col, "critical_count", lambda honeypots, recall: -1)  # never shut down
    failed = {c.label for c in ANCHORS["F2"].run() if not c.passed}
    assert "honeypots raise safety (30 vs 0)" in failed


def test_trusted_editing_charges_usefulness_in_the_deployment():
    """Aligned agents under trusted editing of the top 20% (2% audited): the edited band is 18%
    of honest work, each edit keeping 1 - edit_cost of the task, so the measured usefulness
    is 1 - 0.18 edit_cost within binomial SE."""
    from sim.run import run
    from sim.scenario import load

    over = {"electorate.n_voters": 50, "ai_agents.alignment": "aligned",
            "ai_agents.protocol": "trusted_editing", "ai_agents.defer_threshold": 0.2,
            "ai_agents.edit_cost": 0.5, "ai_agents.review_delay_cost": 0.0}  # fmt: skip
    series = run(load("ai_control_protocols-v1", over), seed=4, steps=100).series
    useful = series["usefulness"].iloc[1:]
    n = 50 * useful.size
    se = 0.5 * (0.18 * 0.82 / n) ** 0.5
    assert abs(useful.mean() - (1 - 0.18 * 0.5)) < 3 * se
