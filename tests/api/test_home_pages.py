"""Home pages as people read them: the trainee's to-do, the trainer's attention points, links to the cohort monitor."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select

from monitor.models import MeasurementWindow
from training.models import Cohort, CohortModule, CohortTrainer, Enrolment, User


def text(html: str) -> str:
    main = html.split("<main", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_new_trainee_sees_the_voormeting_first_with_its_closing_date_and_a_start_button(login_as, demo):
    page = login_as("trainee").get("/")
    body = text(page.text)
    assert "Begin hier" in body
    window = demo.exec(select(MeasurementWindow).where(MeasurementWindow.moment == "T0")).first()
    assert window is not None
    assert f"Vul de voormeting (T0) in Open tot en met {window.closes_on.strftime('%d-%m-%Y')}" in body
    assert 'action="/vragenlijsten/starten"' in page.text and "Begin met de voormeting (T0)" in body
    assert "Totale voortgang (0 van 8 modules afgerond)" in body
    assert '<a href="/leerpad">Mijn leerpad</a>' in page.text


def test_trainee_home_names_the_module_due_date(login_as, demo, app):
    trainee = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = demo.exec(select(Enrolment).where(Enrolment.user_id == trainee.id)).first()
    assert enrolment is not None
    due = date.today() + timedelta(days=9)
    first = app.state.modules[0]
    demo.add(CohortModule(cohort_id=enrolment.cohort_id, module_id=first.id, due_on=due))
    demo.commit()
    body = text(login_as("trainee").get("/").text)
    assert f"Begin aan module 1: {first.title}" in body
    assert f"uiterlijk op {due.strftime('%d-%m-%Y')} (over 9 dagen)" in body


def test_trainer_home_lists_closing_windows_and_unaccepted_invitations(login_as, demo):
    trainee = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = demo.exec(select(Enrolment).where(Enrolment.user_id == trainee.id)).first()
    assert enrolment is not None
    cohort = demo.get(Cohort, enrolment.cohort_id)
    assert cohort is not None
    window = demo.exec(
        select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort.id, MeasurementWindow.moment == "T0")
    ).one()
    window.closes_on = date.today() + timedelta(days=3)
    trainee.password_hash = None
    demo.add(window)
    demo.add(trainee)
    demo.commit()
    page = login_as("trainer").get("/")
    body = text(page.text)
    assert "Wat aandacht vraagt" in body
    assert f"De voormeting (T0) sluit over 3 dagen ({window.closes_on.strftime('%d-%m-%Y')})" in body
    assert "1 deelnemer heeft de uitnodiging nog niet geaccepteerd: Dewi Deelnemer." in body
    assert f'href="/groepen/{cohort.id}/deelnemers">Opnieuw uitnodigen' in page.text
    assert f'href="/groepen/{cohort.id}/monitor"' in page.text


def test_cohort_monitor_is_linked_from_the_cohort_page_and_the_manager_home(login_as, demo):
    cohort = demo.exec(select(Cohort).order_by(Cohort.id)).first()
    assert cohort is not None
    trainer_page = login_as("trainer").get(f"/groepen/{cohort.id}")
    assert f'href="/groepen/{cohort.id}/monitor">Monitor van deze groep' in trainer_page.text
    manager = login_as("manager")
    home = manager.get("/").text
    assert f'href="/groepen/{cohort.id}/monitor"' in home and 'href="/monitor"' in home
    assert manager.get(f"/groepen/{cohort.id}/monitor").status_code == 200


def test_a_new_cohort_says_what_to_do_instead_of_an_empty_table_and_monitor(login_as, db):
    trainer = login_as("trainer")
    user = db.exec(select(User).where(User.email == "trainer@demo.local")).one()
    cohort = Cohort(organisation_id=user.organisation_id, name="Leeg", start_date=date.today(), end_date=date.today())
    db.add(cohort)
    db.flush()
    db.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
    db.commit()
    trainees = text(trainer.get(f"/groepen/{cohort.id}/deelnemers").text)
    assert "Nog geen deelnemers" in trainees and "importeer een lijst als CSV-bestand" in trainees
    page = trainer.get(f"/groepen/{cohort.id}/monitor").text
    monitor = text(page)
    assert "Nog geen cijfers voor T0 → T1" in monitor and "herinnering" in monitor
    assert "<table" not in page.split("<main", 1)[1]  # no tables of withheld cells


def test_deactivating_and_archiving_ask_first(login_as, demo):
    cohort = demo.exec(select(Cohort).order_by(Cohort.id)).first()
    assert cohort is not None
    trainer = login_as("trainer")
    trainees = trainer.get(f"/groepen/{cohort.id}/deelnemers").text
    assert '<details class="confirm"><summary>Deactiveren' in trainees
    assert "Ja, deactiveer " in trainees and "met ‘Activeren’ draai je dit terug" in trainees
    page = trainer.get(f"/groepen/{cohort.id}").text
    assert f"Ja, archiveer {cohort.name}" in page and "kan niet terug naar actief" in page


def test_the_new_cohort_form_shows_every_error_at_once(login_as):
    trainer = login_as("trainer")
    page = trainer.post(
        "/groepen/nieuw",
        data={
            "name": "",
            "start_date": "2027-03-01",
            "end_date": "2027-01-01",
            "reminder_days": "zeven",
            "T0_opens_on": "2027-03-01",
            "module_ids": [],
        },
    )
    assert page.status_code == 422
    body = text(page.text)
    for message in (
        "Vul een naam voor de groep in.",
        "De einddatum ligt vóór de begindatum.",
        "Vul de dagen in als getallen gescheiden door komma",
        "Voormeting (T0): vul zowel de openings- als de sluitdatum in.",
    ):
        assert message in body, message
    assert "Verbeter" in body
    for field in ("name", "end_date", "reminder_days"):
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page.text), field


def test_the_print_version_of_a_module_includes_the_trainees_own_notes(login_as, app):
    module = next(m for m in app.state.modules if m.reflection_prompts)
    first, *rest = module.reflection_prompts
    trainee = login_as("trainee")
    saved = trainee.post(
        f"/modules/{module.id}/notities/{first.id}", data={"text": "Mijn eigen <gedachte>\nover herstel"}
    )
    assert saved.status_code in (200, 303)
    page = trainee.get(f"/modules/{module.id}/afdrukken").text
    assert "Mijn notitie:" in page and "Mijn eigen &lt;gedachte&gt;\nover herstel" in page  # escaped, lines kept
    if rest:
        assert "(nog niets geschreven)" in page
