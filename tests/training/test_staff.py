"""Staff rules that no page can reach alone: there is always one active admin, also when two admins act at once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from training import staff
from training.errors import Conflict
from training.models import Organisation, User, UserSession
from training.user_sessions import start_session


def _admin(db, email: str, *, active: bool = True) -> User:
    user = User(name=email, email=email, role="admin", is_active=active)
    db.add(user)
    db.flush()
    return user


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(db):
    a = _admin(db, "a@example.org")
    b = _admin(db, "b@example.org")
    staff.deactivate(db, user=a, user_id=b.id)
    # b, deactivated a moment ago in another request, still acts on a: a is now the last active admin
    with pytest.raises(Conflict, match="laatste actieve beheerder"):
        staff.deactivate(db, user=b, user_id=a.id)
    org = Organisation(name="Gemeente Schiedam")
    db.add(org)
    db.flush()
    with pytest.raises(Conflict, match="laatste actieve beheerder"):
        staff.change_account(db, user=b, user_id=a.id, role="manager", organisation_id=org.id)
    assert db.get(User, a.id).is_active and db.get(User, a.id).role == "admin"


def test_deactivation_ends_every_session_and_is_recorded(db):
    a = _admin(db, "a@example.org")
    trainer = User(name="T", email="t@example.org", role="trainer")
    db.add(trainer)
    db.flush()
    start_session(db, user=trainer)
    start_session(db, user=trainer)
    staff.deactivate(db, user=a, user_id=trainer.id)
    live = db.exec(select(UserSession).where(UserSession.user_id == trainer.id, UserSession.ended_at.is_(None))).all()
    assert live == []


def test_a_trainees_role_is_not_changed_here(db):
    a = _admin(db, "a@example.org")
    trainee = User(name="D", email="d@example.org", role="trainee")
    db.add(trainee)
    db.flush()
    with pytest.raises(Conflict):
        staff.change_account(db, user=a, user_id=trainee.id, role="admin", organisation_id=None)
