"""The T1 rule "open once all modules are completed" counts the cohort's own modules; paper entry refuses archived
cohorts and does not offer deactivated trainees."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from monitor.errors import ResponseNotFound
from monitor.questionnaire import paper
from monitor.questionnaire.windows import WindowState, require_open, set_window, standing_for
from tests.monitor.test_questionnaire_versions import current, demo_enrolment
from training.cohort_modules import set_cohort_modules
from training.errors import Conflict
from training.models import Cohort, ModuleProgress, User, utcnow

TODAY = date(2026, 3, 10)
ALL = ["m1", "m2", "m3"]


def t1_window(db, cohort_id: int):
    return set_window(
        db,
        cohort_id=cohort_id,
        moment="T1",
        opens_on=TODAY + timedelta(days=10),
        closes_on=TODAY + timedelta(days=20),
        open_rule="modules_completed",
    )


def complete(db, user_id: int, *module_ids: str) -> None:
    for module_id in module_ids:
        db.add(ModuleProgress(user_id=user_id, module_id=module_id, content_hash="x", completed_at=utcnow()))
    db.flush()


def test_t1_opens_early_once_the_cohorts_own_modules_are_completed(demo):
    enrolment = demo_enrolment(demo)
    window = t1_window(demo, enrolment.cohort_id)
    complete(demo, enrolment.user_id, "m1", "m3")
    # without a module set the cohort has every module: m2 is still open, so T1 is not yet open
    assert (
        standing_for(demo, window=window, user_id=enrolment.user_id, module_ids=ALL, today=TODAY).state
        is WindowState.upcoming
    )
    set_cohort_modules(demo, cohort_id=enrolment.cohort_id, chosen={"m1": None, "m3": None})
    assert (
        standing_for(demo, window=window, user_id=enrolment.user_id, module_ids=ALL, today=TODAY).state
        is WindowState.open
    )
    assert require_open(demo, enrolment=enrolment, moment="T1", module_ids=ALL, today=TODAY).id == window.id


def test_t1_does_not_open_early_when_none_of_the_cohorts_modules_is_left_in_the_content(demo):
    enrolment = demo_enrolment(demo)
    window = t1_window(demo, enrolment.cohort_id)
    set_cohort_modules(demo, cohort_id=enrolment.cohort_id, chosen={"weg": None})
    complete(demo, enrolment.user_id, *ALL)
    assert (
        standing_for(demo, window=window, user_id=enrolment.user_id, module_ids=ALL, today=TODAY).state
        is WindowState.upcoming
    )


def trainer(db) -> User:
    return db.exec(select(User).where(User.email == "trainer@demo.local")).one()


def test_paper_entry_refuses_an_archived_cohort_with_a_clear_message(demo):
    enrolment = demo_enrolment(demo)
    cohort = demo.get(Cohort, enrolment.cohort_id)
    cohort.archived_at = utcnow()
    demo.add(cohort)
    demo.flush()
    with pytest.raises(Conflict, match="gearchiveerd"):
        paper.paper_target(demo, user=trainer(demo), cohort_id=cohort.id)
    with pytest.raises(Conflict, match="gearchiveerd"):
        paper.enter_paper_response(
            demo,
            user=trainer(demo),
            cohort_id=cohort.id,
            enrolment_id=enrolment.id,
            moment="T0",
            instrument=current(),
            values={("KEN1", False): "4"},
            open_texts={},
            raw_date=TODAY.isoformat(),
        )


def test_paper_entry_does_not_list_or_accept_deactivated_trainees(demo):
    enrolment = demo_enrolment(demo)
    listed = paper.paper_target(demo, user=trainer(demo), cohort_id=enrolment.cohort_id).trainees
    assert enrolment.id in [e.id for e, _ in listed]
    enrolment.deactivated_at = utcnow()
    demo.add(enrolment)
    demo.flush()
    target = paper.paper_target(demo, user=trainer(demo), cohort_id=enrolment.cohort_id)
    assert enrolment.id not in [e.id for e, _ in target.trainees] and len(target.trainees) == len(listed) - 1
    with pytest.raises(ResponseNotFound):
        paper.enter_paper_response(
            demo,
            user=trainer(demo),
            cohort_id=enrolment.cohort_id,
            enrolment_id=enrolment.id,
            moment="T0",
            instrument=current(),
            values={("KEN1", False): "4"},
            open_texts={},
            raw_date=TODAY.isoformat(),
        )
