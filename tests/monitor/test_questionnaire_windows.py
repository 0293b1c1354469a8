"""Measurement windows open and close by date, T1 also by finished modules; the T0 gate locks the modules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from monitor.errors import InvalidQuestionnaireInput
from monitor.models import MeasurementWindow, QuestionnaireResponse
from monitor.questionnaire.windows import WindowState, modules_completed, set_window, t0_gate, window_state
from tests.monitor.test_questionnaire_versions import demo_enrolment
from training.models import Cohort, ModuleProgress, User, utcnow

TODAY = date(2026, 3, 10)


def window(opens: int, closes: int, rule: str = "date") -> MeasurementWindow:
    return MeasurementWindow(
        cohort_id=1,
        moment="T1",
        opens_on=TODAY + timedelta(days=opens),
        closes_on=TODAY + timedelta(days=closes),
        open_rule=rule,
    )


@pytest.mark.parametrize(
    ("opens", "closes", "rule", "modules_done", "state"),
    [
        (-1, 1, "date", False, WindowState.open),
        (0, 0, "date", False, WindowState.open),  # both ends are inclusive
        (1, 5, "date", True, WindowState.upcoming),  # finished modules do not open a date window
        (1, 5, "modules_completed", False, WindowState.upcoming),
        (1, 5, "modules_completed", True, WindowState.open),
        (-5, -1, "modules_completed", True, WindowState.closed),
        (-5, -1, "date", False, WindowState.closed),
    ],
)
def test_window_state(opens, closes, rule, modules_done, state):
    assert window_state(window(opens, closes, rule), today=TODAY, all_modules_completed=modules_done) is state


def test_set_window_checks_its_input_and_updates_in_place(demo):
    cohort_id = demo_enrolment(demo).cohort_id
    with pytest.raises(InvalidQuestionnaireInput):
        set_window(demo, cohort_id=cohort_id, moment="T3", opens_on=TODAY, closes_on=TODAY)
    with pytest.raises(InvalidQuestionnaireInput):
        set_window(
            demo, cohort_id=cohort_id, moment="T0", opens_on=TODAY, closes_on=TODAY, open_rule="modules_completed"
        )
    with pytest.raises(InvalidQuestionnaireInput):
        set_window(demo, cohort_id=cohort_id, moment="T0", opens_on=TODAY, closes_on=TODAY - timedelta(days=1))
    updated = set_window(demo, cohort_id=cohort_id, moment="T0", opens_on=TODAY, closes_on=TODAY + timedelta(days=3))
    rows = demo.exec(
        select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort_id, MeasurementWindow.moment == "T0")
    ).all()
    assert [r.id for r in rows] == [updated.id] and updated.closes_on == TODAY + timedelta(days=3)


def test_modules_completed_needs_every_module_of_the_programme(demo):
    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    assert not modules_completed(demo, user_id=user.id, module_ids=["a", "b"])
    demo.add(ModuleProgress(user_id=user.id, module_id="a", content_hash="x", completed_at=utcnow()))
    demo.add(ModuleProgress(user_id=user.id, module_id="b", content_hash="x"))  # started, not completed
    demo.flush()
    assert not modules_completed(demo, user_id=user.id, module_ids=["a", "b"])
    assert modules_completed(demo, user_id=user.id, module_ids=["a"])
    assert not modules_completed(demo, user_id=user.id, module_ids=[])


def test_t0_gate_only_for_cohorts_that_ask_for_it_and_only_until_t0_is_submitted_or_closed(demo):
    user = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    enrolment = demo_enrolment(demo)
    assert t0_gate(demo, user) is None  # the demo cohort does not require it
    cohort = demo.get(Cohort, enrolment.cohort_id)
    cohort.require_t0_before_modules = True
    demo.add(cohort)
    demo.flush()
    assert "voormeting (T0)" in t0_gate(demo, user)
    t0 = demo.exec(
        select(MeasurementWindow).where(MeasurementWindow.cohort_id == cohort.id, MeasurementWindow.moment == "T0")
    ).one()
    assert t0_gate(demo, user, today=t0.closes_on + timedelta(days=1)) is None  # a missed voormeting never locks
    from monitor.questionnaire.instrument import load_instruments
    from monitor.questionnaire.responses import get_or_create_response
    from tests.monitor.test_questionnaire_versions import CONTENT

    response, _ = get_or_create_response(
        demo, enrolment=enrolment, moment="T0", instrument=load_instruments(CONTENT)[0]
    )
    assert t0_gate(demo, user) is not None  # started is not submitted
    response.status = "submitted"
    demo.add(response)
    demo.flush()
    assert t0_gate(demo, user) is None
    assert demo.get(QuestionnaireResponse, response.id).status == "submitted"
