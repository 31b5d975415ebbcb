"""Media (issue 12, item 5): the news mechanism reproduces its closed forms when run, media that
publishes nothing leaves a run bit-for-bit unchanged, and stories reach opinion and polls
through `world.information`. The emergent result (whether scandals restore selection) is a
finding: scenarios/findings/scandal_information.yaml, `instalign findings --check`."""

from __future__ import annotations

import numpy as np
import pytest

from sim.components import ActionBatch
from sim.errors import ConfigError
from sim.mechanisms import news
from sim.run import build, run
from sim.scenario import load

SMALL = {"steps": 30, "electorate.n_voters": 400, "ai_agents.count": 10}
SCENARIO = "scandal_information-v1"


def _relax(base, stories, reach, boost, decay, steps, seed):
    """Mean information over voters after each of `steps` steps of `news.step`."""
    rng, q, means = np.random.default_rng(seed), base.copy(), []
    for _ in range(steps):
        q, _ = news.step(q, base, stories, reach, boost, decay, rng)
        means.append(q.mean())
    return np.array(means)


def test_stationary_mean_information_matches_its_closed_form():
    """Constant s stories a step: E[q*] = 1 - g d (1 - base) / (1 - g (1 - d)), g = (1 - r b)^s."""
    rng = np.random.default_rng(3)
    base = rng.beta(0.15 * 4, 0.85 * 4, size=2000)
    s, r, b, d = 3, 0.3, 0.2, 0.1
    means = _relax(base, s, r, b, d, 2100, seed=11)[100:]  # burn-in: 100 x ln(0.71) ~ -34
    g = (1 - r * b) ** s
    expected = 1 - g * d * (1 - base.mean()) / (1 - g * (1 - d))
    batches = means.reshape(20, -1).mean(axis=1)  # batch means: steps are autocorrelated
    se = batches.std(ddof=1) / np.sqrt(len(batches))
    assert abs(means.mean() - expected) < 4 * se + 1e-12
    assert expected > base.mean() + 0.3  # the news matters at these values


def test_information_relaxes_geometrically_toward_the_stationary_mean():
    """The gap m_t = E[1 - q_t] obeys m' = g (1 - d) m + g d (1 - base) from q_0 = base."""
    base = np.full(20_000, 0.2)
    s, r, b, d = 2, 0.5, 0.3, 0.25
    g = (1 - r * b) ** s
    m, expected = 0.8, []
    for _ in range(6):
        m = g * (1 - d) * m + g * d * 0.8
        expected.append(1 - m)
    means = _relax(base, s, r, b, d, 6, seed=5)
    # per-voter sd of q is < 0.5: the sd of a mean over 20,000 voters is < 0.0036
    np.testing.assert_allclose(means, expected, atol=4 * 0.5 / np.sqrt(20_000))


def test_without_news_information_decays_back_to_the_baseline_exactly():
    base = np.linspace(0.0, 1.0, 11)
    q = np.clip(base + 0.3, 0, 1)
    for _ in range(400):
        q, k = news.step(q, base, 0, 0.5, 0.5, 0.1, np.random.default_rng(0))
        assert not k.any()
    np.testing.assert_allclose(q, base, atol=1e-15)
    assert news.covered(0, 1.0, np.random.default_rng(0)) == 0


def test_media_that_publishes_nothing_changes_no_other_number():
    """Coverage 0 (no story) and boost 0 (stories that teach nothing) give the same run as
    media off, bit for bit."""
    off = run(load(SCENARIO, {**SMALL, "media.stories": "none"}), seed=4).series
    on = run(load(SCENARIO, {**SMALL, "media.coverage": 0.0}), seed=4).series
    mute = run(load(SCENARIO, {**SMALL, "media.boost": 0.0}), seed=4).series  # stories, no news
    for col in ("welfare", "approval", "goodhart_gap", "visible_effort_share", "detection_rate"):
        np.testing.assert_array_equal(on[col].to_numpy(), off[col].to_numpy(), err_msg=col)
        np.testing.assert_array_equal(mute[col].to_numpy(), off[col].to_numpy(), err_msg=col)
    assert (on["news_stories"].iloc[1:] == 0).all()
    assert mute["news_stories"].sum() > 0
    assert off["mean_information"].isna().all()


def test_covered_scandals_raise_information_and_reach_opinion_and_polls():
    cfg = load(SCENARIO, {**SMALL, "media.coverage": 1.0, "media.reach": 1.0})
    model = build(cfg, seed=2)
    base = model.electorate.information.mean()
    for _ in range(cfg["steps"]):
        model.step()
    series = model.datacollector.get_model_vars_dataframe()
    assert series["news_stories"].sum() > 0
    assert series["mean_information"].iloc[-1] > base
    assert model.world.voter_information == pytest.approx(model.world.information.mean())
    electoral = model.component("electoral")
    assert electoral.pollster.information is not None  # last step's, passed to the polls
    quiet = run(load(SCENARIO, {**SMALL, "media.coverage": 0.0}), seed=2).series
    assert not np.array_equal(series["approval"].to_numpy(), quiet["approval"].to_numpy())


def _batch(caught, flagged_by):
    n = len(caught)
    zeros = np.zeros(n)
    batch = ActionBatch("test", np.arange(n), zeros, np.ones(n, bool), zeros)
    batch.caught, batch.flagged_by = np.array(caught), np.array(flagged_by)
    return batch


def test_alarms_count_as_news_only_when_asked_and_never_twice():
    """Layer 0 of the scenario is the fire alarm: an alarm that led to a detection is one
    event, an alarm without one is an event only under detections_and_alarms."""
    batches = [
        _batch([True, False, False, True], [0, 0, 1, -1]),
        ActionBatch("empty", np.zeros(0, int), np.zeros(0), np.zeros(0, bool), np.zeros(0)),
    ]
    for stories, expected in (("detections", 2), ("detections_and_alarms", 3)):
        model = build(load(SCENARIO, {**SMALL, "media.stories": stories}), seed=1)
        model.world.actions = batches
        assert model.component("media").newsworthy() == expected


def test_bad_media_values_are_rejected_naming_the_field():
    with pytest.raises(ConfigError, match=r"media\.coverage"):
        load(SCENARIO, {"media.coverage": 1.5})
    with pytest.raises(ConfigError, match=r"media\.stories"):
        load(SCENARIO, {"media.stories": "rumours"})
