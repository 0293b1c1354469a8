"""Instrument versions are registered once per wording, frozen, and used to score the responses given on them."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.errors import UnknownItem
from monitor.models import InstrumentVersion, QuestionnaireResponse
from monitor.questionnaire.instrument import Instrument, load_instruments
from monitor.questionnaire.responses import get_or_create_response, save_answer, write_answer
from monitor.questionnaire.scoring import score_response
from monitor.questionnaire.versions import get_or_create_version, instrument_of, list_versions, register_versions
from monitor.questionnaire.windows import set_window
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


def test_answers_are_checked_against_the_version_of_their_response_not_the_current_file(demo):
    """Saving validates with the instrument of the response's own version (cached by its content hash): an item that
    a later version dropped is still accepted on a response of the old version, and refused on one of the new."""
    base = current()
    snapshot = base.snapshot()
    snapshot["items"] = [item for item in snapshot["items"] if item["id"] != "KEN6"]
    later = Instrument.from_snapshot(snapshot)
    old_enrolment = demo_enrolment(demo)
    user = demo.get(User, old_enrolment.user_id)
    set_window(
        demo,
        cohort_id=old_enrolment.cohort_id,
        moment="T0",
        opens_on=date.today() - timedelta(days=1),
        closes_on=date.today() + timedelta(days=30),
    )
    old, _ = get_or_create_response(demo, enrolment=old_enrolment, moment="T0", instrument=base)
    demo.commit()
    saved = save_answer(demo, user=user, response_id=old.id, question_id="KEN6", raw_value="4", module_ids=[])
    assert saved.value == 4 and saved.response_id == old.id
    # The same trainee's response on the later version (the T1 slot, to keep one response per moment).
    set_window(
        demo,
        cohort_id=old_enrolment.cohort_id,
        moment="T1",
        opens_on=date.today() - timedelta(days=1),
        closes_on=date.today() + timedelta(days=30),
    )
    new, _ = get_or_create_response(demo, enrolment=old_enrolment, moment="T1", instrument=later)
    demo.commit()
    with pytest.raises(UnknownItem):
        save_answer(demo, user=user, response_id=new.id, question_id="KEN6", raw_value="4", module_ids=[])
    # and the old one still takes it (the cache holds both versions side by side)
    assert save_answer(demo, user=user, response_id=old.id, question_id="KEN6", raw_value="2", module_ids=[]).value == 2
