"""The monitor in Chromium as a manager and a trainer: real figures, withheld cells, charts with tables, axe-clean."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_accessibility, sign_in
from tests.monitor.builders import build_monitored


@pytest.fixture
def monitored(demo):
    return build_monitored(demo)


def test_manager_reads_the_monitor(page, monitored, live_server):
    _org, _wijken, _ = monitored
    page.set_default_timeout(30_000)  # the first monitor page of a process imports SciPy and the chart renderer
    sign_in(page, live_server.url, "m@monitor.local")
    page.get_by_role("link", name="Monitor").first.click()
    # The first screen: plain sentences, per wijk a chart beside its table; the statistics one link away.
    assert page.get_by_role("heading", level=1).inner_text() == "Groeit de vaardigheid in netwerkactivering?"
    assert page.get_by_text("Kennis steeg gemiddeld").first.is_visible()
    assert page.locator("figure.chart[role=img]").count() == 3
    check_accessibility(page)
    page.get_by_role("link", name="Per groep door de tijd").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Per groep door de tijd"
    assert page.get_by_role("rowheader", name="Monitorgemeente groep (start 01-2026)").first.is_visible()
    check_accessibility(page)
    page.get_by_label("Gebied").select_option(label="Noord")
    page.get_by_role("button", name="Toon").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Per groep door de tijd: gebied Noord"
    kennis = page.get_by_role("table", name="Kennis: verandering per groep in gebied Noord")
    cells = kennis.get_by_role("row", name="Monitorgemeente groep (start 01-2026)").inner_text()
    # Noord A and B (24 people) are shown: pairs, mean change with its CI (the figures themselves: tests/api).
    assert re.search(r"\t\d+\t-?\d+,\d\d \(-?\d+,\d\d tot -?\d+,\d\d\)", cells), cells
    assert page.locator("figure.chart[role=img]").count() == 3
    check_accessibility(page)
    page.get_by_role("link", name="Details voor onderzoekers").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Monitor regie-ondersteuners"
    assert page.locator("figure.chart[role=img]").count() == 3  # KEN, ATT, ZEL: VAA is T0 → T2, FAC context
    assert page.get_by_text("te weinig deelnemers").first.is_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Noord A").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Wijk Noord A"
    check_accessibility(page)
    page.goto(f"{live_server.url}/monitor?van=T0&naar=T2")
    check_accessibility(page)


def test_admin_reads_the_monitor_over_all_organisations(page, monitored, live_server):
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, "admin@demo.local")
    page.goto(f"{live_server.url}/monitor")
    page.get_by_role("link", name="Alle organisaties samen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Monitor regie-ondersteuners: alle organisaties"
    assert page.locator("figure.chart[role=img]").count() == 3
    assert page.get_by_role("rowheader", name="Monitorgemeente").first.is_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Noord A").first.click()  # a wijk of an organisation other than the first
    assert page.get_by_role("heading", level=1).inner_text() == "Wijk Noord A"


def test_trainer_reads_the_cohort_monitor(page, monitored, live_server):
    _, _, cohort = monitored
    sign_in(page, live_server.url, "t@monitor.local")
    page.goto(f"{live_server.url}/groepen/{cohort.id}/monitor")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Monitor:")
    check_accessibility(page)


def test_monitor_is_usable_on_a_phone(page, monitored, live_server):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server.url, "m@monitor.local")
    page.goto(f"{live_server.url}/monitor")
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    check_accessibility(page)


def _overflowing(page) -> list[str]:
    """Tables, charts and scroll boxes wider than the page, with their widths (print cuts these off)."""
    return page.evaluate("""() => [...document.querySelectorAll('main *:not(.visually-hidden)')]
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                      || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
        .map(el => `${el.tagName}.${el.className.baseVal ?? el.className}: `
                   + Math.round(el.getBoundingClientRect().right))""")


def test_monitor_pages_print_on_a4_without_cutting_anything_off(page, monitored, live_server):
    _org, wijken, _ = monitored
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, "m@monitor.local")
    page.set_viewport_size({"width": 680, "height": 1000})  # A4's printable width at 96 dpi (210 mm − 2 × 12 mm)
    page.emulate_media(media="print")
    for path in ("/monitor", f"/monitor/wijk/{wijken['Noord A'].id}"):
        page.goto(f"{live_server.url}{path}")
        assert not page.locator("header.site-header, nav").first.is_visible()
        assert _overflowing(page) == [], path
        assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1


def test_a_large_organisation_opens_a_gebieds_wijken_on_demand(page, monitored, live_server, monkeypatch):
    from api import monitor_views

    monkeypatch.setattr(monitor_views, "FOLD_ABOVE", 3)  # Monitorgemeente has 4 wijken: fold them per gebied
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, "m@monitor.local")
    page.goto(f"{live_server.url}/monitor")
    assert page.get_by_role("heading", name="Wijken per gebied").is_visible()
    assert page.get_by_role("rowheader", name="Noord A").count() == 0
    check_accessibility(page)
    summary = page.locator("summary", has_text="Noord (2 wijken)")
    summary.focus()
    page.keyboard.press("Enter")  # by keyboard: the <details> opens and htmx loads the gebied's wijken
    page.get_by_role("rowheader", name="Noord A (wijk)").first.wait_for()
    assert page.locator("details[open] figure.chart[role=img]").count() == 3  # each chart beside its table
    assert page.get_by_role("heading", level=3, name="Kennis – Noord").is_visible()
    check_accessibility(page)
