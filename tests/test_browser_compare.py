"""Compare as a reform editor, in a real headless Chromium against the production server
(tests/browser.py): arms edited with the generated controls (changes marked), run, the
headline table of paired effects; an arm on another scenario says what it is compared on;
an identical arm reported; a comparison saved, reloaded from the saved list on a fresh
page, rerun to the same numbers, and rebuilt by `instalign compare` to the same paired
differences (1e-12). Screenshots at 1400 and 390 px go to tests/artifacts/. (The live plot
is checked in tests/test_compare.py: the job's frames, independent of machine load.)"""

from __future__ import annotations

import json

import typer
from browser import SMALL, browser_marks, drawn, ran, shoot
from typer.testing import CliRunner

from analysis.comparison import register

pytestmark = browser_marks()
INFORMED = "arm=informed%3Aelectorate.information%3D0.9"


def arm_control(slot: int, path: str) -> str:
    return f'.arm-card[data-slot="{slot}"] [data-path="{path}"]'


def pick(page, selector: str, text: str) -> None:
    """Choose `text` in a dcc.Dropdown (type it, take the first match)."""
    page.click(selector)
    page.keyboard.type(text)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")


def effects(page) -> dict[str, float]:
    """Arm -> paired difference of the first metric, as plotly.js drew it (full precision)."""
    points = [t for t in drawn(page, "compare-effects-graph") if t["mode"] == "markers"]
    return dict(zip(points[0]["y"], points[0]["x"], strict=True))


def test_edit_an_arm_with_generated_controls_run_and_read_the_headline(server, page):
    base, _ = server
    page.goto(f"{base}/compare?{SMALL}&{INFORMED}&reps=3")
    first = ran(page, "compare")  # a shared URL runs on load
    row = arm_control(1, "electorate.information")
    page.wait_for_selector(f"{row}.changed")  # differs from the baseline: marked
    assert "electorate.information 0.6 → 0.9" in page.inner_text('.arm-card[data-slot="1"]')
    pick(page, '.arm-card[data-slot="1"] .arm-add', "politicians.optimization_pressure")
    pressure = arm_control(1, "politicians.optimization_pressure")
    page.wait_for_selector(f"{pressure}:not(.changed)")  # added at the baseline's value
    page.fill(f"{pressure} input", "16")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{pressure}.changed")
    assert "optimization_pressure 1 → 16" in page.inner_text('.arm-card[data-slot="1"]')
    page.click("#compare-run")
    assert ran(page, "compare", first).startswith("6 runs (3 new)")
    page.wait_for_function("() => location.search.includes('optimization_pressure%3D16')")
    assert "informed" in effects(page)
    table = page.inner_text("#compare-headline")
    assert "informed" in table and ("raises" in table or "lowers" in table or "no " in table)
    assert drawn(page, "compare-goodhart-graph")
    shoot(page, "compare")
    phone = page.context.browser.new_page(viewport={"width": 390, "height": 900})
    phone.goto(page.url)  # the same comparison at phone width (its runs are cached)
    ran(phone, "compare")
    assert phone.locator("#compare-headline").bounding_box()["width"] > 300
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    shoot(phone, "compare-390")
    phone.close()


def test_an_arm_on_another_scenario_says_what_it_is_compared_on(server, page):
    base, _ = server
    page.goto(f"{base}/compare")  # the example comparison; it waits for Run
    page.wait_for_selector("#compare-status >> text=press Run")
    pick(page, '.arm-card[data-slot="1"] [id*="arm-scenario"]', "low_information")
    card = '.arm-card[data-slot="1"]'
    page.wait_for_selector(f"{card} >> text=compared with the baseline on the same seeds")
    assert "runs low_information_electorate-v1" in page.inner_text(card)
    assert "default: " in page.inner_text(card)  # its values against its own scenario
    page.click("#compare-add-arm")
    page.wait_for_selector('.arm-card[data-slot="2"]')
    page.fill('.arm-card[data-slot="2"] input[id*="arm-name"]', "bad name")
    page.keyboard.press("Enter")
    page.click("#compare-save")
    page.wait_for_selector("#compare-save-msg >> text=arms[1].name")


def test_an_identical_arm_is_reported_not_hidden(server, page):
    base, _ = server
    page.goto(f"{base}/compare?{SMALL}&{INFORMED}&arm=same%3A&reps=3")
    card = '.arm-card[data-slot="2"]'
    page.wait_for_selector(f"{card} .msg-warn")
    assert "arm same is identical to the baseline" in page.inner_text(card)
    ran(page, "compare")  # a shared URL runs on load
    assert "arm same is identical to the baseline" in page.inner_text("#compare-notes")
    assert set(effects(page)) == {"informed", "same"}
    assert effects(page)["same"] == 0.0
    assert "no change in welfare" in page.inner_text("#compare-headline")
    assert page.is_hidden("#compare-safety-card")  # no arm records safety: hidden, not empty
    assert "not shown" in page.inner_text("#compare-notes")


def test_a_saved_comparison_reloads_and_reruns_to_the_same_numbers(server, page, results):
    """Must show: save an arm set, open the page fresh (its example arms), pick the saved
    comparison, and the arms come back (controls show the saved values); Run gives the same
    numbers, and `instalign compare` on the saved file the same paired differences."""
    base, _ = server
    arms = "arm=open%3Aelectorate.information%3D0.8&arm=tough%3Apoliticians.count%3D4"
    page.goto(f"{base}/compare?{SMALL}&{arms}&reps=3&metric=approval")
    ran(page, "compare")  # a shared URL runs on load
    before = effects(page)
    page.fill("#compare-save-name", "reform-1")
    page.click("#compare-save")
    page.wait_for_selector("#compare-save-msg >> text=saved comparisons/reform-1.yaml")
    page.click("#compare-save")  # a second Save does not overwrite without being asked
    page.wait_for_selector("#compare-save-msg >> text=exists")
    fresh = page.context.new_page()
    fresh.goto(f"{base}/compare")
    fresh.wait_for_selector('[id*="arm-name"][value="informed"]')  # the example, not saved
    pick(fresh, "#compare-saved", "reform-1")
    fresh.wait_for_selector('[id*="arm-name"][value="tough"]')
    assert fresh.input_value('.arm-card[data-slot="1"] input[id*="arm-name"]') == "open"
    info = fresh.locator(f"{arm_control(1, 'electorate.information')} input").first
    assert info.input_value() == "0.8"
    count = fresh.locator(f"{arm_control(2, 'politicians.count')} input").first
    assert count.input_value() == "4"
    assert fresh.locator(f"{arm_control(0, 'steps')} input").first.input_value() == "30"
    fresh.click("#compare-run")
    ran(fresh, "compare")
    assert effects(fresh) == before
    shoot(fresh, "compare-reloaded")
    out = cli(results / "comparisons" / "reform-1.yaml")
    rows = {r["arm"]: r["diff"] for r in out["effects"] if r["metric"] == "approval"}
    assert rows.keys() == before.keys() == {"open", "tough"}
    assert all(abs(rows[a] - before[a]) < 1e-12 for a in rows), (rows, before)


def cli(path) -> dict:
    """`instalign compare FILE --json` (the command as registered on the instalign app)."""
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    result = CliRunner().invoke(app, ["compare", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
