"""Who earns the certificate of completion: every module of the cohort's programme, and T1 where the cohort asks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.questionnaire.windows import t1_submissions
from training import certificate
from training.cohort_modules import set_cohort_modules
from training.content import load_modules
from training.errors import NotFound, PermissionDenied
from training.models import Cohort, Enrolment, ModuleProgress, User
from training.progress import ModuleStanding, Status

REPO_CONTENT = Path(__file__).resolve().parents[2] / "content"
DONE = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 21 November in Rotterdam


@pytest.fixture
def modules():
    return load_modules(REPO_CONTENT / "modules")


def standing(module, status: Status, completed_at: datetime | None = None) -> ModuleStanding:
    return ModuleStanding(module, status, frozenset(), 1, 100.0, completed_at, status is Status.completed)


def test_all_modules_done_earns_the_certificate(modules):
    found = certificate.assess(
        [standing(m, Status.completed, DONE) for m in modules[:3]], requires_t1=False, t1_submitted_at=None
    )
    assert found.earned and found.missing == []
    assert found.completed_on == date(2026, 11, 21)
    assert found.minutes == sum(m.estimated_minutes for m in modules[:3])


def test_one_module_missing_does_not_earn_it_and_names_that_module(modules):
    rows = [standing(m, Status.completed, DONE) for m in modules[:2]] + [standing(modules[2], Status.in_progress)]
    found = certificate.assess(rows, requires_t1=False, t1_submitted_at=None)
    assert not found.earned and found.completed_on is None
    assert found.missing == [f"Module {modules[2].order}: {modules[2].title}"]


def test_t1_counts_only_where_the_cohort_asks_for_it(modules):
    rows = [standing(m, Status.completed, DONE) for m in modules[:2]]
    missing_t1 = certificate.assess(rows, requires_t1=True, t1_submitted_at=None)
    assert not missing_t1.earned and missing_t1.missing == ["De nameting (T1) invullen en indienen"]
    later = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with_t1 = certificate.assess(rows, requires_t1=True, t1_submitted_at=later)
    assert with_t1.earned and with_t1.completed_on == date(2026, 12, 1)


def test_an_empty_programme_earns_nothing():
    assert not certificate.assess([], requires_t1=False, t1_submitted_at=None).earned


def test_study_load_in_words():
    assert certificate.study_load(290) == "4 uur en 50 minuten"
    assert certificate.study_load(300) == "5 uur"
    assert certificate.study_load(45) == "45 minuten"
    assert certificate.study_load(61) == "1 uur en 1 minuut"


def _programme_done(db, modules, *, user: User, cohort: Cohort, n: int = 2) -> None:
    set_cohort_modules(db, cohort_id=cohort.id, chosen={m.id: None for m in modules[:n]})
    for m in modules[:n]:
        db.add(ModuleProgress(user_id=user.id, module_id=m.id, content_hash=m.content_hash, completed_at=DONE))
    db.flush()


def test_certificate_from_the_database_and_the_trainer_overview(demo, modules):
    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = demo.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    cohort = demo.get(Cohort, enrolment.cohort_id)
    trainer = demo.exec(select(User).where(User.email == "trainer@demo.local")).one()
    manager = demo.exec(select(User).where(User.email == "manager@demo.local")).one()
    set_cohort_modules(demo, cohort_id=cohort.id, chosen={m.id: None for m in modules[:2]})
    with pytest.raises(NotFound):
        certificate.certificate(demo, user=user, enrolment_id=enrolment.id, modules=modules, t1_lookup=t1_submissions)
    _programme_done(demo, modules, user=user, cohort=cohort)
    found = certificate.certificate(
        demo, user=user, enrolment_id=enrolment.id, modules=modules, t1_lookup=t1_submissions
    )
    assert found.trainee_name == "Dewi Deelnemer" and found.trainers == ("Tessa Trainer",)
    assert found.minutes == modules[0].estimated_minutes + modules[1].estimated_minutes
    assert found.start_date == cohort.start_date and found.completed_on == date(2026, 11, 21)

    cohort.certificate_requires_t1 = True  # no T1 submitted in the demo for this trainee: no certificate now
    demo.add(cohort)
    demo.flush()
    assert enrolment.id not in t1_submissions(demo, [enrolment.id])
    with pytest.raises(NotFound):
        certificate.certificate(demo, user=user, enrolment_id=enrolment.id, modules=modules, t1_lookup=t1_submissions)
    cohort.certificate_requires_t1 = False
    demo.add(cohort)
    demo.flush()

    overview = certificate.trainer_overview(demo, user=trainer, modules=modules, t1_lookup=t1_submissions)
    group = next(g for g in overview if g.cohort.id == cohort.id)
    rows = {r.enrolment_id: r for r in group.rows}
    assert rows[enrolment.id].eligibility.earned
    others = [r for r in group.rows if r.enrolment_id != enrolment.id]
    assert others and all(not r.eligibility.earned and r.eligibility.missing for r in others)
    assert group.n_earned == 1
    with pytest.raises(PermissionDenied):
        certificate.trainer_overview(demo, user=manager, modules=modules, t1_lookup=t1_submissions)


def test_another_trainee_cannot_get_someone_elses_certificate(demo, modules):
    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = demo.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    _programme_done(demo, modules, user=user, cohort=demo.get(Cohort, enrolment.cohort_id))
    other = demo.exec(select(User).where(User.role == "trainee", User.id != user.id)).first()
    with pytest.raises(NotFound):
        certificate.certificate(demo, user=other, enrolment_id=enrolment.id, modules=modules, t1_lookup=t1_submissions)
