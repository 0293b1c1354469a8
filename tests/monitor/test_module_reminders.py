"""Module reminders go out the cohort's reminder days before a module's due date, only to active trainees who have not
completed it, once a day per (trainee, module) also across two cohorts and two concurrent runs."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.questionnaire.reminders import module_subject_key, send_due_reminders
from tests.monitor.test_reminders import BASE, TODAY, emails_of, enrolments, mailed, run_concurrently, voorjaar
from training.cohort_modules import set_cohort_modules
from training.content import load_modules
from training.models import Cohort, Enrolment, ModuleProgress, OutboundMail, Reminder, User, utcnow

MODULES = load_modules(Path(__file__).resolve().parents[2] / "content" / "modules")
M1, M2 = MODULES[0], MODULES[1]


@pytest.fixture
def demo(demo):
    """The demo organisation without its questionnaire data (no window reminders), with the spring cohort running."""
    from sqlmodel import delete

    from monitor.models import Answer, MeasurementWindow, OpenAnswer, QuestionnaireResponse

    for table in (Answer, OpenAnswer, QuestionnaireResponse, MeasurementWindow):
        demo.exec(delete(table))
    cohort = voorjaar(demo)
    cohort.start_date, cohort.end_date = TODAY - timedelta(days=30), TODAY + timedelta(days=60)
    demo.add(cohort)
    demo.commit()
    return demo


def due_in(db, cohort: Cohort, days: int, *modules) -> None:
    set_cohort_modules(db, cohort_id=cohort.id, chosen={m.id: TODAY + timedelta(days=days) for m in modules or (M1,)})
    db.commit()


def complete(db, enrolment: Enrolment, module=M1) -> None:
    db.add(ModuleProgress(user_id=enrolment.user_id, module_id=module.id, content_hash="x", completed_at=utcnow()))
    db.commit()


def run(db, today: date = TODAY, modules=MODULES):
    result = send_due_reminders(db, today=today, base_url=BASE, modules=modules)
    db.commit()
    return result


def test_only_active_trainees_who_have_not_completed_the_module_are_reminded(demo):
    db = demo
    cohort = voorjaar(db)
    due_in(db, cohort, 7)
    people = enrolments(db, cohort)
    complete(db, people[0])
    complete(db, people[1], M2)  # another module does not count
    db.add(ModuleProgress(user_id=people[2].user_id, module_id=M1.id, content_hash="x"))  # started, not completed
    people[3].deactivated_at = utcnow()
    db.add(people[3])
    db.commit()
    result = run(db)
    expected = emails_of(db, [people[1], people[2], *people[4:]])
    assert result.queued == len(expected) and mailed(db) == expected
    mail = db.exec(select(OutboundMail).where(OutboundMail.to_address == expected[0])).one()
    due = (TODAY + timedelta(days=7)).strftime("%d-%m-%Y")
    assert M1.title in mail.subject and due in mail.subject
    assert f"{BASE}/modules/{M1.id}" in mail.body and cohort.name in mail.body and mail.cohort_id == cohort.id
    assert "{" not in mail.body
    assert {r.subject_key for r in db.exec(select(Reminder)).all()} == {module_subject_key(M1.id)}


def test_never_twice_on_the_same_day_but_again_on_the_next_reminder_day(demo):
    db = demo
    cohort = voorjaar(db)
    due_in(db, cohort, 7)
    n = len(enrolments(db, cohort))
    assert run(db).queued == n
    again = run(db)
    assert (again.queued, again.skipped) == (0, n)
    assert run(db, TODAY + timedelta(days=1)).queued == 0  # 6 days before the due date: not a reminder day
    assert run(db, TODAY + timedelta(days=5)).queued == n  # 2 days before
    assert run(db, TODAY + timedelta(days=8)).queued == 0  # past the due date
    assert len(db.exec(select(Reminder)).all()) == 2 * n


@pytest.mark.parametrize(
    "reminder_days, due_days, expected",
    [
        ("7,2", 3, False),
        ("3", 3, True),
        ("", 7, False),
        ("0", 0, True),
    ],
)
def test_the_cohorts_reminder_days_apply_to_module_due_dates(demo, reminder_days, due_days, expected):
    db = demo
    cohort = voorjaar(db)
    cohort.reminder_days = reminder_days
    db.add(cohort)
    due_in(db, cohort, due_days)
    assert (run(db).queued > 0) is expected


def test_no_reminders_without_due_date_in_archived_or_not_yet_started_cohorts_or_for_modules_left_the_content(demo):
    db = demo
    cohort = voorjaar(db)
    set_cohort_modules(db, cohort_id=cohort.id, chosen={M1.id: None})
    db.commit()
    assert run(db).queued == 0
    due_in(db, cohort, 7)
    assert run(db, modules=MODULES[1:]).queued == 0  # M1 is no longer in the content
    cohort.start_date = TODAY + timedelta(days=1)
    db.add(cohort)
    db.commit()
    assert run(db).queued == 0
    cohort.start_date, cohort.archived_at = TODAY, utcnow()
    db.add(cohort)
    db.commit()
    assert run(db).queued == 0


def test_a_trainee_in_two_cohorts_with_the_same_module_due_gets_one_reminder(demo):
    db = demo
    voorjaar_ = voorjaar(db)
    najaar = db.exec(select(Cohort).where(Cohort.name == "Regie-ondersteuners najaar")).one()
    najaar.start_date = TODAY - timedelta(days=1)
    db.add(najaar)
    user = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    db.add(Enrolment(cohort_id=najaar.id, user_id=user.id, wijk_id=user.wijk_id))
    db.commit()
    due_in(db, voorjaar_, 7)
    due_in(db, najaar, 2)
    run(db)
    assert mailed(db).count("trainee@demo.local") == 1
    # the earliest due date wins: the mail names the autumn cohort
    mail = db.exec(select(OutboundMail).where(OutboundMail.to_address == "trainee@demo.local")).one()
    assert mail.cohort_id == najaar.id and (TODAY + timedelta(days=2)).strftime("%d-%m-%Y") in mail.body
    # the next run, with the spring cohort's row claimed on another enrolment, still sends nothing new
    assert run(db).queued == 0


def test_two_due_modules_are_two_reminders(demo):
    db = demo
    cohort = voorjaar(db)
    due_in(db, cohort, 7, M1, M2)
    n = len(enrolments(db, cohort))
    assert run(db).queued == 2 * n


def test_two_concurrent_runs_send_each_module_reminder_once(demo, engine, is_postgres):
    if not is_postgres:
        pytest.skip("concurrent writers: checked on PostgreSQL (SQLite serialises whole transactions)")
    db = demo
    cohort = voorjaar(db)
    due_in(db, cohort, 7, M1, M2)
    n = 2 * len(enrolments(db, cohort))
    results = run_concurrently(
        engine, lambda session: send_due_reminders(session, today=TODAY, base_url=BASE, modules=MODULES)
    )
    assert sum(r.queued for r in results) == n and sum(r.skipped for r in results) == n
    db.expire_all()
    assert len(db.exec(select(OutboundMail)).all()) == n == len(db.exec(select(Reminder)).all())


def test_ract_send_reminders_sends_module_reminders(demo, settings, monkeypatch):
    from typer.testing import CliRunner

    from api import cli
    from api.settings import get_settings

    db = demo
    cohort = voorjaar(db)
    due_in(db, cohort, 7)
    n = len(enrolments(db, cohort))
    monkeypatch.setenv("RACT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RACT_ENVIRONMENT", "test")
    monkeypatch.setenv("RACT_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("RACT_BASE_URL", settings.base_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["send-reminders", "--today", TODAY.isoformat()])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0 and f"{n} queued, 0 already sent today" in result.output


def test_long_module_ids_still_fit_the_reminder_subject():
    assert module_subject_key("kort") == "module:kort"
    long_key = module_subject_key("x" * 200)
    assert len(long_key) <= 100 and long_key == module_subject_key("x" * 200) != module_subject_key("x" * 199)
