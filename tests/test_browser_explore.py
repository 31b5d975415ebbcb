"""Explore and the dashboard basics in a real headless Chromium against the real server
(issue 11): Back and Forward restore the previous page and view; at phone width every page
has a visible main column and every sidebar control is reachable; the sidebar renders a
section's controls only when opened and shows just the on-switch of a component that is off;
a new scenario's default metrics, tooltips, glossary and things to try; stale figures are
marked until the next run; Cancel says "Cancelled" and empties the progress bar; a download
shows a busy button; every card shows its figure's finding. Screenshots of Explore at 1400
and 390 px go to tests/artifacts/."""

from __future__ import annotations

from browser import SMALL, browser_marks, control, drawn, ran, shoot

pytestmark = browser_marks()

PHONE = {"width": 390, "height": 844}
# every focusable thing in the sidebar a user may need (dropdowns are their inputs)
SIDEBAR_CONTROLS = ".sidebar :is(input, textarea, button, select, summary)"
REACHABLE = """(sel) => {
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.type === 'hidden' || el.getAttribute('aria-hidden') === 'true') continue;
    if (!el.getClientRects().length) continue;  // not displayed (display: none)
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    const x = r.left + Math.min(r.width / 2, 8), y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    const widget = el.closest('.dash-dropdown-wrapper, .dash-slider-container, label');
    const covered = !(hit && (hit === el || el.contains(hit) || widget?.contains(hit)));
    if (r.left < -1 || r.right > innerWidth + 1 || covered)
      out.push({tag: el.tagName, id: el.id, left: r.left, right: r.right,
                hit: hit ? hit.tagName + '.' + hit.className : null});
  }
  return out;
}"""


def url_has(page, text: str) -> None:
    page.wait_for_function("(t) => location.href.includes(t)", arg=text, timeout=30_000)


def open_every_section(pg) -> None:
    """Open every closed section of the sidebar and wait for its controls."""
    for summary in pg.query_selector_all(".sidebar details:not([open]) > summary"):
        summary.scroll_into_view_if_needed()
        summary.click()
    pg.wait_for_function(
        "() => [...document.querySelectorAll('.sidebar .section-body')]"
        ".every(b => b.children.length > 0)",
        timeout=30_000,
    )


def test_back_and_forward_restore_the_previous_page_and_view(server, page):
    """Explore -> Compare -> Sweeps through the nav links, then Back twice returns to Compare
    and then to Explore with its view (a control changed and run) restored; Forward goes to
    Compare again. A page writing its own URL replaces the history entry: the history holds
    one entry per page visited."""
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    box = page.locator(f"{control('electorate.information')} input[type=number]")
    box.fill("0.35")
    box.press("Enter")
    page.click("#explore-run")
    url_has(page, "electorate.information%3D0.35")
    start = page.evaluate("history.length")
    page.click("#nav-compare")
    page.wait_for_selector("#compare-status")
    page.click("#nav-sweeps")
    page.wait_for_selector(".runs-table")
    url_has(page, "/sweeps")
    assert page.evaluate("history.length") == start + 2  # one entry per page, none per draw
    page.go_back()
    page.wait_for_function("() => location.pathname === '/compare'")
    page.wait_for_selector("#compare-status")
    page.go_back()
    page.wait_for_function("() => location.pathname === '/explore'")
    assert "electorate.information%3D0.35" in page.url
    page.wait_for_function(
        "(sel) => document.querySelector(sel)?.value === '0.35'",
        arg=f"{control('electorate.information')} input[type=number]",
    )
    ran(page, "explore")  # the restored view draws (its runs are cached)
    page.go_forward()
    page.wait_for_function("() => location.pathname === '/compare'")
    page.wait_for_selector("#compare-status")


def test_every_page_works_at_phone_width(server, browser):
    """At 390 x 844 each page's main column is visible (the sidebar stacks above it), nothing
    is wider than the screen, and every sidebar control scrolls into view uncovered."""
    base, _ = server
    ctx = browser.new_context(viewport=PHONE)
    pg = ctx.new_page()
    pages = {"explore": f"/explore?{SMALL}", "compare": f"/compare?{SMALL}&reps=2",
             "sweeps": "/sweeps?store=tiny"}  # fmt: skip
    for name, path in pages.items():
        pg.goto(base + path)
        pg.wait_for_selector(".main .js-plotly-plot")
        pg.wait_for_selector(".sidebar input")
        width = pg.evaluate("document.querySelector('.main').getBoundingClientRect().width")
        assert width > 300, (name, width)
        try:  # a graph is drawn at plotly's default width, then fits its card
            pg.wait_for_function(f"() => document.documentElement.scrollWidth <= {PHONE['width']}")
        finally:
            assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        open_every_section(pg)
        assert pg.evaluate(REACHABLE, SIDEBAR_CONTROLS) == [], name
        if name == "explore":
            ran(pg, "explore")
            drawn(pg, "explore-ts-graph")
            graph = pg.evaluate("document.querySelector('#explore-ts-graph').offsetWidth")
            assert 300 < graph <= PHONE["width"]
            shoot(pg, "explore-390")
    ctx.close()


def test_sections_render_when_opened_and_off_components_show_their_switch(server, page):
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    assert page.locator(".sidebar .param").count() < 20  # of 89 parameters
    assert page.locator(control("politicians.step_size")).count() == 0  # closed: not rendered
    page.click('[id*=\'"name":"politicians"\'] > summary')
    page.wait_for_selector(control("politicians.step_size"))
    ai = page.locator("[id*='\"name\":\"ai_agents\"'][id*='param-section']")
    assert "off" in ai.inner_text().lower()
    ai.locator("summary").click()
    assert ai.locator(".param").count() == 1  # just the switch: ai_agents.count
    count = ai.locator(f"{control('ai_agents.count')} input")
    count.fill("5")
    count.press("Enter")
    page.wait_for_selector(control("ai_agents.protocol"))  # now on: every parameter
    page.click("#explore-run")
    url_has(page, "ai_agents.count%3D5")
    ran(page, "explore")


def test_a_scenario_brings_its_metrics_notes_and_things_to_try(server, page):
    """AI control shows safety and usefulness first (its `metrics:`), with tooltips and a
    glossary from the metric declarations; the figures on screen are marked stale until
    the next run; a thing to try is a link that opens Explore with its overrides."""
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    assert "stale" not in page.get_attribute("#explore-figures", "class")
    page.click("#explore-scenario")
    page.locator("[role=option]:has-text('ai_control_protocols-v1')").click()
    page.wait_for_selector("#explore-figures.stale .stale-mark", state="visible")
    chips = page.locator("#explore-metrics").inner_text()
    assert "safety" in chips and "usefulness" in chips and "welfare" not in chips
    page.click("#explore-glossary summary")
    assert "Greenblatt" in page.inner_text("#explore-glossary")  # safety's description
    assert page.locator(control("ai_agents.protocol")).count() == 0  # not yet opened
    tries = page.locator("#explore-about a.try")
    assert tries.count() >= 2
    href = tries.first.get_attribute("href")
    assert href.startswith("/explore?scenario=ai_control_protocols-v1&set=")
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    box = page.locator(f"{control('electorate.information')} input[type=number]")
    box.fill("0.7")
    box.press("Enter")
    box.press("Tab")  # a slider's typed value counts once the box loses focus
    page.wait_for_selector("#explore-figures.stale")
    page.click("#explore-run")
    page.wait_for_selector("#explore-figures:not(.stale)", timeout=60_000)


def test_cancel_and_a_new_run_reset_the_status_and_bar(server, page):
    """A Run clears the last status at once ("running..."); Cancel says "Cancelled" and
    empties the bar that the job had started to fill."""
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    seed = page.locator(f"{control('seed')} input")
    seed.fill("777")
    seed.press("Enter")
    steps = page.locator(f"{control('steps')} input")
    steps.fill("40000")
    steps.press("Enter")
    page.click("#explore-run")
    page.wait_for_selector("#explore-status:has-text('running')", timeout=2_000)
    assert " in " not in page.inner_text("#explore-status")  # the last run's status is gone
    page.wait_for_function(
        "() => +document.getElementById('explore-progress').value > 0", timeout=60_000
    )  # the job reported its first chunks
    page.click("#explore-cancel")
    page.wait_for_selector("#explore-status:text-is('Cancelled')", timeout=5_000)
    assert page.get_attribute("#explore-progress", "value") == "0"
    page.wait_for_selector("#explore-run:not([disabled])", timeout=10_000)


def test_download_shows_a_busy_button_until_the_file_arrives(server, page):
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    card = page.locator("#explore-wa-card")
    button = card.locator("button:has-text('Download')")
    with page.expect_download(timeout=60_000) as dl:
        button.click()
        card.locator("button:has-text('preparing...')[disabled]").wait_for(timeout=5_000)
    assert dl.value.suggested_filename == "welfare_vs_approval.png"
    card.locator("button:has-text('Download'):not([disabled])").wait_for()


def test_every_card_shows_its_figures_finding(server, page):
    """The finding in a figure's layout.meta shows under its card (assets/findings.js), and
    an empty one shows nothing."""
    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    drawn(page, "explore-wa-graph")
    finding = page.locator("#explore-wa-card .finding")
    set_meta = """(f) => Plotly.relayout(
        document.querySelector('#explore-wa-graph .js-plotly-plot'), {meta: {finding: f}})"""
    page.evaluate(set_meta, "Approval rose by 0.1.")
    page.wait_for_function(
        "(t) => document.querySelector('#explore-wa-card .finding').innerText === t",
        arg="Approval rose by 0.1.",
    )
    page.evaluate(set_meta, "")
    finding.wait_for(state="hidden")
    page.set_viewport_size({"width": 1400, "height": 1000})
    shoot(page, "explore-1400")


def test_the_page_draws_with_the_partial_plotly_bundle(server, page):
    """Graphs load instalign's partial plotly.js (assets/plotly-loader.js), never plotly.py's
    full bundle, and plotly.js registers exactly the trace types the bundle's header lists
    (tests/test_plotly_bundle.py checks those cover every figure)."""
    from test_plotly_bundle import bundle_header

    base, _ = server
    page.goto(f"{base}/explore?{SMALL}")
    ran(page, "explore")
    drawn(page, "explore-ts-graph")
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert any("plotly-instalign.min.js" in u for u in loaded)
    assert not any("package_data/plotly.min.js" in u for u in loaded)
    version, types = bundle_header()
    assert page.evaluate("Plotly.version") == version
    assert set(page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)")) == types
