"""`ract retention run` does exactly what its dry run said, once; two runs at once on PostgreSQL share the work."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import get_settings
from monitor.questionnaire.windows import set_window
from privacy.models import CohortRetention, Erasure
from privacy.retention import due_cohorts, process_cohort
from tests.monitor.builders import make_org, make_person
from training.models import Cohort, ReflectionNote, User

runner = CliRunner()
TODAY = "2028-02-01"  # the first cohort's last window closed 2026-12-31 + 12 months; the second runs to 2030


@pytest.fixture
def two_cohorts(db):
    org, wijken, old = make_org(db, wijken={"Noord": None})
    set_window(db, cohort_id=old.id, moment="T0", opens_on=date(2026, 1, 1), closes_on=date(2026, 2, 1))
    running = Cohort(organisation_id=org.id, name="Lopend", start_date=date(2029, 1, 1), end_date=date(2030, 1, 1))
    db.add(running)
    db.flush()
    old_people = [make_person(db, org=org, wijk=wijken["Noord"], cohort=old, tag=f"o{i}").user_id for i in range(3)]
    new_people = [make_person(db, org=org, wijk=wijken["Noord"], cohort=running, tag=f"n{i}").user_id for i in range(2)]
    for uid in old_people + new_people:
        db.add(ReflectionNote(user_id=uid, module_id="m1", prompt_id="p1", text="notitie"))
    db.commit()
    return old, running, old_people, new_people


@pytest.fixture
def cli_env(monkeypatch, db_url_engine):
    monkeypatch.setenv("RACT_DATABASE_URL", db_url_engine[0])
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_run_does_exactly_what_the_dry_run_said(db, two_cohorts, cli_env):
    old, running, old_people, new_people = two_cohorts
    dry = runner.invoke(cli, ["retention", "run", "--dry-run", "--today", TODAY])
    assert dry.exit_code == 0, dry.output
    assert f"would remove: cohort {old.id} " in dry.output and ": 3 people" in dry.output
    assert f"cohort {running.id} " not in dry.output
    db.expire_all()
    assert db.exec(select(Erasure)).all() == []  # the dry run changed nothing

    run = runner.invoke(cli, ["retention", "run", "--today", TODAY])
    assert run.exit_code == 0, run.output
    assert "Done: 1 cohorts, 3 people anonymised" in run.output
    db.expire_all()
    assert sorted(e.user_id for e in db.exec(select(Erasure))) == sorted(old_people)
    assert {n.user_id for n in db.exec(select(ReflectionNote))} == set(new_people)
    assert all(db.get(User, uid).is_active for uid in new_people)

    again = runner.invoke(cli, ["retention", "run", "--today", TODAY])
    assert "Done: 0 cohorts, 0 people" in again.output


def test_nothing_expires_before_its_day(db, two_cohorts):
    assert due_cohorts(db, today=date(2027, 12, 30)) == []
    assert [c.people for c in due_cohorts(db, today=date(2027, 12, 31))] == [3]


def test_two_concurrent_runs_handle_each_cohort_once(db, two_cohorts, engine, is_postgres):
    if not is_postgres:
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL; run with RACT_TEST_DATABASE_URL")
    old, *_ = two_cohorts
    today = date.fromisoformat(TODAY)

    def run() -> list[int | None]:
        with Session(engine) as session:
            due = [c.cohort_id for c in due_cohorts(session, today=today)]
            session.rollback()
            handled = []
            for cohort_id in due:
                handled.append(process_cohort(session, cohort_id=cohort_id, today=today))
                session.commit()
            return handled

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [f.result() for f in [pool.submit(run), pool.submit(run)]]
    handled = [n for r in results for n in r if n is not None]
    assert handled == [3]  # one run did the cohort, the other skipped it (locked, or already marked)
    db.expire_all()
    assert [m.cohort_id for m in db.exec(select(CohortRetention))] == [old.id]
    assert len(db.exec(select(Erasure)).all()) == 3
