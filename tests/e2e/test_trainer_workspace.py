"""The trainer workspace in Chromium: the demo trainer creates a cohort, imports a CSV of 30 people of whom 3 are
broken, the 27 invitations reach a real SMTP server, and an invited trainee sets a password and signs in."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from api.app import create_app
from tests.e2e.conftest import LiveServer, check_accessibility, sign_in
from tests.smtp import body_of, smtp_settings

WIJKEN = ["Afrikaanderwijk", "Bloemhof", "Tarwewijk", "Spangen"]


@pytest.fixture
def mail_server_app(settings, engine, demo, smtp_server):
    app = create_app(smtp_settings(settings, smtp_server.port), engine=engine)
    with LiveServer(app) as server:
        yield server


def thirty_people_three_broken() -> bytes:
    rows = [f"Deelnemer {i:02d};deelnemer{i:02d}@example.nl;{WIJKEN[i % 4]}" for i in range(27)]
    rows.insert(5, "Fout Adres;fout.adres-at-example.nl;Bloemhof")  # line 7
    rows.insert(12, "Verkeerde Wijk;wijk@example.nl;Kralingen")  # line 14
    rows.insert(20, "Dubbel Persoon;DEELNEMER03@example.nl;Spangen")  # line 22
    return ("\ufeffnaam;email;wijk\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8")


def test_trainer_creates_cohort_imports_csv_and_invitee_signs_in(browser, mail_server_app, smtp_server):
    base = mail_server_app.url
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "trainer@demo.local")
    page.get_by_role("link", name="Mijn groepen").click()
    page.get_by_role("link", name="Nieuwe groep").click()
    check_accessibility(page)
    today = date.today()
    page.get_by_label("Naam van de groep").fill("Regie-ondersteuners winter")
    page.get_by_label("Begindatum").fill(today.isoformat())
    page.get_by_label("Einddatum").fill((today + timedelta(days=90)).isoformat())
    page.locator("#T0_opens_on").fill(today.isoformat())
    page.locator("#T0_closes_on").fill((today + timedelta(days=14)).isoformat())
    page.get_by_label(re.compile("^Module 8:")).uncheck()  # the module set: all but the last, one with a due date
    page.get_by_label("Uiterlijk afgerond op (module 2)").fill((today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Groep aanmaken").click()
    page.wait_for_url("**/deelnemers")
    assert "Regie-ondersteuners winter" in page.get_by_role("heading", level=1).inner_text()
    check_accessibility(page)

    page.get_by_label(re.compile("CSV-bestand")).set_input_files(
        files=[{"name": "deelnemers.csv", "mimeType": "text/csv", "buffer": thirty_people_three_broken()}]
    )
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_url("**/import/**")
    check_accessibility(page)
    assert page.locator("#n-ok").inner_text() == "27"
    assert page.locator("#n-errors").inner_text() == "3"
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 3
    texts = [errors.nth(i).inner_text() for i in range(3)]
    assert texts[0].startswith("7") and "‘fout.adres-at-example.nl’ is geen geldig e-mailadres." in texts[0]
    assert texts[1].startswith("14") and "De wijk ‘Kralingen’ is onbekend" in texts[1]
    assert texts[2].startswith("22") and "Dit e-mailadres staat al op regel 5 van dit bestand." in texts[2]

    page.get_by_role("button", name="27 deelnemers importeren").click()
    page.wait_for_url("**/deelnemers")
    assert "27 deelnemers zijn ingeschreven en uitgenodigd." in page.get_by_role("status").inner_text()
    assert "27 deelnemers" in page.locator("caption").last.inner_text()
    check_accessibility(page)

    messages = smtp_server.inbox.wait_for(27, timeout=20)
    assert len(messages) == 27
    assert sorted(m["To"] for m in messages) == sorted(f"deelnemer{i:02d}@example.nl" for i in range(27))
    page.goto(base + "/berichten")
    check_accessibility(page)
    page.get_by_role("button", name="Uitloggen").click()
    context.close()

    # The invitee opens the link from the e-mail in a fresh browser.
    invitee = browser.new_context(bypass_csp=True, locale="nl-NL").new_page()
    mail = smtp_server.inbox.to("deelnemer07@example.nl")[0]
    # Links are built from RACT_BASE_URL only (http://testserver in the tests), never from the request's Host.
    link = base + re.search(r"http://testserver(/uitnodiging\?token=[\w-]+)", body_of(mail)).group(1)
    invitee.goto(link)
    assert invitee.get_by_role("heading", level=1).inner_text() == "Welkom, Deelnemer 07"
    check_accessibility(invitee)
    invitee.get_by_label("Nieuw wachtwoord").fill("mijn eigen lange wachtwoord")
    invitee.get_by_label("Herhaal het wachtwoord").fill("mijn eigen lange wachtwoord")
    invitee.get_by_role("button", name="Wachtwoord instellen en inloggen").click()
    invitee.wait_for_load_state("networkidle")
    assert "Deelnemer 07" in invitee.locator(".who").inner_text()
    check_accessibility(invitee)
    invitee.get_by_role("button", name="Uitloggen").click()
    invitee.wait_for_url("**/login")

    # The link works once; the password works from now on.
    invitee.goto(link)
    assert "al gebruikt" in invitee.get_by_role("alert").inner_text()
    check_accessibility(invitee)
    sign_in(invitee, base, "deelnemer07@example.nl", "mijn eigen lange wachtwoord")
    assert "Deelnemer 07" in invitee.locator(".who").inner_text()


def test_cohort_home_reminders_and_edit_pages_are_accessible(page, live_server):
    sign_in(page, live_server.url, "trainer@demo.local")
    page.get_by_role("link", name="Mijn groepen").click()
    page.get_by_role("link", name="Regie-ondersteuners voorjaar", exact=True).click()
    assert page.get_by_role("heading", name="Meetmomenten").is_visible()
    check_accessibility(page)
    page.get_by_label("Status").select_option("niet gestart")
    page.wait_for_url(re.compile("status=niet(%20|\\+)gestart"))
    page.locator("#cohort-matrix").get_by_role("link", name=re.compile("^Deelnemer")).click()
    page.wait_for_url("**sort=naam**")
    check_accessibility(page)
    page.get_by_role("link", name="Herinneringen").first.click()
    page.wait_for_url("**/herinneringen")
    check_accessibility(page)
    page.get_by_role("button", name="Herinnering versturen").click()
    assert re.search(r"\d+ herinneringen? verstuurd", page.get_by_role("status").inner_text())
    check_accessibility(page)
    page.goto(live_server.url + page.url.split(live_server.url)[1].replace("/herinneringen", "/bewerken"))
    check_accessibility(page)
    page.get_by_role("button", name="Opslaan").click()
    assert "De wijzigingen zijn opgeslagen." in page.get_by_role("status").inner_text()


def test_trainer_finds_paper_entry_on_the_cohort_page_and_it_is_accessible(page, live_server):
    sign_in(page, live_server.url, "trainer@demo.local")
    page.get_by_role("link", name="Mijn groepen").click()
    page.get_by_role("link", name="Regie-ondersteuners voorjaar", exact=True).click()
    page.get_by_role("link", name="Papieren vragenlijst invoeren").click()
    page.wait_for_url("**/papier")
    check_accessibility(page)
    page.get_by_label("Meetmoment").select_option("T1")
    # someone without a T1 yet: for someone who has one, the page names it instead of showing a blank form
    free = page.locator("#deelnemer option").filter(has_not_text="T1").first.get_attribute("value")
    page.get_by_label("Deelnemer").select_option(free)
    page.get_by_role("button", name="Formulier tonen").click()
    page.wait_for_url("**moment=T1**")
    assert page.get_by_role("button", name="Controleren").is_visible()
    check_accessibility(page)


def test_an_invitation_opened_while_signed_in_as_someone_else_asks_to_log_out(page, live_server, db):
    from sqlmodel import select

    from training import invitations
    from training.models import User

    user = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    issued = invitations.issue_invitation(db, user=user, cohort_id=None)
    db.commit()
    sign_in(page, live_server.url, "trainer@demo.local")
    page.goto(f"{live_server.url}/uitnodiging?token={issued.token}")
    assert "Je bent al ingelogd met een ander account" in page.get_by_role("heading", level=1).inner_text()
    check_accessibility(page)
    page.get_by_role("button", name="Uitloggen en de uitnodiging gebruiken").click()
    page.wait_for_url("**/uitnodiging?token=**")
    assert page.get_by_role("heading", level=1).inner_text() == "Welkom, Dewi Deelnemer"
    assert page.locator(".who").count() == 0  # signed out
