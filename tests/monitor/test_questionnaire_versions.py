"""Instrument versions are registered once per wording, frozen, and used to score the responses given on them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from monitor.instrument import Instrument, load_instruments
from monitor.models import InstrumentVersion, QuestionnaireResponse
from monitor.responses import get_or_create_response, write_answer
from monitor.scoring import score_response
from monitor.versions import get_or_create_version, instrument_of, list_versions, register_versions
from training.models import Enrolment, User

CONTENT = Path(__file__).resolve().parents[2] / "content" / "questionnaires"


def demo_enrolment(db, email: str = "trainee@demo.local") -> Enrolment:
    """The enrolment of a demo trainee (by default the demo trainee, who has no responses yet)."""
    user = db.exec(select(User).where(User.email == email)).one()
    return db.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()


def current() -> Instrument:
    return load_instruments(CONTENT)[0]


def reworded(instrument: Instrument, item_id: str, text: str) -> Instrument:
    snapshot = instrument.snapshot()
    for item in snapshot["items"]:
        if item["id"] == item_id:
            item["text"] = text
    return Instrument.from_snapshot(snapshot)


def test_registering_is_idempotent(db):
    first = register_versions(db, instruments=[current()])
    second = register_versions(db, instruments=[current()])
    assert first["netwerkactivering"].id == second["netwerkactivering"].id
    assert len(db.exec(select(InstrumentVersion)).all()) == 1
    stored = first["netwerkactivering"]
    assert stored.version_hash == current().version_hash
    assert instrument_of(stored) == Instrument.from_snapshot(current().snapshot())


def test_a_status_change_is_no_new_version_but_a_reworded_item_is(db):
    base = current()
    v1 = get_or_create_version(db, instrument=base)
    validated = Instrument.from_snapshot({**base.snapshot(), "status": "gevalideerd"})
    assert get_or_create_version(db, instrument=validated).id == v1.id
    v2 = get_or_create_version(db, instrument=reworded(base, "KEN1", "Ik kan de methode uitleggen."))
    assert v2.id != v1.id
    assert [v.id for v in list_versions(db, instrument_id=base.id)] == [v1.id, v2.id]


def test_a_frozen_version_does_not_change_under_existing_responses(demo):
    base = current()
    response, created = get_or_create_response(demo, enrolment=demo_enrolment(demo), moment="T0", instrument=base)
    assert created
    write_answer(demo, response_id=response.id, question_id="KEN1", then_test=False, value=4)
    frozen_json = demo.get(InstrumentVersion, response.instrument_version_id).snapshot_json
    changed = reworded(base, "KEN1", "Een heel andere vraag.")
    new_version = get_or_create_version(demo, instrument=changed)
    demo.commit()
    demo.expire_all()
    old = demo.get(InstrumentVersion, response.instrument_version_id)
    assert old.snapshot_json == frozen_json and new_version.id != old.id
    assert demo.get(QuestionnaireResponse, response.id).instrument_version_id == old.id
    assert instrument_of(old).item("KEN1").text == base.item("KEN1").text
    # the same enrolment keeps its one response for the moment, on its version
    again, created = get_or_create_response(demo, enrolment=demo_enrolment(demo), moment="T0", instrument=changed)
    assert (again.id, created) == (response.id, False)


def test_responses_are_scored_with_the_instrument_of_their_own_version(db):
    base = current()
    snapshot = base.snapshot()
    for item in snapshot["items"]:
        if item["id"] == "KEN1":
            item["reverse"] = True  # a later version keys KEN1 the other way round
    later = Instrument.from_snapshot(snapshot)
    old_version = get_or_create_version(db, instrument=base)
    answers = {f"KEN{i}": 5 for i in range(1, 7)}
    assert score_response(instrument_of(old_version), answers)["KEN"] == 5.0
    assert score_response(later, answers)["KEN"] == (5 * 5 + 1) / 6
    assert json.loads(old_version.snapshot_json)["id"] == "netwerkactivering"
