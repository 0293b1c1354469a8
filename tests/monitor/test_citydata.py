"""The city data set, scaled down to 60 trainees: its shape, its answers, and that a second run changes nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from demo.city_data import ORGANISATIONS, generate_city, wijk_sizes
from monitor.models import Answer, MeasurementWindow, QuestionnaireResponse
from monitor.report.dataset import Scope, load_dataset
from tests.monitor.builders import instrument
from training.content import load_modules
from training.models import Cohort, Enrolment, ModuleProgress, Organisation, Role, User, Wijk
from training.passwords import verify_password

MODULES = Path(__file__).resolve().parents[2] / "content" / "modules"


@pytest.fixture(scope="module")
def modules():
    return load_modules(MODULES)


@pytest.fixture
def city(db, modules):
    inst = instrument()
    counts = generate_city(db, instrument=inst, modules=modules, scale_down=100)
    db.commit()
    return counts, inst


def test_small_city_has_three_organisations_with_wijken_cohorts_and_60_trainees(db, city):
    counts, _ = city
    orgs = db.exec(select(Organisation.id, Organisation.name)).all()
    assert sorted(name for _, name in orgs) == sorted(name for name, _, _ in ORGANISATIONS)
    for org_id, _ in orgs:
        assert db.scalar(select(func.count()).select_from(Wijk).where(Wijk.organisation_id == org_id)) >= 4
        assert db.scalar(select(func.count()).select_from(Cohort).where(Cohort.organisation_id == org_id)) >= 2
    trainees = db.scalar(select(func.count()).select_from(User).where(User.role == Role.trainee.value))
    assert trainees == counts["trainees"] == 60
    assert db.scalar(select(func.count()).select_from(Enrolment)) == 60
    assert db.scalar(select(func.count()).select_from(MeasurementWindow)) == 3 * counts["cohorts"]


def test_some_wijken_stay_below_the_threshold_of_five():
    import random

    sizes = wijk_sizes(80, 4000, random.Random(1))
    assert sum(sizes) == 4000
    assert 1 <= sum(s < 5 for s in sizes) <= 12
    assert sum(20 <= s <= 80 for s in sizes) >= 0.7 * len(sizes)


def test_responses_per_moment_come_in_roughly_the_planned_shares(db, city):
    counts, _ = city
    per_moment = Counter(
        db.scalars(select(QuestionnaireResponse.moment).where(QuestionnaireResponse.status == "submitted")).all()
    )
    assert sum(per_moment.values()) == counts["responses"]
    assert 0.85 <= per_moment["T0"] / 60 <= 1.0
    assert 0.6 <= per_moment["T1"] / 60 <= 0.95
    assert 0.35 <= per_moment["T2"] / 60 <= 0.75


def test_answers_are_on_the_scale_or_a_missing_code_and_the_then_test_is_there_at_t1(db, city):
    _, inst = city
    rows = db.exec(
        select(Answer.item_id, Answer.then_test, Answer.value, Answer.missing_code, QuestionnaireResponse.moment).join(
            QuestionnaireResponse
        )
    ).all()
    background = {q.id: {c.code for c in q.choices} for q in inst.background}
    for item_id, then_test, value, missing, moment in rows:
        if item_id in background:
            assert value is None and missing in background[item_id]
        elif value is None:
            assert missing in inst.format_of(inst.item(item_id)).missing_codes
        else:
            assert inst.is_valid_value(item_id, value)
        if then_test:
            assert moment == "T1" and inst.item(item_id).then_test
    assert {r[0] for r in rows if r[1]} == {i.id for i in inst.then_test_items()}
    missing_share = sum(r[3] is not None for r in rows if r[0] not in background) / len(rows)
    assert missing_share < 0.1


def test_scale_scores_grow_on_average_and_reverse_keyed_items_agree_with_the_rest(db, city):
    _, inst = city
    org = db.exec(select(Organisation).where(Organisation.name == ORGANISATIONS[0][0])).scalars().one()
    data = load_dataset(db, scope=Scope(organisation_id=org.id, instrument_id=inst.id), instrument=inst)
    changes = [
        p.scores["T1"]["KEN"] - p.scores["T0"]["KEN"]
        for p in data.people
        if p.scores.get("T0", {}).get("KEN") is not None and p.scores.get("T1", {}).get("KEN") is not None
    ]
    assert changes and sum(changes) / len(changes) > 0
    # ATT3 is reverse-keyed: a person's raw ATT3 answer runs against their other ATT answers.
    raw = db.exec(
        select(Answer.response_id, Answer.item_id, Answer.value).where(
            Answer.item_id.in_(["ATT1", "ATT3"]), Answer.value.is_not(None), Answer.then_test.is_(False)
        )
    ).all()
    by_response: dict[int, dict[str, int]] = {}
    for rid, item, value in raw:
        by_response.setdefault(rid, {})[item] = value
    pairs = [(v["ATT1"], v["ATT3"]) for v in by_response.values() if len(v) == 2]
    assert sum(a + b for a, b in pairs) / len(pairs) == pytest.approx(6, abs=0.6)


def test_only_the_managers_can_sign_in_and_modules_have_progress(db, city):
    users = db.exec(select(User.email, User.role, User.password_hash)).all()
    with_hash = [(email, role, h) for email, role, h in users if h is not None]
    assert sorted(e for e, _, _ in with_hash) == [f"manager@city{n}.local" for n in (1, 2, 3)]
    assert all(role == Role.manager.value and verify_password("demo-demo-demo", h) for _, role, h in with_hash)
    progress = db.exec(select(ModuleProgress.best_score, ModuleProgress.completed_at)).all()
    assert progress and any(done is not None for _, done in progress)
    assert all(done is None or score >= 80 for score, done in progress)


def test_a_second_run_changes_nothing(db, city, modules):
    before = db.scalar(select(func.count()).select_from(Answer))
    again = generate_city(db, instrument=instrument(), modules=modules, scale_down=100)
    assert again == {}
    assert db.scalar(select(func.count()).select_from(Answer)) == before
