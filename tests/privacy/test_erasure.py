"""Erasure on request: the person's words and account go, their submitted answers stay without a link to them, the
audit trail says who erased what, the person is told; own data cover every table the register declares."""

from __future__ import annotations

import io
import json
import random
import zipfile

import pytest
from sqlmodel import func, select

from monitor.models import OpenAnswer, QuestionnaireResponse
from privacy.erasure import REQUEST, erase_person
from privacy.models import Erasure, ResearchChoice
from privacy.own_data import collect_own_data, own_data_html, own_data_json, own_data_zip
from privacy.registry import own_data_tables
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.audit_trail import Actor, set_actor
from training.errors import Conflict, InvalidInput, PermissionDenied
from training.models import AuditEntry, OutboundMail, QuizAttempt, ReflectionNote, Role, User


def _person_with_everything(db):
    org, wijken, cohort = make_org(db, wijken={"Noord": None})
    enrolment = make_person(db, org=org, wijk=wijken["Noord"], cohort=cohort, tag="a")
    response = submit(
        db, enrolment=enrolment, moment="T0", answers=random_answers(random.Random(1), instrument(), "T0")
    )
    db.add(OpenAnswer(response_id=response.id, question_id="OPEN1", text="Ik leerde veel over netwerken."))
    db.add(ReflectionNote(user_id=enrolment.user_id, module_id="m1", prompt_id="p1", text="Mijn notitie"))
    db.add(
        QuizAttempt(
            user_id=enrolment.user_id, module_id="m1", answers_json="{}", score=1.0, passed=True, content_hash="x"
        )
    )
    admin = User(name="Beheer", email="beheer@test.local", role=Role.admin.value, organisation_id=org.id)
    other_admin = User(name="Beheer 2", email="beheer2@test.local", role=Role.admin.value, organisation_id=org.id)
    db.add_all([admin, other_admin])
    db.flush()
    return db.get(User, enrolment.user_id), admin, org


def test_erasure_removes_words_and_account_but_keeps_answers_for_the_monitor(db):
    person, admin, _ = _person_with_everything(db)
    email = person.email
    submitted_before = db.exec(select(func.count()).select_from(QuestionnaireResponse)).one()
    set_actor(db, Actor().as_user(admin))
    result = erase_person(db, user_id=person.id, kind=REQUEST, reason="Verzoek per e-mail van 3 december", by=admin)
    db.commit()
    assert db.exec(select(ReflectionNote).where(ReflectionNote.user_id == person.id)).all() == []
    assert db.exec(select(OpenAnswer)).all() == []
    assert db.exec(select(QuizAttempt)).all() == []
    assert db.exec(select(ResearchChoice).where(ResearchChoice.user_id == person.id)).all() == []
    stub = db.get(User, person.id)
    assert (stub.name, stub.is_active, stub.password_hash) == ("Verwijderd account", False, None)
    assert email not in stub.email
    # The submitted answers stay (without a person behind them), so the monitor's figures do not change.
    assert db.exec(select(func.count()).select_from(QuestionnaireResponse)).one() == submitted_before
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "privacy.erased")).one()
    assert (entry.user_id, entry.object_id) == (admin.id, str(person.id))
    assert "Verzoek per e-mail" in entry.details_json
    assert result.deleted["reflection_note"] == 1 and result.deleted["open_answer"] == 1
    told = db.exec(select(OutboundMail).where(OutboundMail.to_address == email)).one()
    assert "verwijderd" in told.subject
    assert db.exec(select(Erasure)).one().erased_by_user_id == admin.id


def test_erasure_needs_an_admin_a_reason_and_happens_once(db):
    person, admin, _ = _person_with_everything(db)
    with pytest.raises(PermissionDenied):
        erase_person(db, user_id=admin.id, kind=REQUEST, reason="x", by=person)
    with pytest.raises(InvalidInput):
        erase_person(db, user_id=person.id, kind=REQUEST, reason="  ", by=admin)
    erase_person(db, user_id=person.id, kind=REQUEST, reason="verzoek", by=admin)
    with pytest.raises(Conflict):
        erase_person(db, user_id=person.id, kind=REQUEST, reason="verzoek", by=admin)


def test_the_last_admin_cannot_be_erased(db):
    for u in db.exec(select(User).where(User.role == Role.admin.value)).all():
        u.is_active = False
    _, admin, _ = _person_with_everything(db)
    others = db.exec(select(User).where(User.role == Role.admin.value, User.id != admin.id)).all()
    for u in others:
        u.is_active = False
    db.flush()
    with pytest.raises(Conflict, match="laatste beheerder"):
        erase_person(db, user_id=admin.id, kind=REQUEST, reason="verzoek", by=None)


def test_own_data_cover_every_declared_table_and_hold_the_persons_words(db):
    person, _, _ = _person_with_everything(db)
    data = collect_own_data(db, user=person)
    assert set(data) == own_data_tables()
    assert data["reflection_note"][0]["text"] == "Mijn notitie"
    assert data["open_answer"][0]["text"].startswith("Ik leerde")
    assert len(data["answer"]) > 10 and data["research_choice"][0]["agreed"] is True
    assert data["user_account"][0]["password_hash"] is None
    parsed = json.loads(own_data_json(data))
    assert parsed["user_account"][0]["email"] == person.email
    archive = zipfile.ZipFile(io.BytesIO(own_data_zip(data, readable_html=own_data_html(data, name=person.name))))
    assert sorted(archive.namelist()) == ["gegevens.html", "gegevens.json"]
    assert "Reflectienotities" in archive.read("gegevens.html").decode()
