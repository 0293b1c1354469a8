"""Server-side sessions: started at sign-in, looked up on every request, ended by logout, password change,
deactivation, an idle timeout or the absolute lifetime. The cookie carries a random token; the table only its hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from training.ids import id_of
from training.models import User, UserSession, utcnow

# last_seen_at is written at most this often per session, so that most requests do not write at all.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int  # ends after this long without a request
    max_age_seconds: int  # ends this long after sign-in, however active


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def start_session(session: Session, *, user: User, user_agent: str | None = None, now: datetime | None = None) -> str:
    """A new live session for the user; returns its token (for the cookie only: the table keeps the hash)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=hash_session_token(token),
            user_id=id_of(user),
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    session.flush()
    return token


def user_for_session(
    session: Session, *, token: str, policy: SessionPolicy, now: datetime | None = None
) -> User | None:
    """The active user of a live session, or None (unknown, ended, idle too long, too old, or user deactivated)."""
    now = now or utcnow()
    if not 20 <= len(token) <= 100:
        return None
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == col(UserSession.user_id))
        .where(col(UserSession.id) == hash_session_token(token), col(UserSession.ended_at).is_(None))
    ).first()
    if row is None:
        return None
    record, user = row
    if (
        not user.is_active
        or _aware(record.last_seen_at) <= now - timedelta(seconds=policy.idle_seconds)
        or _aware(record.created_at) <= now - timedelta(seconds=policy.max_age_seconds)
    ):
        return None
    if _aware(record.last_seen_at) <= now - TOUCH_EVERY:
        # Concurrent requests of the same browser skip a row another one is touching (PostgreSQL) instead of
        # waiting for that request's commit; one of them writing is enough.
        due = session.exec(
            select(UserSession.id)
            .where(UserSession.id == record.id, UserSession.last_seen_at <= now - TOUCH_EVERY)
            .with_for_update(skip_locked=True)
        ).first()
        if due is not None:
            session.execute(update(UserSession).where(col(UserSession.id) == record.id).values(last_seen_at=now))
    return user


def end_session(session: Session, *, token: str, now: datetime | None = None) -> None:
    session.execute(
        update(UserSession)
        .where(col(UserSession.id) == hash_session_token(token), col(UserSession.ended_at).is_(None))
        .values(ended_at=now or utcnow())
    )


def end_sessions(
    session: Session, *, user_id: int, except_token: str | None = None, now: datetime | None = None
) -> None:
    """End every live session of the user (all but ``except_token``'s, when given)."""
    q = update(UserSession).where(col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None))
    if except_token is not None:
        q = q.where(col(UserSession.id) != hash_session_token(except_token))
    session.execute(q.values(ended_at=now or utcnow()))
