"""The to-do home in Chromium: a new trainee's first step, a trainer's attention points and a reminder that reaches a
trainee who never activated the account, at desktop width and on a 390 px phone, axe-clean."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from monitor.models import MeasurementWindow
from tests.e2e.conftest import check_accessibility, sign_in
from training.models import Cohort, Enrolment, User

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def overflow(page) -> int:
    """How far the page is wider than the window; first fails naming any element (outside a scroll box) that sticks
    out, so a regression says where it is."""
    wide = page.evaluate("""() => [...document.querySelectorAll('body *:not(.visually-hidden)')]
        .filter(el => !el.closest('.table-scroll') || el.matches('.table-scroll'))
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(el => `${el.tagName}.${el.className}#${el.id}: ${Math.round(el.getBoundingClientRect().right)}`)""")
    assert not wide, wide
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_a_new_trainee_sees_the_first_step_and_starts_it(page, live_server, demo, viewport):
    page.set_viewport_size(viewport)
    window = demo.exec(select(MeasurementWindow).where(MeasurementWindow.moment == "T0")).first()
    assert window is not None
    sign_in(page, live_server.url, "trainee@demo.local")
    step = page.locator(".next-step")
    assert step.get_by_role("heading", level=2).inner_text() == "Begin hier"
    text = step.inner_text()
    assert "Vul de voormeting (T0) in" in text
    assert f"Open tot en met {window.closes_on.strftime('%d-%m-%Y')}" in text
    assert "Totale voortgang (0 van 8 modules afgerond): 0%" in page.locator("main").inner_text()
    assert overflow(page) <= 0
    check_accessibility(page)
    step.get_by_role("button", name="Begin met de voormeting (T0)").click()
    page.wait_for_url(re.compile(r"/vragenlijsten/\d+"))
    assert overflow(page) <= 0
    page.goto(live_server.url + "/")
    assert "Verder invullen" in page.locator(".next-step").inner_text()
    assert "Begin hier" not in page.locator(".next-step").inner_text()  # no longer new: the T0 is started


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_trainer_sees_attention_points_and_reminds_a_trainee_who_never_signed_in(page, live_server, demo, viewport):
    page.set_viewport_size(viewport)
    trainee = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = demo.exec(select(Enrolment).where(Enrolment.user_id == trainee.id)).first()
    assert enrolment is not None
    cohort = demo.get(Cohort, enrolment.cohort_id)
    assert cohort is not None
    window = demo.exec(
        select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort.id, MeasurementWindow.moment == "T0")
    ).one()
    window.closes_on = date.today() + timedelta(days=2)
    trainee.password_hash = None
    demo.add_all([window, trainee])
    demo.commit()

    sign_in(page, live_server.url, "trainer@demo.local")
    card = page.locator("article.attention", has_text=cohort.name)
    text = card.inner_text()
    assert f"De voormeting (T0) sluit over 2 dagen ({window.closes_on.strftime('%d-%m-%Y')})" in text
    assert "1 deelnemer heeft de uitnodiging nog niet geaccepteerd: Dewi Deelnemer." in text
    assert overflow(page) <= 0
    check_accessibility(page)

    card.get_by_role("link", name="Monitor van deze groep").click()
    page.wait_for_url(f"**/groepen/{cohort.id}/monitor")
    page.go_back()
    card.get_by_role("link", name="Stuur een herinnering").click()
    page.wait_for_url(f"**/groepen/{cohort.id}/herinneringen")
    page.get_by_label("Onderwerp").fill("Nog even de {moment}")
    page.get_by_label("Tekst").fill("Beste {naam}, vul de {moment} in vóór {sluitdatum}: {link}")
    page.get_by_role("button", name="Herinnering versturen").click()
    status = page.get_by_role("status").inner_text()
    assert re.search(r"\d+ herinneringen verstuurd", status)
    assert "1 deelnemer had het account nog niet geactiveerd en kreeg daarom een nieuwe uitnodiging" in status
    assert overflow(page) <= 0
    check_accessibility(page)

    page.goto(live_server.url + "/berichten")
    row = page.locator("tr", has_text=trainee.email).first
    assert "Herinnering en nieuwe uitnodiging" in row.inner_text()
    row.locator("summary").click()
    body = row.locator("pre").inner_text()
    assert "Vul de voormeting (T0) in, uiterlijk op" in body and "uitnodiging?token=[verborgen]" in body
    assert overflow(page) <= 0
    check_accessibility(page)

    page.goto(live_server.url + f"/groepen/{cohort.id}/deelnemers")
    assert overflow(page) <= 0
    check_accessibility(page)


def test_the_progress_matrix_fits_a_laptop_without_sideways_scrolling(page, live_server, demo):
    page.set_viewport_size(DESKTOP)
    cohort = demo.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners voorjaar")).one()
    sign_in(page, live_server.url, "trainer@demo.local")
    page.goto(f"{live_server.url}/groepen/{cohort.id}")
    box = page.locator("#cohort-matrix .table-scroll")
    assert box.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
    check_accessibility(page)
