"""A new gemeente from an empty database, in Chromium: the migrated database gets its first admin from
`ract create-user`; the admin creates "Gemeente Schiedam", imports its wijken, invites a manager and a trainer by
e-mail (a real SMTP server); the trainer creates a cohort and enrols trainees; the manager opens the monitor; the
audit page shows each step. Every page visited is axe-clean."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import get_settings
from tests.e2e.conftest import LiveServer, check_accessibility, sign_in
from tests.smtp import body_of, smtp_settings
from training.models import AuditEntry, Enrolment, User

ADMIN_PASSWORD = "beheer wachtwoord 2026"
LINK_RE = re.compile(r"(/uitnodiging\?token=[\w-]+)")
WIJKEN_CSV = (
    "# Schiedam, als voorbeeld\n"
    "code,naam,gebied\n"
    "WK061001,Centrum,Schiedam-Centrum\n"
    "WK061002,Oost,Schiedam-Oost\n"
    "WK061003,Groenoord,Schiedam-Noord\n"
    "WK061004,Nieuwland,Schiedam-Noord\n"
)
TRAINEES_CSV = "naam,email,wijk\n" + "\n".join(
    f"Deelnemer {i},deelnemer{i}@schiedam.example,{['Centrum', 'Oost', 'Groenoord', 'Nieuwland'][i % 4]}"
    for i in range(8)
)


@pytest.fixture
def empty_gemeente(settings, engine, smtp_server, monkeypatch):
    """The migrated, empty database with only the first admin, made as an operator would: `ract create-user`."""
    monkeypatch.setenv("RACT_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    made = CliRunner().invoke(
        cli,
        ["create-user", "--role", "admin", "--email", "beheer@schiedam.example", "--name", "Bea Beheer"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    get_settings.cache_clear()
    assert made.exit_code == 0, made.output
    app = create_app(smtp_settings(settings, smtp_server.port), engine=engine)
    with LiveServer(app) as server:
        yield server


def nav(page, name: str):
    return page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=name, exact=True)


def _accept_invitation(browser, base: str, link: str, password: str):
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + link)
    check_accessibility(page)
    page.get_by_label("Nieuw wachtwoord").fill(password)
    page.get_by_label("Herhaal het wachtwoord").fill(password)
    page.get_by_role("button", name="Wachtwoord instellen en inloggen").click()
    page.wait_for_load_state("networkidle")
    return page


def test_a_new_gemeente_from_an_empty_database(browser, empty_gemeente, smtp_server, engine):
    base = empty_gemeente.url
    admin = browser.new_context(bypass_csp=True, locale="nl-NL").new_page()
    admin.set_default_timeout(15_000)
    sign_in(admin, base, "beheer@schiedam.example", ADMIN_PASSWORD)
    check_accessibility(admin)

    # the organisation and its wijken
    nav(admin, "Organisaties").click()
    check_accessibility(admin)
    admin.get_by_label("Naam van de organisatie").fill("Gemeente Schiedam")
    admin.get_by_role("button", name="Organisatie aanmaken").click()
    admin.wait_for_url(re.compile(r"/beheer/organisaties/\d+$"))
    assert "Gemeente Schiedam" in admin.get_by_role("heading", level=1).inner_text()
    check_accessibility(admin)
    admin.get_by_label(re.compile("CSV-bestand")).set_input_files(
        files=[{"name": "schiedam.csv", "mimeType": "text/csv", "buffer": WIJKEN_CSV.encode()}]
    )
    admin.get_by_role("button", name="Bestand controleren").click()
    admin.wait_for_url("**/wijken-import/**")
    check_accessibility(admin)
    admin.get_by_role("button", name="4 wijken importeren").click()
    admin.wait_for_url(re.compile(r"/beheer/organisaties/\d+$"))
    assert "4 wijken zijn geïmporteerd." in admin.get_by_role("status").inner_text()
    assert admin.get_by_role("heading", name="Schiedam-Noord").is_visible()
    check_accessibility(admin)

    # staff invitations
    for name, email, role in (
        ("Mo Manager", "manager@schiedam.example", "Projectleiding"),
        ("Tess Trainer", "trainer@schiedam.example", "Trainer"),
    ):
        nav(admin, "Gebruikers").click()
        admin.get_by_role("link", name="Medewerker uitnodigen").click()
        check_accessibility(admin)
        admin.get_by_label("Naam", exact=True).fill(name)
        admin.get_by_label("E-mailadres").fill(email)
        admin.get_by_label("Rol").select_option(label=role)
        admin.get_by_label("Organisatie").select_option(label="Gemeente Schiedam")
        admin.get_by_role("button", name="Uitnodiging versturen").click()
        admin.wait_for_url(re.compile(r"/beheer/gebruikers/\d+$"))
        check_accessibility(admin)
    messages = smtp_server.inbox.wait_for(2, timeout=20)
    links = {m["To"]: LINK_RE.search(body_of(m)).group(1) for m in messages}
    assert set(links) == {"manager@schiedam.example", "trainer@schiedam.example"}

    # the trainer sets a password, creates a cohort and enrols trainees
    trainer = _accept_invitation(browser, base, links["trainer@schiedam.example"], "trainer wachtwoord 2026")
    nav(trainer, "Mijn groepen").click()
    trainer.get_by_role("link", name="Nieuwe groep").click()
    check_accessibility(trainer)
    today = date.today()
    trainer.get_by_label("Naam van de groep").fill("Schiedam voorjaar")
    trainer.get_by_label("Begindatum").fill(today.isoformat())
    trainer.get_by_label("Einddatum").fill((today + timedelta(days=90)).isoformat())
    trainer.locator("#T0_opens_on").fill(today.isoformat())
    trainer.locator("#T0_closes_on").fill((today + timedelta(days=14)).isoformat())
    trainer.get_by_role("button", name="Groep aanmaken").click()
    trainer.wait_for_url("**/deelnemers")
    check_accessibility(trainer)
    trainer.get_by_label(re.compile("CSV-bestand")).set_input_files(
        files=[{"name": "deelnemers.csv", "mimeType": "text/csv", "buffer": TRAINEES_CSV.encode()}]
    )
    trainer.get_by_role("button", name="Controleren").click()
    trainer.wait_for_url("**/import/**")
    check_accessibility(trainer)
    trainer.get_by_role("button", name="8 deelnemers importeren").click()
    trainer.wait_for_url("**/deelnemers")
    assert "8 deelnemers zijn ingeschreven en uitgenodigd." in trainer.get_by_role("status").inner_text()
    check_accessibility(trainer)

    # the manager sets a password and opens the monitor
    manager = _accept_invitation(browser, base, links["manager@schiedam.example"], "manager wachtwoord 2026")
    nav(manager, "Monitor").click()
    manager.wait_for_url("**/monitor**")
    assert manager.get_by_role("heading", level=1).is_visible()
    check_accessibility(manager)

    # the audit trail shows the walk
    nav(admin, "Audit-log").click()
    check_accessibility(admin)
    text = admin.locator("#audit-entries").inner_text()
    for label in (
        "Organisatie aangemaakt",
        "Wijken geïmporteerd",
        "Account aangemaakt en uitgenodigd",
        "Uitnodiging geaccepteerd",
        "Groep aangemaakt",
        "Deelnemers geïmporteerd",
        "Ingelogd",
    ):
        assert label in text, label
    with Session(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[0] == "user.created"
        for action in (
            "login.succeeded",
            "organisation.created",
            "wijken.imported",
            "user.invited",
            "invitation.accepted",
            "cohort.created",
            "enrolment.imported",
        ):
            assert action in actions, action
        assert len(s.exec(select(Enrolment)).all()) == 8
        assert s.exec(select(User).where(User.email == "manager@schiedam.example")).one().role == "manager"
