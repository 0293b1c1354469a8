"""Research refusal and erasure in Chromium: a trainee who says no is left out of the next research file but still
counted in the monitor; after erasure their notes and account are gone, the audit trail says who erased what and
when, and the monitor's figures do not change (docs/privacy.md §3 and §5). Every page is axe-clean."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import select

from privacy.models import Erasure
from tests.e2e.conftest import check_accessibility, sign_in
from tests.monitor.builders import build_monitored
from training.models import Enrolment, ReflectionNote, User

EMAIL = "p-Noord A0-{org}@test.local"


@pytest.fixture
def monitored(demo):
    org, wijken, cohort = build_monitored(demo)
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
