"""The monitor's report cache (monitor.report.service._cached): a repeated view is not recomputed, a change is never
served stale, and one organisation's cached report never answers another's."""

from __future__ import annotations

import random

import pytest

from monitor.report import service
from tests.conftest import login
from tests.monitor.builders import build_monitored, instrument, make_person, random_answers, submit


@pytest.fixture
def monitored(demo):
    service.clear_report_cache()
    yield build_monitored(demo)
    service.clear_report_cache()


def _org_row(body: dict, scale: str = "KEN") -> dict:
    return next(r for r in body["rows"] if r["level"] == "organisation" and r["scale"] == scale)


def test_a_repeated_view_is_served_from_the_cache(make_client, monitored, monkeypatch):
    c = login(make_client(), "m@monitor.local")
    c.get("/api/v1/monitor")  # the first view freezes the RCI references (a write): the next one recomputes
    first = c.get("/api/v1/monitor").json()
    calls = []
    real = service.build_report
    monkeypatch.setattr(service, "build_report", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert c.get("/api/v1/monitor").json() == first
    assert calls == []  # nothing was written in between: the cached report answered


def test_a_submitted_response_shows_in_the_next_view(make_client, monitored, db):
    org, wijken, cohort = monitored
    c = login(make_client(), "m@monitor.local")
    before = _org_row(c.get("/api/v1/monitor").json())
    page_before = c.get(f"/monitor/wijk/{wijken['Noord A'].id}").text
    rng = random.Random(7)
    inst = instrument()
    e = make_person(db, org=org, wijk=wijken["Noord A"], cohort=cohort, tag="later")
    submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst)
    submit(db, enrolment=e, moment="T1", answers=random_answers(rng, inst, "T1"), inst=inst)
    db.commit()
    after = _org_row(c.get("/api/v1/monitor").json())
    assert after["n_from"] == before["n_from"] + 1 and after["n_paired"] == before["n_paired"] + 1
    assert c.get(f"/monitor/wijk/{wijken['Noord A'].id}").text != page_before  # 13 people now, not 12


def test_an_erased_response_leaves_the_next_view(make_client, monitored, db):
    from sqlmodel import delete, select

    from monitor.models import Answer, QuestionnaireResponse
    from training.models import Enrolment

    _org, wijken, _ = monitored
    c = login(make_client(), "m@monitor.local")
    c.get("/api/v1/monitor")
    before_flow = next(f for f in c.get("/api/v1/monitor").json()["flows"] if f["level"] == "organisation")
    eid = db.exec(select(Enrolment.id).where(Enrolment.wijk_id == wijken["Noord A"].id)).first()
    rid = db.exec(
        select(QuestionnaireResponse.id).where(
            QuestionnaireResponse.enrolment_id == eid, QuestionnaireResponse.moment == "T1"
        )
    ).one()
    db.exec(delete(Answer).where(Answer.response_id == rid))  # a bulk statement, not an ORM object
    db.exec(delete(QuestionnaireResponse).where(QuestionnaireResponse.id == rid))
    db.commit()
    body = c.get("/api/v1/monitor").json()
    flow = next(f for f in body["flows"] if f["level"] == "organisation")
    assert flow["responded_to"] == before_flow["responded_to"] - 1
    service.clear_report_cache()
    assert c.get("/api/v1/monitor").json() == body  # what the cache gave is what a fresh computation gives


def test_the_cache_never_answers_for_another_organisation(make_client, monitored):
    c = login(make_client(), "m@monitor.local")
    mine = c.get("/api/v1/monitor").json()
    other = login(make_client(), "manager@demo.local").get("/api/v1/monitor").json()
    assert _org_row(mine)["group"] == "Monitorgemeente"
    assert _org_row(other)["group"] != "Monitorgemeente"
    assert login(make_client(), "m@monitor.local").get("/api/v1/monitor").json() == mine


def test_a_correction_of_answers_changes_the_reliability_in_the_next_view(make_client, monitored, db):
    """α (pooled quality) was cached under the ids of the submitted responses alone, as if a submitted response never
    changed; an admin's correction changes answers without changing ids. The next view must show the new α."""
    from sqlmodel import select

    from monitor.models import QuestionnaireResponse
    from training.models import Cohort, Enrolment

    org = monitored[0]
    manager = login(make_client(), "m@monitor.local")
    manager.get("/api/v1/monitor")  # freezes the RCI references (a write)

    def alpha_t0() -> float:
        quality = manager.get("/api/v1/monitor").json()["quality"]
        return next(q["alpha"] for q in quality if q["scale"] == "KEN" and q["moment"] == "T0")

    before = alpha_t0()
    responses = db.exec(
        select(QuestionnaireResponse)
        .join(Enrolment, Enrolment.id == QuestionnaireResponse.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(QuestionnaireResponse.moment == "T0", Cohort.organisation_id == org.id)
    ).all()
    admin = login(make_client(), "admin@demo.local")
    changed = 0
    for response in responses[:6]:  # several people's KEN answers to the extremes: α must move
        page = admin.get(f"/beheer/vragenlijsten/{response.id}/corrigeren")
        if page.status_code != 200:
            continue
        data = {"reden": "test"}
        data.update({f"a-KEN{i}": ("1" if changed % 2 else "5") for i in range(1, 4)})
        if admin.post(f"/beheer/vragenlijsten/{response.id}/corrigeren", data=data).status_code in (200, 303):
            changed += 1
    assert changed >= 3
    assert alpha_t0() != pytest.approx(before, abs=1e-12)
