"""The watch panel on Explore in a real headless Chromium against the production server
(tests/browser.py): after a run, Step changes the voter map and moves the slider, Play
advances frames by itself and Pause stops it, another replication changes the map, and the
cards of components that are off are hidden. What plotly.js drew is read from `_fullData`;
screenshots go to tests/artifacts/."""

from __future__ import annotations

from browser import SMALL, browser_marks, ran, shoot

pytestmark = browser_marks()
VOTERS = "watch-voters-graph"
# a light scenario with a bureaucracy and oversight layers, two replications
TWO_SEEDS = (
    "/explore?scenario=patrol_vs_alarm-v1&set=steps%3D24&set=electorate.n_voters%3D500&reps=2"
)


def voter_state(pg) -> dict:
    """What the voter map shows now: approval colours of the voters (trace 0) and the
    platforms' positions, as plotly.js drew them."""
    return pg.evaluate(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            if (!gd || !gd._fullData || !gd._fullData.length) { return null; }
            const d = gd._fullData, c = d[0].marker.color;
            return {colours: Array.from(c).slice(0, 400),
                    platforms: d.slice(1).filter(t => (t.name || '').includes(':'))
                                .map(t => [Array.from(t.x), Array.from(t.y)])}; }""",
        VOTERS,
    )


def slider(pg) -> int:
    """The slider's position (its handle's aria-valuenow)."""
    return int(pg.get_attribute("#watch-slider [role=slider]", "aria-valuenow"))


def monitor(pg, label: str) -> str:
    box = pg.locator(f"#watch-monitors .monitor:has(.monitor-label:text-is('{label}'))")
    return box.locator(".monitor-value").inner_text()


def changed(pg, before, seconds: float = 10.0):
    """The voter map once it differs from `before` (or as it is at the deadline)."""
    end = seconds * 1000
    waited = 0
    now = voter_state(pg)
    while now == before and waited < end:
        pg.wait_for_timeout(100)
        waited += 100
        now = voter_state(pg)
    return now


def watching(pg, base: str, url: str) -> None:
    pg.goto(base + url)
    ran(pg, "explore")
    assert pg.locator("#watch-body").count() == 0  # closed: not rendered, nothing loaded
    pg.click("#watch-head")
    pg.wait_for_selector("#watch-body:visible", timeout=60_000)
    pg.wait_for_function(
        "(id) => document.querySelector('#' + id + ' .js-plotly-plot')?._fullData?.length > 2",
        arg=VOTERS,
        timeout=30_000,
    )


def test_step_play_pause_move_the_voter_map(server, page):
    base, _ = server
    watching(page, base, f"/explore?{SMALL}")
    last = slider(page)
    assert last == 30  # 31 recorded steps (0..30) of a 30-step run; the last one shown
    assert monitor(page, "step") == "30 / 30"
    start = voter_state(page)
    page.click("#watch-step")  # at the last frame, Step goes round to the first
    first = changed(page, start)
    assert slider(page) == 0 and monitor(page, "step") == "0 / 30"
    assert first != start
    page.click("#watch-step")
    second = changed(page, first)
    assert slider(page) == 1 and second != first
    assert second["platforms"] != first["platforms"] or second["colours"] != first["colours"]
    page.click("#watch-play")
    page.wait_for_function("() => +document.querySelector('#watch-slider [role=slider]')"
                           ".getAttribute('aria-valuenow') >= 4", timeout=10_000)  # fmt: skip
    assert page.inner_text("#watch-play") == "Pause"
    page.click("#watch-play")  # pause
    page.wait_for_selector("#watch-play:text-is('Play')")
    page.wait_for_timeout(600)  # a tick already on its way may land
    paused = slider(page)
    assert paused < 30  # stopped before the end, not by running out of frames
    page.wait_for_timeout(1500)  # three timer periods
    assert slider(page) == paused and page.inner_text("#watch-play") == "Play"
    assert voter_state(page) == voter_state(page)
    assert "election" in page.inner_text("#watch-elections")
    assert page.is_hidden("#watch-tree-card") and page.is_hidden("#watch-funnel-card")
    shoot(page, "watch-baseline")
    page.set_viewport_size({"width": 390, "height": 900})  # a phone: the panel still fits
    page.wait_for_timeout(500)
    for part in ("#watch-step", "#watch-play", f"#{VOTERS}"):
        box = page.locator(part).bounding_box()
        assert box and box["width"] > 0 and box["x"] + box["width"] <= 390 + 1, part
    shoot(page, "watch-phone")


def test_another_replication_changes_the_map(server, page):
    base, _ = server
    watching(page, base, TWO_SEEDS)
    assert page.is_visible("#watch-tree-card") and page.is_visible("#watch-funnel-card")
    before = voter_state(page)
    page.click("#watch-seed")
    page.locator("[role=option]:has-text('replication 2')").click()
    after = changed(page, before, 30)
    assert after is not None and after != before
    assert slider(page) == 24  # the same (last) frame of the other replication
    assert "/" in monitor(page, "caught / harmful")
    shoot(page, "watch-patrol-vs-alarm")
