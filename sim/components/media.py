"""Media (issue 12, item 5): information is endogenous. Harmful actions oversight caught this
step (`ActionBatch.caught`, filled by the oversight component at order 40) and, with
`media.stories` detections_and_alarms, actions a fire alarm flagged first are newsworthy;
each is covered with probability `media.coverage`; each voter hears each covered story with
probability `media.reach` and learns `media.boost` of what it did not know; information
decays back toward each voter's baseline by `media.decay` a step (sim/mechanisms/news.py:
Zaller 1992 on reception, McCubbins & Schwartz 1984 on alarms, Besley & Burgess 2002 and
Stromberg 2004 on media and responsiveness).

The baseline is `world.information` as the model built it (the q_i drawn at set-up). The
current information is written back to `world.information` (one q_i per voter) and its mean
to `world.voter_information`. Public opinion (order 90) perceives through it this step; the
politicians' polls (electoral, order 10) read it as the last step left it. Off
(`media.stories` none) by default: nothing then writes either field and runs are what they
were."""

from __future__ import annotations

import numpy as np

from sim.components.base import Component, Metric
from sim.mechanisms import news


class Media(Component):
    name = "media"
    role = "the press covers detected scandals; voters who hear a story learn, then forget"
    observes = "this step's detections (ActionBatch.caught) and fire-alarm flags"
    stochastic = True
    references = (
        "Zaller 1992",
        "McCubbins & Schwartz 1984",
        "Besley & Burgess 2002",
        "Stromberg 2004",
        "Ebbinghaus 1885",
    )
    order = 60  # after oversight has filled `caught`, before opinion perceives
    section = "media"
    params = ("media", "oversight")
    reads = ("actions",)
    reads_last = ("information",)  # at build: the baseline q_i the model drew
    writes = ("information", "voter_information")
    metrics = (
        Metric("mean_information", "share", "Mean current voter information q (the baseline "
               "drawn at set-up plus what the news added and voters have not yet forgotten)."),
        Metric("news_stories", "stories", "Newsworthy events (detected scandals, and alarms "
               "when they count) the press covered this step."),
        Metric("recently_informed", "share", "Share of voters who heard at least one story "
               "within the last media.recent_window steps."),
    )  # fmt: skip

    def __init__(self, model) -> None:
        super().__init__(model)
        self.base = np.array(self.world.information, dtype=float)
        self.q = self.base.copy()
        self.last_heard = np.full(self.base.shape[0], np.iinfo(np.int64).min // 2)
        kinds = [spec.get("kind") for spec in self.p.oversight.layers]
        self.alarms = np.flatnonzero(np.array(kinds) == "fire_alarm") if kinds else np.zeros(0)
        self.stories = 0
        self.publish()

    def newsworthy(self) -> int:
        """Events this step that can become stories: detections, plus alarm flags that were
        not detections when alarms count."""
        count_alarms = self.p.media.stories == "detections_and_alarms"
        events = 0
        for batch in self.world.actions:
            if batch.caught is None:
                continue
            events += int(np.count_nonzero(batch.caught))
            if count_alarms and batch.flagged_by is not None:
                alarm = np.isin(batch.flagged_by, self.alarms)
                events += int(np.count_nonzero(alarm & ~batch.caught))
        return events

    def step(self) -> None:
        m = self.p.media
        self.stories = news.covered(self.newsworthy(), m.coverage, self.rng)
        self.q, k = news.step(self.q, self.base, self.stories, m.reach, m.boost, m.decay, self.rng)
        self.last_heard[k > 0] = self.model.steps
        self.publish()

    def publish(self) -> None:
        self.world.information = self.q
        self.world.voter_information = float(self.q.mean())

    def report(self) -> dict[str, float]:
        recent = self.model.steps - self.last_heard < self.p.media.recent_window
        return {
            "mean_information": float(self.q.mean()),
            "news_stories": float(self.stories),
            "recently_informed": float(recent.mean()),
        }
