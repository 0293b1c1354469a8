"""Research refusal and erasure in Chromium: a trainee who says no is left out of the next research file but still
counted in the monitor; after erasure their notes and account are gone, the audit trail says who erased what and
when, and the monitor's figures do not change (docs/privacy.md §3 and §5). Every page is axe-clean."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from tests.e2e.conftest import check_accessibility, sign_in
from tests.monitor.builders import build_monitored
from training.models import ReflectionNote, User

EMAIL = "p-Noord A0-{org}@test.local"
NOTE = "Mijn eigen reflectie over netwerken."


@pytest.fixture
def monitored(demo):
    org, wijken, _cohort = build_monitored(demo)
    person = demo.exec(select(User).where(User.email == EMAIL.format(org=org.id))).one()
    person.email = "weigeraar@test.local"  # the builder's address holds a space: not one a person can type
    person.password_hash = demo.exec(select(User).where(User.email == "trainee@demo.local")).one().password_hash
    demo.add(person)
    demo.add(
        ReflectionNote(user_id=person.id, module_id="e2e", prompt_id="e2e", text="Mijn eigen reflectie over netwerken.")
    )
    demo.commit()
    return org, wijken, person


def _sign_out(page, base: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")


def _research_wijken(page, base: str, org_id: int) -> list[str]:
    """The wijk column of the research file (wide: one row per person), downloaded as beheer."""
    response = page.request.get(f"{base}/monitor/exports/research-wide.csv?organisatie={org_id}")
    assert response.ok, response.status
    return [row["wijk"] for row in csv.DictReader(io.StringIO(response.text().lstrip("\ufeff")))]


def _wijk_text(page, base: str, wijk_id: int) -> str:
    page.goto(f"{base}/monitor/wijk/{wijk_id}")
    check_accessibility(page)
    return page.locator("main").inner_text()


def test_a_trainee_who_declines_is_left_out_of_research_but_counted_in_the_monitor(page, live_server, monitored):
    org, wijken, person = monitored
    base = live_server.url
    page.set_default_timeout(30_000)  # the first monitor page of a process imports SciPy and the chart renderer
    sign_in(page, base, "admin@demo.local")
    before = _research_wijken(page, base, org.id)
    monitor_before = _wijk_text(page, base, wijken["Noord A"].id)
    assert before.count("Noord A") == 12
    assert re.search(r"Uitgenodigd\s+12\s+T0 ingevuld\s+12\s+T1 ingevuld\s+12\s+Paren\s+12", monitor_before)
    _sign_out(page, base)

    sign_in(page, base, person.email)
    page.goto(base + "/mijn-gegevens")
    check_accessibility(page)
    assert "Je antwoorden mogen zonder je naam in het evaluatieonderzoek" in page.locator("main").inner_text()
    page.get_by_role("link", name="Je keuze wijzigen").click()
    page.get_by_label("Nee, liever niet").check()
    page.get_by_role("button", name="Keuze opslaan").click()
    page.wait_for_url("**/mijn-gegevens")
    check_accessibility(page)
    assert "gaan niet naar het evaluatieonderzoek" in page.locator("main").inner_text()
    _sign_out(page, base)

    sign_in(page, base, "admin@demo.local")
    after = _research_wijken(page, base, org.id)
    assert len(after) == len(before) - 1 and after.count("Noord A") == 11
    assert _wijk_text(page, base, wijken["Noord A"].id) == monitor_before  # the monitor does not depend on it


def test_after_erasure_notes_and_account_are_gone_the_trail_says_who_and_the_monitor_stays(
    page, live_server, monitored, demo
):
    _org, wijken, person = monitored
    base = live_server.url
    page.set_default_timeout(30_000)
    sign_in(page, base, person.email)  # the person can sign in and has a note
    _sign_out(page, base)
    demo.expire_all()
    assert demo.exec(select(ReflectionNote).where(ReflectionNote.user_id == person.id)).one().text == NOTE

    sign_in(page, base, "admin@demo.local")
    monitor_before = _wijk_text(page, base, wijken["Noord A"].id)
    page.goto(f"{base}/beheer/gebruikers/{person.id}/verwijderen")
    check_accessibility(page)
    text = page.locator("main").inner_text()
    assert "Persoon Noord A0" in text and "Ingediende vragenlijsten blijven" in text
    page.get_by_label("Soort verzoek").select_option(label="verzoek tot verwijdering")
    page.get_by_label("Reden").fill("Verzoek per e-mail van 1 december")
    page.get_by_role("button", name="Definitief verwijderen").click()
    page.wait_for_url("**/beheer/gebruikers")
    page.goto(f"{base}/beheer/gebruikers?zoek=Noord+A0")
    assert "Persoon Noord A0" not in page.locator("main").inner_text()
    page.goto(f"{base}/beheer/gebruikers/{person.id}")
    assert "Verwijderd account" in page.locator("main").inner_text()
    erased_on = datetime.now(ZoneInfo("Europe/Amsterdam")).strftime("%d-%m-%Y")

    # The audit trail says who erased whom, when, why and how much.
    page.goto(f"{base}/beheer/audit?actie=privacy.erased")
    check_accessibility(page)
    rows = page.locator("#audit-entries tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "Ada Admin" in row and "Persoonsgegevens verwijderd" in row and f"user {person.id}" in row
    assert erased_on in row and "Verzoek per e-mail van 1 december" in row and "kind: request" in row

    # The monitor follows the documented rule: submitted answers stay, unlinked, so the figures do not change.
    assert _wijk_text(page, base, wijken["Noord A"].id) == monitor_before
    _sign_out(page, base)

    # The account is gone: the name and e-mail are no longer there, and signing in fails.
    page.get_by_label("E-mailadres").fill(person.email)
    page.get_by_label("Wachtwoord").fill("demo-demo-demo")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url and "Inloggen" in page.locator("main").inner_text()
    demo.expire_all()
    assert demo.exec(select(ReflectionNote).where(ReflectionNote.user_id == person.id)).first() is None
    stub = demo.get(User, person.id)
    assert stub.name == "Verwijderd account" and "weigeraar" not in stub.email and stub.password_hash is None
