"""Paper entry in Chromium (issue 14): someone who already has a response is named before any typing; a new form
goes through the date, the review (and back, with the input kept) to saved. The pages pass axe."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

from monitor.models import QuestionnaireResponse
from monitor.questionnaire import responses
from tests.e2e.conftest import check_accessibility, sign_in
from tests.monitor.test_questionnaire_versions import demo_enrolment
from training.models import User


def test_paper_entry_names_an_existing_response_then_reviews_and_saves_a_new_one(page, live_server, live_app, db):
    enrolment = demo_enrolment(db)
    trainee = db.get(User, enrolment.user_id)
    responses.start_response(  # begun online, not submitted
        db,
        user=trainee,
        enrolment_id=enrolment.id,
        moment="T0",
        instrument=live_app.state.instruments[0],
        module_ids=[m.id for m in live_app.state.modules],
    )
    db.commit()
    sign_in(page, live_server.url, "trainer@demo.local")
    page.goto(f"{live_server.url}/groepen/{enrolment.cohort_id}/papier")
    page.get_by_label("Deelnemer").select_option(str(enrolment.id))
    page.get_by_label("Meetmoment").select_option("T0")
    page.get_by_role("button", name="Formulier tonen").click()
    page.wait_for_url("**moment=T0**")
    notice = page.get_by_role("status").filter(has_text="heeft al een").inner_text()
    assert f"{trainee.name} heeft al een voormeting (t0)" in notice and "online begonnen" in notice
    assert page.get_by_label("Datum op het formulier").count() == 0  # no blank form to type into
    assert page.get_by_role("button", name="Controleren").count() == 0
    check_accessibility(page)

    # someone without a T0 yet
    option = page.locator("#deelnemer option").filter(has_not_text="T0").first
    person = option.inner_text().split(" (")[0].strip()
    page.get_by_label("Deelnemer").select_option(option.get_attribute("value"))
    page.get_by_label("Meetmoment").select_option("T0")
    page.get_by_role("button", name="Formulier tonen").click()
    page.wait_for_url("**moment=T0**")
    page.get_by_label("Datum op het formulier").fill(date.today().isoformat())
    page.locator("#a-KEN1-4").check()
    page.locator("#a-KEN2-2").check()
    check_accessibility(page)
    page.get_by_role("button", name="Controleren").click()
    page.get_by_role("heading", name="Controleer de papieren vragenlijst").wait_for()
    text = page.locator("main").inner_text()
    assert "Nog niet opgeslagen" in text and person in text and "Voormeting (T0)" in text
    assert date.today().strftime("%d-%m-%Y") in text and "niet ingevuld" in text
    check_accessibility(page)
    assert db.exec(select(QuestionnaireResponse).where(QuestionnaireResponse.source == "paper")).all() == []

    page.get_by_role("button", name="Terug om te wijzigen").click()
    page.get_by_role("button", name="Controleren").wait_for()
    assert page.locator("#a-KEN1-4").is_checked() and page.locator("#a-KEN2-2").is_checked()
    assert page.get_by_label("Datum op het formulier").input_value() == date.today().isoformat()
    page.locator("#a-KEN2-3").check()
    page.get_by_role("button", name="Controleren").click()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/papier\?ingevoerd=1$"))
    assert "De vragenlijst is opgeslagen en ingediend." in page.get_by_role("status").first.inner_text()
    check_accessibility(page)
    db.expire_all()
    [saved] = db.exec(select(QuestionnaireResponse).where(QuestionnaireResponse.source == "paper")).all()
    assert (saved.status, saved.paper_date) == ("submitted", date.today())
    assert f"{person} (al ingevuld: T0" in page.locator("#deelnemer").inner_text()
