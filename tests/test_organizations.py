"""Overseers as organizations (issue 12, item 3; sim/oversight/organization.py): review times
on an idle team, congestion that persists over steps (the queue's fluid limit), finite queue
capacity, recall as Rasch x Koopman measured through the mechanism, the time-box trade-off,
late catches that sanction but let the harm through, and `organization: none` changing
nothing. The emergent result (fast-acting attacks outrun queued reviews; the effect vanishes
with instantaneous review) is a finding: scenarios/findings/review_latency.yaml."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.components.ai_deployment import Pending
from sim.components.base import ActionBatch
from sim.errors import ConfigError
from sim.mechanisms import review_queue as rq
from sim.oversight import LAYERS, Docket, validate_layers
from sim.oversight.organization import Organization
from sim.run import build, run
from sim.scenario import load

SMALL = {"steps": 30, "electorate.n_voters": 300}


def org(**fields) -> Organization:
    """An organization with the given fields, as an ai_monitor layer would hold it."""
    spec = validate_layers([{"kind": "ai_monitor", "organization": "in_house", **fields}])[0]
    cls = LAYERS["ai_monitor"]
    return Organization(cls.Fields(**{k: spec[k] for k in cls.all_fields}))


def feed(o: Organization, per_step: int, steps: int, seed: int = 1):
    """per_step candidates a step for `steps` steps: (backlogs, mean waits, sojourns)."""
    rng = np.random.default_rng(seed)
    backlog, waits, sojourns = [], [], []
    for t in range(steps):
        admitted, sojourn = o.intake(np.ones(per_step, bool), rng, t)
        backlog.append(o.backlog)
        waits.append(o.waited / max(o.served, 1))
        sojourns.append(sojourn[admitted])
    return np.array(backlog), np.array(waits), sojourns


def test_an_idle_organization_reviews_in_its_time_box_plus_intake_delay():
    rng = np.random.default_rng(0)
    team = org(review_time=0.1, pressure=0.5)  # usefulness pressure halves the time box
    admitted, sojourn = team.intake(np.array([False, True]), rng, 0)
    assert admitted.tolist() == [False, True] and sojourn[1] == pytest.approx(0.05)
    body = org(organization="independent", review_time=0.1, intake_delay=0.7)
    _, sojourn = body.intake(np.array([True]), rng, 0)
    assert sojourn[0] == pytest.approx(0.8)


def test_pressure_and_partial_access_belong_to_one_kind_each():
    """An independent body feels no usefulness pressure; an in-house team sees everything;
    a field of one kind set on a layer of another is refused, naming the kind to use."""
    assert org(organization="independent", review_time=0.1).time_box == 0.1
    team = org()
    admitted, sojourn = team.intake(np.ones(5, bool), np.random.default_rng(0), 0)
    assert admitted.all() and np.all(sojourn < 1.0)
    for kind, key, other in (("in_house", "access", "independent"),
                             ("none", "cooling_off", "independent"),
                             ("independent", "pressure", "in_house")):  # fmt: skip
        spec = {"kind": "ai_monitor", "organization": kind, key: 0.5}
        with pytest.raises(ConfigError, match=f"organization: {other}") as err:
            validate_layers([spec])
        assert err.value.path == f"oversight.layers[0].{key}"


def test_congestion_carries_over_steps_at_the_fluid_rate():
    """60 arrivals a step against 2 reviewers x 20 reviews a step: the backlog grows by 20 a
    step and each step's reviews wait half a step longer than the last (the queue's fluid
    limit), because the reviewers' free times carry over."""
    backlog, waits, _ = feed(org(reviewers=2, review_time=0.05, pressure=0.0), 60, 20)
    steps = np.arange(1, 21)
    assert np.all(np.abs(backlog - 20 * steps) <= 3), backlog
    assert np.all(np.diff(waits) > 0.4) and np.all(np.diff(waits) < 0.6), np.diff(waits)


def test_a_finite_queue_turns_arrivals_away():
    o = org(reviewers=1, review_time=0.1, pressure=0.0, queue_limit=15)
    feed(o, 30, 10)
    assert rq.backlog(o.queue, 10.0)[1] <= 15
    # 300 arrived; the queue admits 15 at first, then what the reviewer freed (10 a step)
    assert 300 - (15 + 9 * 10) - 5 <= o.turned_away <= 300 - (15 + 9 * 10) + 5


def test_recall_is_the_rasch_curve_times_random_search():
    """Share of harmful flags that a review confirms, per actor capability, against Rasch
    (1960) x Koopman (1946), within 4 standard errors; false alarms all stand."""
    n, rng = 40_000, np.random.default_rng(3)
    o = org(skill=1.5, skill_spread=0.5, review_time=0.03, search_time=0.02, pressure=0.0)
    capability = np.repeat([0.5, 1.5, 2.5], n)
    harmful = np.arange(capability.size) % 2 == 0
    kept = o.confirm(np.ones(capability.size, bool), harmful, capability, rng)
    assert kept[~harmful].all()
    for c in (0.5, 1.5, 2.5):
        rows = harmful & (capability == c)
        p = 1.0 / (1.0 + math.exp(-(1.5 - c) / 0.5)) * (1.0 - math.exp(-0.03 / 0.02))
        se = math.sqrt(p * (1 - p) / rows.sum())
        assert abs(kept[rows].mean() - p) < 4 * se, (c, kept[rows].mean(), p)


def test_a_shorter_time_box_reviews_sooner_at_lower_recall():
    """The same stream (30 a step, one reviewer): a 0.03-step box keeps up (30 x 0.03 < 1), a
    0.04-step box does not; the shorter box finds fewer flaws."""
    short, long_ = (org(review_time=b, pressure=0.0, search_time=0.05) for b in (0.03, 0.04))
    late = []
    for o in (short, long_):
        _, _, sojourns = feed(o, 30, 30)
        late.append(np.mean(np.concatenate(sojourns) > 1.0))
    assert late[0] == 0.0 and late[1] > 0.3
    rng, n = np.random.default_rng(5), 20_000
    found = [o.confirm(np.ones(n, bool), np.ones(n, bool), np.ones(n), rng).mean()
             for o in (short, long_)]  # fmt: skip
    assert found[1] - found[0] > 4 * math.sqrt(0.25 * 2 / n)


def test_a_late_catch_sanctions_but_its_harm_happens():
    n = 4
    batch = ActionBatch("ai_deployment", np.arange(n), np.zeros(n), np.ones(n, bool), np.ones(n))
    batch.caught = np.array([True, True, False, False])
    batch.in_time = np.array([True, False, True, False])
    no = np.zeros(n, bool)
    pending = Pending(np.arange(n), np.ones(n, bool), no, no, no, no, no, batch)
    caught, effective = pending.verdict()
    assert caught.tolist() == [True, True, False, False]
    assert effective.tolist() == [False, True, True, True]
    batch.in_time = None  # no organization: every review in time, as before
    assert pending.verdict()[1].tolist() == [False, False, True, True]


def test_organizations_report_measured_queue_metrics():
    result = run(load("overseer_organizations-v1", SMALL), seed=2).series
    assert (result["review_backlog"].iloc[1:] >= 0).all()
    assert (result["review_wait"].dropna() >= 0).all() and result["review_wait"].notna().any()
    late = result["late_review_share"].dropna()
    assert late.between(0, 1).all() and late.iloc[-1] > 0
    slow = run(load("overseer_organizations-v1", {**SMALL, "ai_agents.act_delay": 1000.0}), 2)
    assert slow.series["late_review_share"].dropna().eq(0).all()


def test_organization_none_is_todays_instant_review_whatever_the_act_delay():
    base = load("ai_oversight_layers-v1", {**SMALL, "ai_agents.count": 20})
    layers = [{**spec, "organization": "none"} for spec in base["oversight.layers"]]
    sets = {**SMALL, "ai_agents.count": 20, "ai_agents.act_delay": 0.0}
    other = load("ai_oversight_layers-v1", {**sets, "oversight.layers": layers})
    a, b = run(base, seed=4).series, run(other, seed=4).series
    assert a.equals(b)
    assert a["review_wait"].isna().all() and a["late_review_share"].isna().all()


def test_a_bad_organization_names_its_field():
    bad = [{"kind": "ai_monitor", "organization": "regulator"}]
    with pytest.raises(ConfigError, match=r"oversight\.layers\[0\]\.organization"):
        load("ai_oversight_layers-v1", {"oversight.layers": bad})
    with pytest.raises(ConfigError, match=r"oversight\.layers\[0\]\.reviewers"):
        load("ai_oversight_layers-v1", {"oversight.layers": [{"kind": "panel", "reviewers": 0}]})


def test_in_a_run_late_catches_add_harm_but_not_catastrophes_or_fewer_incidents():
    """Schemers that attack whatever happens (no learning): fast-acting attacks are caught as
    often as slow ones, run for run, and their undetected catastrophes are the same; only the
    harm of the late catches is added."""
    sets = {**SMALL, "steps": 60, "ai_agents.risk_tolerance": 1.0}
    fast, slow = (
        run(load("overseer_organizations-v1", {**sets, "ai_agents.act_delay": d}), seed=3).series
        for d in (0.25, 1000.0)
    )
    for metric in ("catastrophes", "ai_incidents", "review_backlog"):
        assert fast[metric].equals(slow[metric]), metric
    assert fast["late_review_share"].iloc[-1] > 0 and slow["late_review_share"].iloc[-1] == 0
    assert fast["ai_harm"].sum() > slow["ai_harm"].sum()


def test_what_a_review_stage_cannot_admit_goes_on_as_flagged():
    """A review stage inside a regulator that sees nothing (access 0) neither confirms nor
    dismisses: the flags from below pass on unchanged, and nothing waits in its queue."""
    spec = validate_layers(
        [{"kind": "panel", "organization": "independent", "access": 0.0, "reviewers": 1}]
    )[0]
    layer = LAYERS["panel"](0, spec, SimpleNamespace(steps=0, horizon=10))
    n = 6
    flagged = np.array([True, True, True, False, False, False])
    docket = Docket.build(
        np.zeros(n, np.int64), flagged.copy(), np.zeros(n), np.ones(n),
        np.zeros(n, bool), np.zeros(n, bool),
    )  # fmt: skip
    docket.flagged[:] = flagged
    layer.apply(docket, np.random.default_rng(0))
    assert docket.flagged.tolist() == flagged.tolist()
    assert layer.org.reviews == 0 and layer.org.backlog == 0


def _captures(organization: str, bids: np.ndarray, n: int, seed: int, **fields) -> np.ndarray:
    """How often each group wins a fresh layer of this organization in n contests."""
    spec = validate_layers([{"kind": "ai_monitor", "organization": organization, **fields}])
    layer = LAYERS["ai_monitor"](0, spec[0], SimpleNamespace(steps=0, horizon=10))
    rng, wins = np.random.default_rng(seed), np.zeros(bids.size + 1)
    for _ in range(n):
        layer.captured, layer.captured_by = False, -1
        layer._bought(rng, bids)
        wins[layer.captured_by] += 1  # index -1: nobody won
    return wins / n


def test_an_independent_body_is_a_tullock_contest_at_its_higher_price():
    """Premium w and cooling-off c: the layer is won as in the contest where each group's
    offer is worth delta^c of its money and the overseer forgoes (1 + w) k (Becker & Stigler
    1974; Che 1995). The mechanism rescales the groups' win probabilities at price k; the
    test compares its capture frequencies with contest.win_probabilities at the new terms."""
    from sim.mechanisms import contest

    money, k, n = np.array([1.0, 3.0]), 4.0, 20_000
    bids = contest.win_probabilities(money, k)
    w, c, delta = 1.0, 10.0, 0.9
    expected = contest.win_probabilities(delta**c * money, (1.0 + w) * k)
    got = _captures("independent", bids, n, seed=5, salary_premium=w, cooling_off=c,
                    patience=delta)  # fmt: skip
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(got[:2] - expected) < 4 * se), (got, expected)
    team = _captures("in_house", bids, n, seed=5)  # paid by the overseen: today's contest
    assert np.all(np.abs(team[:2] - bids) < 4 * np.sqrt(bids * (1 - bids) / n))
    assert team[:2].sum() > 2 * got[:2].sum()


def test_without_premium_or_cooling_off_independence_does_not_change_the_contest():
    """m = 1 gives the bids back unchanged (bit for bit), as does a contest with no reserve."""
    bids = np.array([0.1, 0.25])
    assert org(organization="independent").contest(bids) is bids
    assert org(organization="independent", salary_premium=3.0).contest(
        np.array([0.4, 0.6])
    ).tolist() == [0.4, 0.6]


def test_with_media_on_the_fire_alarm_hears_the_information_of_each_step():
    """News of caught harm moves voters' information; the fire alarm's complaint rate on a
    fixed docket moves with it, step by step (it read the value at build time before)."""
    sets = {"steps": 40, "electorate.n_voters": 400, "ai_agents.count": 10,
            "media.coverage": 1.0, "media.reach": 1.0}  # fmt: skip
    model = build(load("scandal_information-v1", sets), seed=2)
    alarm = next(lay for lay in model.component("oversight").layers if lay.name == "fire_alarm")
    n = 4
    docket = Docket.build(
        np.zeros(n, np.int64), np.ones(n, bool), np.full(n, 0.5), np.ones(n),
        np.ones(n, bool), np.zeros(n, bool),
    )  # fmt: skip
    info, rate = [], []
    for _ in range(40):
        model.step()
        info.append(model.world.voter_information)
        rate.append(alarm.intensity(docket).sum())
    info, rate = np.array(info), np.array(rate)
    assert np.ptp(info) > 0.01  # the news moved information
    order = np.argsort(info, kind="stable")
    assert np.all(np.diff(rate[order]) >= 0) and np.ptp(rate) > 0
