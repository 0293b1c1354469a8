"""Races on PostgreSQL: many parallel submits give one submitted response with every answer intact; parallel
starts give one response. (SQLite serialises all writers, so these only mean something on PostgreSQL.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from monitor.errors import ResponseAlreadySubmitted
from monitor.models import Answer, QuestionnaireResponse
from monitor.questionnaire.instrument import load_instruments
from monitor.questionnaire.responses import save_answer, start_response, submit_response
from tests.monitor.test_questionnaire_versions import CONTENT, demo_enrolment
from training.models import User

N = 20


@pytest.fixture
def pg_only(is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (SQLite serialises every writer)")


def in_parallel(engine, work, n: int = N) -> list:
    barrier = threading.Barrier(n)

    def run(index):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                result = work(session, index)
                session.commit()
                return result
            except Exception as exc:
                session.rollback()
                return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_twenty_parallel_submits_give_one_submitted_response_with_answers_intact(pg_only, demo, engine):
    instrument = load_instruments(CONTENT)[0]
    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    response = start_response(
        demo, user=user, enrolment_id=demo_enrolment(demo).id, moment="T0", instrument=instrument, module_ids=[]
    )
    for i in range(1, 7):
        save_answer(
            demo, user=user, response_id=response.id, question_id=f"KEN{i}", raw_value=str(i % 5 + 1), module_ids=[]
        )
    demo.commit()

    results = in_parallel(
        engine, lambda s, _: submit_response(s, user=s.get(User, user.id), response_id=response.id, module_ids=[])
    )
    assert sorted(map(repr, results)) == sorted(["True"] + ["False"] * (N - 1))
    demo.expire_all()
    stored = demo.get(QuestionnaireResponse, response.id)
    assert stored.status == "submitted" and stored.submitted_at is not None
    assert demo.exec(select(func.count()).select_from(Answer).where(Answer.response_id == response.id)).one() == 6


def test_saves_racing_a_submit_never_land_after_it(pg_only, demo, engine):
    instrument = load_instruments(CONTENT)[0]
    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    response = start_response(
        demo, user=user, enrolment_id=demo_enrolment(demo).id, moment="T0", instrument=instrument, module_ids=[]
    )
    demo.commit()

    def work(session, index):
        me = session.get(User, user.id)
        if index % 2:
            return submit_response(session, user=me, response_id=response.id, module_ids=[])
        return save_answer(session, user=me, response_id=response.id, question_id="KEN1", raw_value="3", module_ids=[])

    results = in_parallel(engine, work)
    assert all(r is True or r is False or isinstance(r, (Answer, ResponseAlreadySubmitted)) for r in results), results
    assert [r for r in results if isinstance(r, bool)].count(True) == 1
    demo.expire_all()
    assert demo.get(QuestionnaireResponse, response.id).status == "submitted"
    saved = [r for r in results if isinstance(r, Answer)]
    stored = demo.exec(select(Answer).where(Answer.response_id == response.id)).all()
    assert len(stored) == (1 if saved else 0)  # every save that was confirmed is kept; none after the submit


def test_parallel_starts_on_two_devices_give_one_response(pg_only, demo, engine):
    instrument = load_instruments(CONTENT)[0]
    user_id = demo.exec(select(User.id).where(User.email == "trainee@demo.local")).one()
    enrolment_id = demo_enrolment(demo).id
    results = in_parallel(
        engine,
        lambda s, _: (
            start_response(
                s,
                user=s.get(User, user_id),
                enrolment_id=enrolment_id,
                moment="T0",
                instrument=instrument,
                module_ids=[],
            ).id
        ),
    )
    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results), results
    demo.expire_all()
    assert (
        len(demo.exec(select(QuestionnaireResponse).where(QuestionnaireResponse.enrolment_id == enrolment_id)).all())
        == 1
    )
