"""Sessions end: logout, password change, deactivation, the idle timeout and the absolute lifetime end them on the
server, so a copied cookie stops working too; forged Host headers are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from tests.conftest import DEMO_PASSWORD, csrf_from, login
from training.models import Enrolment, User, UserSession, utcnow
from training.user_sessions import TOUCH_EVERY


def _copy(make_client, client):
    """A second client carrying a copy of the first one's cookie (as a thief would)."""
    thief = make_client()
    thief.cookies.set("ract_session", client.cookies.get("ract_session"))
    return thief


def _sessions_of(db, email: str) -> list[UserSession]:
    user = db.exec(select(User).where(User.email == email)).one()
    db.expire_all()
    return list(db.exec(select(UserSession).where(UserSession.user_id == user.id)))


def test_after_logout_a_copy_of_the_cookie_is_anonymous(login_as, make_client, db):
    client = login_as("trainer")
    thief = _copy(make_client, client)
    assert thief.get("/", follow_redirects=False).status_code == 200  # the copy works while the session lives
    assert client.post("/logout", follow_redirects=False).status_code == 303
    page = thief.get("/groepen", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert thief.get("/api/v1/me").status_code == 401
    (record,) = _sessions_of(db, "trainer@demo.local")
    assert record.ended_at is not None


def test_a_password_change_ends_every_other_session_and_keeps_this_one(login_as, make_client, db):
    client = login_as("trainee")
    other = login(make_client(), "trainee@demo.local")
    thief = _copy(make_client, other)
    new = "een heel ander wachtwoord"
    r = client.post(
        "/account/wachtwoord", data={"current_password": DEMO_PASSWORD, "new_password": new, "new_password_repeat": new}
    )
    assert r.status_code == 200
    assert client.get("/", follow_redirects=False).status_code == 200
    assert other.get("/", follow_redirects=False).status_code == 303
    assert thief.get("/api/v1/me").status_code == 401
    assert sorted(s.ended_at is None for s in _sessions_of(db, "trainee@demo.local")) == [False, True]


def test_deactivation_ends_every_session_of_the_trainee(login_as, make_client, db):
    trainee = login_as("trainee")
    user = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    trainer = login_as("trainer")
    for enrolment in db.exec(select(Enrolment).where(Enrolment.user_id == user.id)).all():
        trainer.post(f"/groepen/{enrolment.cohort_id}/deelnemers/{enrolment.id}/deactiveren")
    db.refresh(user)
    assert not user.is_active
    assert all(s.ended_at is not None for s in _sessions_of(db, "trainee@demo.local"))
    assert trainee.get("/", follow_redirects=False).status_code == 303


def _age_sessions(db, email: str, **ago: timedelta) -> None:
    user = db.exec(select(User).where(User.email == email)).one()
    now = utcnow()
    db.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(**{column: now - delta for column, delta in ago.items()})
    )
    db.commit()


def test_a_session_ends_after_the_idle_timeout(login_as, db, settings):
    client = login_as("manager")
    _age_sessions(db, "manager@demo.local", last_seen_at=timedelta(seconds=settings.session_idle_seconds - 60))
    assert client.get("/api/v1/me").status_code == 200  # still within the idle time: and that request counts
    _age_sessions(db, "manager@demo.local", last_seen_at=timedelta(seconds=settings.session_idle_seconds + 1))
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_ends_after_its_absolute_lifetime_however_active(login_as, db, settings):
    client = login_as("manager")
    _age_sessions(db, "manager@demo.local", created_at=timedelta(seconds=settings.session_max_age_seconds + 1))
    assert client.get("/api/v1/me").status_code == 401


def test_last_seen_is_written_at_most_once_a_minute(login_as, db):
    client = login_as("admin")
    before = _sessions_of(db, "admin@demo.local")[0].last_seen_at
    for _ in range(3):
        assert client.get("/api/v1/me").status_code == 200
    assert _sessions_of(db, "admin@demo.local")[0].last_seen_at == before  # no write per request
    _age_sessions(db, "admin@demo.local", last_seen_at=TOUCH_EVERY + timedelta(seconds=5))
    aged = _sessions_of(db, "admin@demo.local")[0].last_seen_at
    assert client.get("/api/v1/me").status_code == 200
    assert _sessions_of(db, "admin@demo.local")[0].last_seen_at > aged


def test_the_csrf_token_survives_session_lookups_and_a_stale_cookie_gets_a_fresh_one(login_as, make_client):
    client = login_as("trainer")
    token = client.headers["X-CSRF-Token"]
    assert csrf_from(client.get("/account/wachtwoord").text) == token
    thief = _copy(make_client, client)
    client.post("/logout")
    page = thief.get("/login")
    assert page.status_code == 200 and csrf_from(page.text) != token  # the ended session's token is gone too


def test_a_forged_host_header_is_refused(client, demo):
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login").status_code == 200
