"""In Chromium: the demo trainee fills in the voormeting, which opens the modules; after the modules the nameting
opens with its then-test, and the growth profile appears. Every page is axe-clean."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from monitor.models import MeasurementWindow
from tests.e2e.conftest import check_accessibility, sign_in
from training.models import Cohort, Enrolment, ModuleProgress, User, utcnow


def _arrange(db) -> tuple[int, int]:
    """The demo trainee's cohort asks for T0 before the modules; its T1 opens only once the modules are done."""
    user = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = db.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    cohort = db.get(Cohort, enrolment.cohort_id)
    cohort.require_t0_before_modules = True
    t1 = db.exec(
        select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort.id, MeasurementWindow.moment == "T1")
    ).one()
    t1.opens_on, t1.closes_on, t1.open_rule = (
        date.today() + timedelta(days=30),
        date.today() + timedelta(days=60),
        "modules_completed",
    )
    db.add_all([cohort, t1])
    db.commit()
    return user.id, cohort.id


def _answer_every_page(page, value: str) -> None:
    """Choose ``value`` everywhere on each page (each choice saves itself), then "Opslaan en verder" to the review."""
    while "/controle" not in page.url:
        check_accessibility(page)
        radios = page.locator(f"input[type=radio][value='{value}']")
        for index in range(radios.count()):
            radios.nth(index).check()
        if radios.count():
            page.locator(".save-status", has_text="opgeslagen").first.wait_for()
        for area in page.locator("textarea").all():
            area.fill("Een voorbeeld zonder namen.")
        background = page.locator("fieldset.question")
        if not radios.count() and background.count():
            for index in range(background.count()):
                background.nth(index).locator("input[type=radio]").first.check()
        page.get_by_role("button", name="Opslaan en verder").click()
        page.wait_for_load_state("networkidle")


def test_trainee_completes_t0_then_t1_with_then_test_and_sees_growth(page, live_server, demo):
    user_id, _ = _arrange(demo)
    base = live_server.url
    sign_in(page, base, "trainee@demo.local")

    page.goto(base + "/leerpad")
    assert "voormeting (T0)" in page.locator("main").inner_text()
    assert page.locator("main a[href^='/modules/']").count() == 0

    page.get_by_role("link", name="Vragenlijsten").click()
    page.wait_for_url("**/onderzoek?next=/vragenlijsten")  # before the voormeting: the research choice
    check_accessibility(page)
    page.get_by_label("Ja, mijn antwoorden mogen zonder mijn naam in het onderzoek").check()
    page.get_by_role("button", name="Keuze opslaan").click()
    page.wait_for_url("**/vragenlijsten")
    check_accessibility(page)
    assert "Conceptvragenlijst" in page.locator("main").inner_text()
    page.get_by_role("button", name="Begin met de voormeting (t0)").click()
    page.wait_for_url("**/stap/1")
    assert page.locator("progress").get_attribute("value") == "1"
    page.get_by_role(
        "group", name="Ik kan uitleggen wat de resourcegroepenmethodiek inhoudt en wat de kernprincipes zijn."
    ).get_by_label("mee eens", exact=True).check()
    page.locator("#status-KEN1", has_text="opgeslagen").wait_for()
    _answer_every_page(page, "4")
    check_accessibility(page)
    page.get_by_role("button", name="Vragenlijst indienen").click()
    page.wait_for_load_state("networkidle")
    assert "Ingediend" in page.locator("main").inner_text()
    check_accessibility(page)

    page.goto(base + "/leerpad")
    assert page.locator("main a[href^='/modules/']").count() == 8  # the gate has lifted
    page.goto(base + "/vragenlijsten")
    assert "Nameting (T1)" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Begin met de nameting (t1)").count() == 0

    for module in live_server_modules(page, base):
        demo.add(ModuleProgress(user_id=user_id, module_id=module, content_hash="e2e", completed_at=utcnow()))
    demo.commit()

    page.goto(base + "/vragenlijsten")
    page.get_by_role("button", name="Begin met de nameting (t1)").click()
    page.wait_for_url("**/stap/1")
    page.goto(page.url.replace("/stap/1", "/stap/4"))
    zel = page.locator("main")
    assert zel.locator("legend", has_text="Terugkijkend: vóór de training").count() == 7
    assert zel.locator("legend", has_text="Nu").count() >= 7
    page.goto(page.url.replace("/stap/4", "/stap/1"))
    _answer_every_page(page, "5")
    page.get_by_role("button", name="Vragenlijst indienen").click()
    page.wait_for_load_state("networkidle")

    page.goto(base + "/vragenlijsten/groei")
    check_accessibility(page)
    chart = page.locator("svg[role=img]")
    assert chart.count() == 1 and "Kennis" in chart.get_attribute("aria-label")
    table = page.get_by_role("table")
    assert "Zelfvertrouwen" in table.inner_text() and "+1,0" in table.inner_text()
    _growth_profile_is_legible(page)


def _growth_profile_is_legible(page) -> None:
    """Issue 14: at 390 px and 1366 px nothing overflows or is clipped, the legend is whole, the chart lists the
    scales in the table's order, and its labels do not overlap."""
    rows = page.locator("table tbody th[scope=row]").all_inner_texts()
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        check_accessibility(page)
        for selector in ("html", ".growth .table-scroll", ".growth .chart"):
            sizes = page.locator(selector).evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert sizes[0] <= sizes[1], (width, selector, sizes)
        svg_texts = page.locator(".growth svg text").evaluate_all("ts => ts.map(t => t.textContent)")
        assert [t for t in svg_texts if t in rows] == rows  # same order as the table
        assert all(name in svg_texts for name in ("Voormeting (T0)", "Nameting (T1)"))  # the legend, not cut off
        boxes = page.locator(".growth svg text").evaluate_all(
            "ts => ts.map(t => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
        )
        svg = page.locator(".growth svg").evaluate(
            "e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; }"
        )
        for i, a in enumerate(boxes):
            assert svg[0] - 1 <= a[0] and a[2] <= svg[1] + 1, (width, svg_texts[i])  # inside the chart
            for b in boxes[i + 1 :]:
                overlap = min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
                assert not overlap, (width, a, b)


def live_server_modules(page, base: str) -> list[str]:
    page.goto(base + "/leerpad")
    hrefs = page.locator("main a[href^='/modules/']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [href.rsplit("/", 1)[1] for href in hrefs]
