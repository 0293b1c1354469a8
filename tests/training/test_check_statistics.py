"""Per-question statistics of the knowledge checks: first attempts only, own cohorts only, small groups withheld."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from training.check_statistics import check_statistics, correlation
from training.content import load_modules
from training.errors import PermissionDenied
from training.models import CohortTrainer, Enrolment, QuizAttempt, User, utcnow

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def modules():
    return load_modules(CONTENT / "modules")


def trainer_and_trainees(db):
    trainer = db.exec(select(User).where(User.email == "trainer@demo.local")).one()
    cohort_ids = db.exec(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == trainer.id)).all()
    trainee_ids = sorted(set(db.exec(select(Enrolment.user_id).where(Enrolment.cohort_id.in_(cohort_ids))).all()))
    return trainer, trainee_ids


def attempt(db, user_id, module, right_ids, *, minutes=0, content_hash=None):
    """Store an attempt: the questions in ``right_ids`` answered right, the others wrong."""
    answers = {}
    for q in module.knowledge_check.questions:
        if q.id in right_ids:
            answers[q.id] = sorted(q.correct_option_ids)
        else:
            answers[q.id] = [next(o.id for o in q.options if o.id not in q.correct_option_ids)]
    db.add(
        QuizAttempt(
            user_id=user_id,
            module_id=module.id,
            content_hash=content_hash or module.content_hash,
            answers_json=json.dumps(answers),
            score=0,
            passed=False,
            created_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    db.flush()


def test_share_right_counts_each_trainees_first_attempt_at_this_version(demo, modules):
    trainer, trainees = trainer_and_trainees(demo)
    assert len(trainees) >= 5
    module = modules[0]
    first_q, second_q, *_ = [q.id for q in module.knowledge_check.questions]
    for index, user_id in enumerate(trainees[:5]):
        attempt(demo, user_id, module, {first_q} if index < 4 else set(), minutes=1)
        attempt(demo, user_id, module, {first_q, second_q}, minutes=2)  # a retry: practice, not counted
        attempt(demo, user_id, module, {second_q}, minutes=0, content_hash="0" * 64)  # an older version
    stats = {s.module.id: s for s in check_statistics(demo, user=trainer, modules=modules, min_n=5)}[module.id]
    assert stats.n == 5 and not stats.withheld
    assert stats.questions[0].share_right == pytest.approx(0.8)
    assert stats.questions[1].share_right == 0  # right only in retries and in the old version
    assert stats.questions[1].discrimination is None  # nobody right: undefined, not zero


def test_fewer_than_min_n_trainees_withhold_every_figure(demo, modules):
    trainer, trainees = trainer_and_trainees(demo)
    module = modules[0]
    for user_id in trainees[:4]:
        attempt(demo, user_id, module, {module.knowledge_check.questions[0].id})
    stats = {s.module.id: s for s in check_statistics(demo, user=trainer, modules=modules, min_n=5)}[module.id]
    assert stats.n == 4 and stats.withheld
    assert all(q.share_right is None and q.discrimination is None for q in stats.questions)


def test_a_trainer_sees_only_the_trainees_of_their_own_cohorts(demo, modules):
    trainer, _ = trainer_and_trainees(demo)
    outsiders = [User(name=f"Buiten {i}", email=f"buiten{i}@example.org", role="trainee") for i in range(5)]
    demo.add_all(outsiders)
    demo.flush()
    others = [user.id for user in outsiders]
    module = modules[0]
    for user_id in others:
        attempt(demo, user_id, module, set())
    stats = {s.module.id: s for s in check_statistics(demo, user=trainer, modules=modules, min_n=1)}
    assert stats[module.id].n == 0
    admin = demo.exec(select(User).where(User.email == "admin@demo.local")).one()
    assert {s.module.id: s for s in check_statistics(demo, user=admin, modules=modules, min_n=1)}[module.id].n == 5
    trainee = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    with pytest.raises(PermissionDenied):
        check_statistics(demo, user=trainee, modules=modules, min_n=5)


def test_item_rest_correlation():
    assert correlation([1, 1, 0, 0], [3, 2, 1, 0]) == pytest.approx(0.894, abs=0.001)
    assert correlation([1, 0, 1, 0], [0, 3, 1, 2]) < 0
    assert correlation([1, 1, 1], [0, 1, 2]) is None


def test_the_statistics_page_shows_figures_to_the_trainer_only_from_five(login_as, demo, app):
    _, trainees = trainer_and_trainees(demo)
    module = app.state.modules[0]
    for index, user_id in enumerate(trainees[:5]):
        attempt(demo, user_id, module, {q.id for q in module.knowledge_check.questions[: index + 1]})
    demo.commit()
    page = login_as("trainer").get("/kennischecks/statistiek")
    assert page.status_code == 200
    assert f"Module {module.order}: {module.title}" in page.text
    assert "5 deelnemers met een eerste poging." in page.text
    assert '<td class="num">100%</td>' in page.text  # everyone had the first question right
    assert "Nog geen deelnemers hebben deze kennischeck gemaakt." in page.text  # the other modules
    assert login_as("trainee").get("/kennischecks/statistiek", follow_redirects=False).status_code == 403
