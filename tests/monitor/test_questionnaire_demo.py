"""The monitor's demo data: windows for both demo cohorts and plausible submitted responses, but none for the demo
trainee, and loading twice changes nothing."""

from __future__ import annotations

from statistics import mean

from sqlmodel import func, select

from demo.monitor_data import load_monitor_demo_data
from monitor.models import Answer, MeasurementWindow, QuestionnaireResponse
from monitor.questionnaire.growth import _scores
from monitor.questionnaire.instrument import load_instruments
from monitor.questionnaire.responses import answers_of
from tests.monitor.test_questionnaire_versions import CONTENT
from training.models import Enrolment, User


def test_demo_windows_responses_and_idempotence(demo):
    assert len(demo.exec(select(MeasurementWindow)).all()) == 8
    assert load_monitor_demo_data(demo, instruments=load_instruments(CONTENT)) == {}
    assert len(demo.exec(select(MeasurementWindow)).all()) == 8
    responses = demo.exec(select(QuestionnaireResponse)).all()
    assert {r.status for r in responses} == {"submitted"}
    t0 = [r for r in responses if r.moment == "T0"]
    t1 = [r for r in responses if r.moment == "T1"]
    n_enrolments = demo.exec(select(func.count()).select_from(Enrolment)).one()
    assert 0.7 * n_enrolments <= len(t0) < n_enrolments and len(t1) >= 10
    trainee = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    own = demo.exec(
        select(QuestionnaireResponse)
        .join(Enrolment, Enrolment.id == QuestionnaireResponse.enrolment_id)
        .where(Enrolment.user_id == trainee.id)
    ).all()
    assert own == []


def test_demo_answers_grow_on_average_and_keep_reverse_keyed_items_consistent(demo):
    instrument = load_instruments(CONTENT)[0]
    by_enrolment: dict[int, dict[str, int]] = {}
    for r in demo.exec(select(QuestionnaireResponse)):
        by_enrolment.setdefault(r.enrolment_id, {})[r.moment] = r.id
    changes = []
    for moments in by_enrolment.values():
        if {"T0", "T1"} <= moments.keys():
            t0 = _scores(instrument, answers_of(demo, response_id=moments["T0"]), moment="T0", then_test=False)
            t1 = _scores(instrument, answers_of(demo, response_id=moments["T1"]), moment="T1", then_test=False)
            if t0["KEN"] is not None and t1["KEN"] is not None:
                changes.append(t1["KEN"] - t0["KEN"])
    assert len(changes) >= 8 and mean(changes) > 0.2
    # ATT1 and the reverse-keyed ATT3 measure the same attitude: their raw answers correlate negatively
    pairs = {}
    for a in demo.exec(select(Answer).where(Answer.item_id.in_(["ATT1", "ATT3"]), Answer.value.is_not(None))):
        pairs.setdefault(a.response_id, {})[a.item_id] = a.value
    both = [(p["ATT1"], p["ATT3"]) for p in pairs.values() if len(p) == 2]
    mx, my = mean(x for x, _ in both), mean(y for _, y in both)
    assert sum((x - mx) * (y - my) for x, y in both) < 0
    assert demo.exec(select(Answer).where(Answer.missing_code.in_(["nvt", "weet_niet"]))).first() is not None
    assert demo.exec(select(Answer).where(Answer.then_test.is_(True))).first() is not None


def test_demo_monitor_shows_two_wijken_with_figures_beside_withheld_ones(demo):
    from monitor.report import service
    from monitor.report.disclosure import Thresholds
    from training.models import User

    manager = demo.exec(select(User).where(User.email == "manager@demo.local")).one()
    inst = load_instruments(CONTENT)[0]
    report = service.organisation_report(demo, user=manager, instrument=inst, thresholds=Thresholds())
    wijken = [r for r in report.rows_for("KEN") if r.level == "wijk"]
    shown = [r for r in wijken if r.mean_change is not None]
    assert len(shown) >= 2 and all(r.n_paired >= 10 for r in shown)
    assert any(r.mean_change is None for r in wijken)  # beside withheld cells
    # The finished cohort's windows have closed: it has drop-outs, the open cohorts have people not yet due.
    ken = next(a for a in report.attrition if a.scale == "KEN")
    assert ken.n_not_yet_due is not None and ken.n_not_yet_due > 0
