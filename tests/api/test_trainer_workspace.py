"""The trainer workspace over HTTP: cohorts with windows, invitations, CSV import with preview, trainee actions,
exports, the outbox; a trainer manages only their own cohorts."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from monitor.models import MeasurementWindow
from training.models import Cohort, CohortTrainer, Enrolment, EnrolmentImport, Invitation, OutboundMail, User, Wijk

TODAY = date.today()


def cohort_named(db, name: str) -> Cohort:
    return db.exec(select(Cohort).where(Cohort.name == name)).one()


def user_named(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def cohort_form(**changes) -> dict:
    form = {
        "name": "Regie-ondersteuners winter",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + timedelta(days=90)).isoformat(),
        "reminder_days": "7, 2",
        "T0_opens_on": TODAY.isoformat(),
        "T0_closes_on": (TODAY + timedelta(days=14)).isoformat(),
        "T1_opens_on": (TODAY + timedelta(days=80)).isoformat(),
        "T1_closes_on": (TODAY + timedelta(days=95)).isoformat(),
        "T1_open_rule": "modules_completed",
    }
    form.update(changes)
    return form


def make_cohort(client, db, **changes) -> Cohort:
    org = db.exec(select(User.organisation_id).where(User.email == "trainer@demo.local")).one()
    response = client.post(
        "/groepen/nieuw", data={"organisation_id": str(org), **cohort_form(**changes)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:2000]
    db.expire_all()
    return cohort_named(db, changes.get("name", "Regie-ondersteuners winter"))


def csv_of(rows: list[str], header: str = "naam,email,wijk") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(client, cohort_id: int, data: bytes, filename: str = "lijst.csv"):
    return client.post(
        f"/groepen/{cohort_id}/import", files={"bestand": (filename, data, "text/csv")}, follow_redirects=False
    )


def test_trainer_creates_a_cohort_with_windows_and_is_its_trainer(login_as, db):
    trainer = login_as("trainer")
    cohort = make_cohort(trainer, db)
    me = user_named(db, "trainer@demo.local")
    assert cohort.reminder_days == "7,2" and cohort.archived_at is None
    assert db.exec(select(CohortTrainer.user_id).where(CohortTrainer.cohort_id == cohort.id)).all() == [me.id]
    windows = {w.moment: w for w in db.exec(select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort.id))}
    assert set(windows) == {"T0", "T1"} and windows["T1"].open_rule == "modules_completed"
    home = trainer.get(f"/groepen/{cohort.id}")
    assert home.status_code == 200 and "Voormeting (T0)" in home.text and "0 van 0" in home.text


def test_invalid_cohort_form_is_shown_again_with_a_dutch_message_and_nothing_saved(login_as, db):
    trainer = login_as("trainer")
    org = user_named(db, "trainer@demo.local").organisation_id
    response = trainer.post(
        "/groepen/nieuw",
        data={"organisation_id": str(org), **cohort_form(T0_closes_on=(TODAY - timedelta(days=1)).isoformat())},
    )
    assert response.status_code == 422
    assert "de sluitdatum ligt vóór de openingsdatum" in response.text
    assert 'value="Regie-ondersteuners winter"' in response.text
    assert db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners winter")).first() is None


def test_trainer_edits_windows_and_archives_the_cohort(login_as, db):
    trainer = login_as("trainer")
    cohort = make_cohort(trainer, db)
    form = cohort_form(name="Winter (aangepast)", T0_opens_on="", T0_closes_on="", reminder_days="")
    assert trainer.post(f"/groepen/{cohort.id}/bewerken", data=form, follow_redirects=False).status_code == 303
    db.expire_all()
    cohort = db.get(Cohort, cohort.id)
    assert cohort.name == "Winter (aangepast)" and cohort.reminder_days == ""
    assert {w.moment for w in db.exec(select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort.id))} == {
        "T1"
    }
    assert trainer.post(f"/groepen/{cohort.id}/archiveren", follow_redirects=False).status_code == 303
    db.expire_all()
    assert db.get(Cohort, cohort.id).archived_at is not None
    assert trainer.get(f"/groepen/{cohort.id}").status_code == 200  # still readable
    assert trainer.get(f"/groepen/{cohort.id}/bewerken").status_code == 409


def test_a_trainer_manages_only_their_own_cohorts(login_as, db):
    voorjaar = cohort_named(db, "Regie-ondersteuners voorjaar")  # trainer2 does not train it
    enrolment = db.exec(select(Enrolment).where(Enrolment.cohort_id == voorjaar.id)).first()
    other = login_as("trainer2@demo.local")
    for method, path in [
        ("GET", f"/groepen/{voorjaar.id}/deelnemers"),
        ("GET", f"/groepen/{voorjaar.id}/bewerken"),
        ("GET", f"/groepen/{voorjaar.id}/herinneringen"),
        ("GET", f"/groepen/{voorjaar.id}/voortgang.xlsx"),
        ("POST", f"/groepen/{voorjaar.id}/archiveren"),
        ("POST", f"/groepen/{voorjaar.id}/deelnemers/{enrolment.id}/deactiveren"),
        ("POST", f"/groepen/{voorjaar.id}/deelnemers/{enrolment.id}/opnieuw-uitnodigen"),
        ("POST", f"/groepen/{voorjaar.id}/deelnemers/{enrolment.id}/activeren"),
        ("GET", f"/groepen/{voorjaar.id}"),
        ("GET", f"/groepen/{voorjaar.id}/voortgang.csv"),
        ("GET", f"/groepen/{voorjaar.id}/papier"),
    ]:
        assert other.request(method, path, follow_redirects=False).status_code == 404, path
    for path, data in [
        (f"/groepen/{voorjaar.id}/bewerken", cohort_form(name="Overgenomen")),
        (f"/groepen/{voorjaar.id}/deelnemers", {"name": "X", "email": "x@example.nl", "wijk_id": "1"}),
        (f"/groepen/{voorjaar.id}/herinneringen", {"moment": "T0", "recipients": "owing", "subject": "s", "body": "b"}),
    ]:
        assert other.post(path, data=data, follow_redirects=False).status_code == 404, path
    assert db.exec(select(User).where(User.email == "x@example.nl")).first() is None
    assert db.exec(select(OutboundMail)).all() == []
    assert upload(other, voorjaar.id, csv_of(["A,a@example.nl,Bloemhof"])).status_code == 404
    # ... nor move a trainee of their own cohort into a cohort they do not train
    najaar = cohort_named(db, "Regie-ondersteuners najaar")
    own = db.exec(select(Enrolment).where(Enrolment.cohort_id == najaar.id)).first()
    response = other.post(
        f"/groepen/{najaar.id}/deelnemers/{own.id}/verplaatsen",
        data={"target_cohort_id": str(voorjaar.id)},
        follow_redirects=False,
    )
    assert response.status_code == 404
    db.expire_all()
    assert db.get(Enrolment, own.id).cohort_id == najaar.id
    assert db.get(Cohort, voorjaar.id).archived_at is None
    assert db.get(Cohort, voorjaar.id).name == "Regie-ondersteuners voorjaar"


@pytest.mark.parametrize("role", ["trainee", "manager"])
def test_trainees_and_managers_have_no_workspace(login_as, db, role):
    cohort = cohort_named(db, "Regie-ondersteuners voorjaar")
    client = login_as(role)
    assert client.get("/groepen/nieuw").status_code == 403
    assert client.get(f"/groepen/{cohort.id}/deelnemers").status_code == 403
    assert client.get("/berichten").status_code == 403


def test_csv_preview_writes_nothing_and_confirm_imports_valid_rows_once(login_as, db):
    trainer = login_as("trainer")
    cohort = make_cohort(trainer, db)
    rows = [f"Persoon {i},persoon{i}@example.nl,Bloemhof" for i in range(5)]
    rows += [
        "Fout Adres,geen-adres,Bloemhof",
        "Onbekend,onbekend@example.nl,Kralingen",
        "Dubbel,PERSOON1@example.nl,Bloemhof",
    ]
    response = upload(trainer, cohort.id, csv_of(rows))
    assert response.status_code == 303
    preview = trainer.get(response.headers["location"])
    assert preview.status_code == 200
    assert re.search(r'id="n-ok">5<', preview.text) and re.search(r'id="n-errors">3<', preview.text)
    assert "‘geen-adres’ is geen geldig e-mailadres." in preview.text
    assert "De wijk ‘Kralingen’ is onbekend" in preview.text
    assert "Dit e-mailadres staat al op regel 3 van dit bestand." in preview.text
    db.expire_all()
    assert db.exec(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all() == []
    assert db.exec(select(User).where(User.email == "persoon0@example.nl")).first() is None

    confirm = trainer.post(response.headers["location"], follow_redirects=False)
    assert confirm.status_code == 303
    db.expire_all()
    enrolled = db.exec(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all()
    assert len(enrolled) == 5
    mails = db.exec(select(OutboundMail).where(OutboundMail.cohort_id == cohort.id)).all()
    assert sorted(m.to_address for m in mails) == [f"persoon{i}@example.nl" for i in range(5)]
    assert all("/uitnodiging?token=" in m.body for m in mails)
    # the token in the mail is stored only as a hash
    token = re.search(r"token=([\w-]+)", mails[0].body).group(1)
    assert db.exec(select(Invitation).where(Invitation.token_hash == token)).first() is None
    # confirming again, or someone else's import, does nothing
    assert trainer.post(response.headers["location"], follow_redirects=False).status_code == 409
    assert len(db.exec(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all()) == 5


def test_import_that_became_stale_is_refused_as_a_whole(login_as, db):
    trainer = login_as("trainer")
    cohort = make_cohort(trainer, db)
    location = upload(
        trainer, cohort.id, csv_of(["A Een,a@example.nl,Bloemhof", "B Twee,b@example.nl,Bloemhof"])
    ).headers["location"]
    wijk = db.exec(select(Wijk).where(Wijk.name == "Bloemhof")).one()
    assert (
        trainer.post(
            f"/groepen/{cohort.id}/deelnemers",
            data={"name": "B Twee", "email": "b@example.nl", "wijk_id": str(wijk.id)},
            follow_redirects=False,
        ).status_code
        == 303
    )
    response = trainer.post(location, follow_redirects=False)
    assert response.status_code == 409 and "Upload het bestand opnieuw" in response.text
    db.expire_all()
    assert db.exec(select(User).where(User.email == "a@example.nl")).first() is None


def test_a_stored_preview_cannot_be_altered_or_used_by_someone_else(login_as, db):
    trainer = login_as("trainer")
    najaar = cohort_named(db, "Regie-ondersteuners najaar")  # trained by both demo trainers
    location = upload(trainer, najaar.id, csv_of(["A Een,a@example.nl,Bloemhof"])).headers["location"]
    other = login_as("trainer2@demo.local")
    assert other.get(location).status_code == 404
    assert other.post(location, follow_redirects=False).status_code == 404
    # the confirm step takes no rows from the request: extra form fields are ignored
    trainer.post(location, data={"rows": "Evil,evil@example.nl,Bloemhof"}, follow_redirects=False)
    db.expire_all()
    assert db.exec(select(User).where(User.email == "evil@example.nl")).first() is None
    assert db.exec(select(User).where(User.email == "a@example.nl")).first() is not None


def test_unreadable_file_is_refused_with_a_message_and_nothing_to_confirm(login_as, db):
    trainer = login_as("trainer")
    cohort = make_cohort(trainer, db)
    location = upload(trainer, cohort.id, b"voornaam;achternaam\nA;B\n").headers["location"]
    page = trainer.get(location)
    assert "De kopregel moet precies de kolommen naam, email en wijk bevatten" in page.text
    assert "importeren</button>" not in page.text
    assert trainer.post(location, follow_redirects=False).status_code == 422
    db.expire_all()
    assert db.exec(select(EnrolmentImport)).one().confirmed_at is None
    assert db.exec(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).all() == []


def test_five_thousand_row_import_is_one_transaction(login_as, db):
    trainer = login_as("trainer")
    cohort = make_cohort(trainer, db)
    rows = [f"Persoon {i};p{i}@example.nl;Spangen" for i in range(5000)]
    location = upload(trainer, cohort.id, csv_of(rows, "naam;email;wijk")).headers["location"]
    assert 'id="n-ok">5000<' in trainer.get(location).text
    assert trainer.post(location, follow_redirects=False).status_code == 303
    db.expire_all()
    assert len(db.exec(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)).all()) == 5000


def test_deactivated_trainee_cannot_sign_in_and_can_be_reactivated(login_as, make_client, db):
    cohort = cohort_named(db, "Regie-ondersteuners voorjaar")
    dewi = user_named(db, "trainee@demo.local")
    enrolment = db.exec(select(Enrolment).where(Enrolment.user_id == dewi.id)).one()
    signed_in = login_as("trainee")
    trainer = login_as("trainer")
    assert (
        trainer.post(f"/groepen/{cohort.id}/deelnemers/{enrolment.id}/deactiveren", follow_redirects=False).status_code
        == 303
    )
    assert signed_in.get("/", follow_redirects=False).status_code == 303  # signed out
    page = trainer.get(f"/groepen/{cohort.id}/deelnemers")
    assert "gedeactiveerd" in page.text
    from tests.conftest import csrf_from

    c = make_client()
    form = c.get("/login")
    assert (
        c.post(
            "/login",
            data={"email": "trainee@demo.local", "password": "demo-demo-demo", "csrf_token": csrf_from(form.text)},
            follow_redirects=False,
        ).status_code
        == 401
    )
    assert (
        trainer.post(f"/groepen/{cohort.id}/deelnemers/{enrolment.id}/activeren", follow_redirects=False).status_code
        == 303
    )
    login_as("trainee")


def test_moving_a_trainee_keeps_the_enrolment_its_wijk_and_progress(login_as, db):
    voorjaar = cohort_named(db, "Regie-ondersteuners voorjaar")
    najaar = cohort_named(db, "Regie-ondersteuners najaar")
    dewi = user_named(db, "trainee@demo.local")
    enrolment = db.exec(select(Enrolment).where(Enrolment.user_id == dewi.id)).one()
    trainer = login_as("trainer")
    response = trainer.post(
        f"/groepen/{voorjaar.id}/deelnemers/{enrolment.id}/verplaatsen",
        data={"target_cohort_id": str(najaar.id)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    db.expire_all()
    moved = db.get(Enrolment, enrolment.id)
    assert (moved.cohort_id, moved.wijk_id, moved.enrolled_at) == (najaar.id, enrolment.wijk_id, enrolment.enrolled_at)
    assert "Dewi Deelnemer" in trainer.get(f"/groepen/{najaar.id}").text


def test_progress_matrix_filters_by_status_sorts_and_exports_xlsx_without_notes(login_as, db):
    cohort = cohort_named(db, "Regie-ondersteuners voorjaar")
    trainer = login_as("trainer")
    everyone = trainer.get(f"/groepen/{cohort.id}?sort=naam")
    names = re.findall(r'<tr><th scope="row">([^<]+)</th><td>', everyone.text.split('id="cohort-matrix"')[1])
    assert names == sorted(names, key=str.lower) and "Dewi Deelnemer" in names
    started = trainer.get(f"/groepen/{cohort.id}?status=bezig", headers={"HX-Request": "true"})
    assert "<caption>0 deelnemers" in started.text
    xlsx = trainer.get(f"/groepen/{cohort.id}/voortgang.xlsx?sort=naam")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("naam", "wijk", "modules afgerond", "status")
    assert rows[0][-3:] == ("vragenlijst T0", "vragenlijst T1", "vragenlijst T2")  # as in the matrix
    assert len(rows) == len(names) + 1 and "Dewi Deelnemer" in [r[0] for r in rows]
    assert {r[-3] for r in rows[1:]} <= {"niet gestart", "bezig", "ingediend"}
    csv_text = trainer.get(f"/groepen/{cohort.id}/voortgang.csv").content.decode("utf-8-sig")
    header, *lines = csv_text.splitlines()
    assert header.endswith(";vragenlijst T0;vragenlijst T1;vragenlijst T2") and len(lines) == len(names)
    assert not any("notitie" in str(c).lower() or "reflectie" in str(c).lower() for c in rows[0])


def invite_into_new_cohort(trainer, db, *, name: str, email: str) -> None:
    """The trainer adds one person to a fresh cohort, which queues an invitation mail."""
    cohort = make_cohort(trainer, db)
    wijk = db.exec(select(Wijk).where(Wijk.name == "Bloemhof")).one()
    trainer.post(f"/groepen/{cohort.id}/deelnemers", data={"name": name, "email": email, "wijk_id": str(wijk.id)})


def test_outbox_shows_what_would_have_been_sent_in_development(login_as, db):
    trainer = login_as("trainer")
    invite_into_new_cohort(trainer, db, name="Nieuw Mens", email="nieuw@example.nl")
    page = trainer.get("/berichten")
    assert "geen mailserver ingesteld" in page.text and "nieuw@example.nl" in page.text
    assert "/uitnodiging?token=" in page.text
    # trainer2 does not train this cohort and does not see its mail
    assert "nieuw@example.nl" not in login_as("trainer2@demo.local").get("/berichten").text
    assert "nieuw@example.nl" in login_as("admin").get("/berichten").text


def test_outbox_shows_creation_time_in_rotterdam_time(login_as, db):
    from datetime import datetime

    trainer = login_as("trainer")
    invite_into_new_cohort(trainer, db, name="Laat Mens", email="laat@example.nl")
    mail = db.exec(select(OutboundMail).where(OutboundMail.to_address == "laat@example.nl")).one()
    mail.created_at = datetime(2025, 7, 1, 22, 30)  # stored UTC: already 2 July, 00:30 in Rotterdam (CEST)
    db.add(mail)
    db.commit()
    page = trainer.get("/berichten").text
    assert "02-07-2025 00:30" in page and "01-07-2025 22:30" not in page
