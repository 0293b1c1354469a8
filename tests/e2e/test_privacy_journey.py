"""A trainee reads the privacy statement at first sign-in, chooses about research and downloads their own data;
every page is axe-clean."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from sqlmodel import select

from privacy.models import ResearchChoice, StatementAcknowledgement
from privacy.registry import own_data_tables
from tests.e2e.conftest import check_accessibility
from training.models import User


def test_trainee_accepts_the_statement_chooses_about_research_and_downloads_own_data(page, live_server, demo):
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("E-mailadres").fill("trainee@demo.local")
    page.get_by_label("Wachtwoord").fill("demo-demo-demo")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/privacy?next=/")
    check_accessibility(page)
    main = page.locator("main").inner_text()
    assert "nooit gebruikt om jou te beoordelen" in main and "Evaluatieonderzoek" in main
    page.get_by_role("button", name="Ik heb het gelezen, ga verder").click()
    page.wait_for_url(base + "/")
    assert page.get_by_role("link", name="Privacyverklaring").count() == 1  # in the footer

    page.get_by_role("link", name="Mijn gegevens").click()
    check_accessibility(page)
    assert "Je hebt nog niet gekozen" in page.locator("main").inner_text()
    page.get_by_role("link", name="Je keuze wijzigen").click()
    check_accessibility(page)
    page.get_by_label("Nee, liever niet").check()
    page.get_by_role("button", name="Keuze opslaan").click()
    page.wait_for_url("**/mijn-gegevens")
    check_accessibility(page)
    assert "gaan niet naar het evaluatieonderzoek" in page.locator("main").inner_text()

    with page.expect_download() as info:
        page.get_by_role("link", name="Download al mijn gegevens (ZIP met JSON en HTML)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    data = json.loads(archive.read("gegevens.json"))
    assert data["user_account"][0]["email"] == "trainee@demo.local"
    assert data["research_choice"][0]["agreed"] is False
    assert data["statement_acknowledgement"][0]["version"] == 0
    # every category the register declares as part of a person's own data is in the download, filled or empty
    assert own_data_tables() <= set(data), sorted(own_data_tables() - set(data))
    assert data["enrolment"] and data["enrolment"][0]["user_id"] == data["user_account"][0]["id"]
    html = archive.read("gegevens.html").decode()
    assert "Dewi Deelnemer" in html and "trainee@demo.local" in html

    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    demo.expire_all()
    assert demo.exec(select(ResearchChoice).where(ResearchChoice.user_id == user.id)).one().agreed is False
    assert demo.exec(select(StatementAcknowledgement).where(StatementAcknowledgement.user_id == user.id)).first()
