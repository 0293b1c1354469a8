"""Reminders go only to those who still owe a moment, never twice a day for the same thing, also not when two
`ract send-reminders` runs overlap."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from monitor.models import Answer, InstrumentVersion, MeasurementWindow, OpenAnswer, QuestionnaireResponse
from monitor.questionnaire.reminders import send_due_reminders
from training.models import Cohort, Enrolment, OutboundMail, Reminder, User

TODAY = date(2026, 12, 1)
BASE = "https://ract.example"


@pytest.fixture
def demo(demo):
    """The demo organisation without its monitor demo data: each test sets up the windows and responses it needs."""
    from sqlmodel import delete

    for table in (Answer, OpenAnswer, QuestionnaireResponse, MeasurementWindow):
        demo.exec(delete(table))
    demo.commit()
    return demo


def voorjaar(db) -> Cohort:
    return db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners voorjaar")).one()


def enrolments(db, cohort: Cohort) -> list[Enrolment]:
    return list(db.exec(select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)))


def window(db, cohort: Cohort, moment: str = "T0", *, closes_in: int = 7, open_for: int = 14) -> MeasurementWindow:
    closes = TODAY + timedelta(days=closes_in)
    w = MeasurementWindow(
        cohort_id=cohort.id, moment=moment, opens_on=closes - timedelta(days=open_for), closes_on=closes
    )
    db.add(w)
    db.commit()
    return w


def respond(db, enrolment: Enrolment, moment: str, status: str) -> None:
    version = db.exec(select(InstrumentVersion)).first()
    if version is None:
        version = InstrumentVersion(instrument_id="test", version_hash="h", snapshot_json="{}")
        db.add(version)
        db.flush()
    db.add(
        QuestionnaireResponse(
            enrolment_id=enrolment.id,
            moment=moment,
            instrument_id="test",
            instrument_version_id=version.id,
            status=status,
        )
    )
    db.commit()


def mailed(db) -> list[str]:
    return sorted(db.exec(select(OutboundMail.to_address)).all())


def emails_of(db, rows: list[Enrolment]) -> list[str]:
    return sorted(db.get(User, e.user_id).email for e in rows)


def run(db, today: date = TODAY):
    result = send_due_reminders(db, today=today, base_url=BASE)
    db.commit()
    return result


def test_only_those_who_have_not_submitted_get_a_reminder(demo):
    db = demo
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7)
    people = enrolments(db, cohort)
    respond(db, people[0], "T0", "submitted")
    respond(db, people[1], "T0", "in_progress")  # started but not submitted: still owes
    respond(db, people[2], "T1", "submitted")  # another moment does not count
    people[3].deactivated_at = people[3].enrolled_at
    db.add(people[3])
    db.commit()
    result = run(db)
    expected = emails_of(db, [people[1], people[2], *people[4:]])
    assert result.queued == len(expected) and mailed(db) == expected
    body = db.exec(select(OutboundMail.body)).first()
    assert "voormeting (T0)" in body and "08-12-2026" in body and f"{BASE}/vragenlijsten" in body


def test_never_twice_on_the_same_day_but_again_on_the_next_reminder_day(demo):
    db = demo
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7)
    n = len(enrolments(db, cohort))
    assert run(db).queued == n
    again = run(db)
    assert (again.queued, again.skipped) == (0, n)
    assert run(db, TODAY + timedelta(days=1)).queued == 0  # 6 days before closing: not a reminder day
    assert run(db, TODAY + timedelta(days=5)).queued == n  # 2 days before closing
    assert len(db.exec(select(Reminder)).all()) == 2 * n


@pytest.mark.parametrize(
    "reminder_days, closes_in, expected",
    [
        ("7,2", 3, False),
        ("3", 3, True),
        ("", 7, False),
        ("7,2", 0, False),
    ],
)
def test_reminder_days_are_configurable_per_cohort(demo, reminder_days, closes_in, expected):
    db = demo
    cohort = voorjaar(db)
    cohort.reminder_days = reminder_days
    db.add(cohort)
    window(db, cohort, closes_in=closes_in)
    assert (run(db).queued > 0) is expected


def test_windows_not_yet_open_and_archived_cohorts_get_no_reminders(demo):
    db = demo
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7, open_for=5)  # opens in two days
    assert run(db).queued == 0
    db.exec(select(MeasurementWindow)).one().opens_on = TODAY
    cohort.archived_at = cohort.created_at
    db.add(cohort)
    db.commit()
    assert run(db).queued == 0


def test_manual_reminder_to_everyone_who_owes_t0_is_sent_once_a_day(login_as, db):
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7)
    people = enrolments(db, cohort)
    respond(db, people[0], "T0", "submitted")
    trainer = login_as("trainer")
    form = {
        "moment": "T0",
        "recipients": "owing",
        "subject": "Nog even de {moment}",
        "body": "Beste {naam}, vul de {moment} in vóór {sluitdatum}: {link}",
    }
    first = trainer.post(f"/groepen/{cohort.id}/herinneringen", data=form)
    assert first.status_code == 200 and f"{len(people) - 1} herinneringen verstuurd." in first.text
    db.expire_all()
    assert mailed(db) == emails_of(db, people[1:])
    second = trainer.post(f"/groepen/{cohort.id}/herinneringen", data=form)
    assert "0 herinneringen verstuurd." in second.text and "vandaag al" in second.text
    body = db.exec(select(OutboundMail.body).where(OutboundMail.to_address == emails_of(db, [people[1]])[0])).one()
    assert body.startswith("Beste " + db.get(User, people[1].user_id).name) and "/vragenlijsten" in body


def test_manual_reminder_to_selected_trainees_only(login_as, db):
    cohort = voorjaar(db)
    people = enrolments(db, cohort)
    trainer = login_as("trainer")
    response = trainer.post(
        f"/groepen/{cohort.id}/herinneringen",
        data={
            "moment": "",
            "recipients": "selected",
            "enrolment_ids": [str(people[0].id), str(people[2].id)],
            "subject": "Bijeenkomst",
            "body": "Tot donderdag, {naam}!",
        },
    )
    assert response.status_code == 200
    db.expire_all()
    assert mailed(db) == emails_of(db, [people[0], people[2]])


def test_manual_reminder_without_recipients_is_refused(login_as, db):
    cohort = voorjaar(db)
    response = login_as("trainer").post(
        f"/groepen/{cohort.id}/herinneringen",
        data={"moment": "", "recipients": "selected", "subject": "x", "body": "y"},
    )
    assert response.status_code == 422 and "Er zijn geen ontvangers" in response.text


def test_ract_send_reminders_is_idempotent_and_recorded(demo, settings, monkeypatch):
    from api import cli
    from api.settings import get_settings

    db = demo
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7)
    n = len(enrolments(db, cohort))
    monkeypatch.setenv("RACT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RACT_ENVIRONMENT", "test")
    monkeypatch.setenv("RACT_SECRET_KEY", settings.secret_key)  # outside development the default is refused
    monkeypatch.setenv("RACT_BASE_URL", settings.base_url)  # required outside development
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(cli.app, ["send-reminders", "--today", TODAY.isoformat()])
        assert first.exit_code == 0 and f"{n} queued, 0 already sent today" in first.output
        second = runner.invoke(cli.app, ["send-reminders", "--today", TODAY.isoformat()])
        assert second.exit_code == 0 and f"0 queued, {n} already sent today" in second.output
    finally:
        get_settings.cache_clear()
    db.expire_all()
    assert len(db.exec(select(Reminder)).all()) == n == len(mailed(db))


def run_concurrently(engine, run_one, n: int = 2) -> list:
    """Start ``run_one(session)`` in n threads at the same moment, each in its own transaction; their results."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def one_run():
        try:
            with Session(engine) as session:
                barrier.wait()
                result = run_one(session)
                session.commit()
                results.append(result)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return results


def test_two_concurrent_runs_send_each_reminder_once(demo, engine, is_postgres):
    if not is_postgres:
        pytest.skip("concurrent writers: checked on PostgreSQL (SQLite serialises whole transactions)")
    db = demo
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7)
    n = len(enrolments(db, cohort))
    results = run_concurrently(engine, lambda session: send_due_reminders(session, today=TODAY, base_url=BASE))
    assert sum(r.queued for r in results) == n and sum(r.skipped for r in results) == n
    db.expire_all()
    assert len(mailed(db)) == n == len(set(mailed(db)))


def test_a_trainee_who_never_set_a_password_gets_a_fresh_invitation_instead_of_a_reminder(login_as, db):
    """A reminder's link needs a password the trainee does not have: the mail is a new invitation that says what is
    due, its link signs them up, earlier links stop working, and staff never see the token on /berichten."""
    from training.invitations import check_invitation
    from training.models import Invitation

    cohort = voorjaar(db)
    w = window(db, cohort, closes_in=7)
    people = enrolments(db, cohort)
    newcomer = db.get(User, people[1].user_id)
    newcomer.password_hash = None
    old = Invitation(
        user_id=newcomer.id,
        cohort_id=cohort.id,
        token_hash="0" * 64,
        created_at=datetime.now(UTC) - timedelta(days=20),
        expires_at=datetime.now(UTC) - timedelta(days=6),
    )
    db.add_all([newcomer, old])
    db.commit()

    result = run(db)
    assert result.queued == len(people) and result.invited == 1
    mail = db.exec(select(OutboundMail).where(OutboundMail.to_address == newcomer.email)).one()
    assert mail.subject == "Herinnering en nieuwe uitnodiging leerplatform Resourcegroepen"
    assert f"Vul de voormeting (T0) in, uiterlijk op {w.closes_on.strftime('%d-%m-%Y')}." in mail.body
    assert "Stel eerst je wachtwoord in" in mail.body and "/vragenlijsten" not in mail.body
    token = mail.body.split("/uitnodiging?token=")[1].split()[0]
    invitation, user = check_invitation(db, token=token)
    assert user.id == newcomer.id and invitation.cohort_id == cohort.id
    db.refresh(old)
    assert old.revoked_at is not None  # the earlier link no longer works
    others = db.exec(select(OutboundMail).where(OutboundMail.to_address != newcomer.email)).all()
    assert others and all("uitnodiging?token=" not in m.body and "/vragenlijsten" in m.body for m in others)

    outbox = login_as("trainer").get("/berichten").text
    assert token not in outbox and "uitnodiging?token=[verborgen]" in outbox


def test_manual_reminder_reports_the_invitations_it_sent_instead(login_as, db):
    cohort = voorjaar(db)
    window(db, cohort, closes_in=7)
    people = enrolments(db, cohort)
    for enrolment in people[:2]:
        trainee = db.get(User, enrolment.user_id)
        trainee.password_hash = None
        db.add(trainee)
    db.commit()
    form = {"moment": "T0", "recipients": "owing", "subject": "De {moment}", "body": "Beste {naam}: {link}"}
    page = login_as("trainer").post(f"/groepen/{cohort.id}/herinneringen", data=form)
    assert f"{len(people)} herinneringen verstuurd." in page.text
    assert "2 deelnemers hadden het account nog niet geactiveerd en kregen daarom een nieuwe uitnodiging" in page.text
