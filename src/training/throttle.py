"""Throttling of guesses (passwords, invitation tokens): attempts are reserved atomically in the database per key.

A caller reserves one attempt under each of its limits *before* it checks the secret, in a transaction of its own
that it commits at once (so no row lock is held during a slow password check, and a failed check cannot roll the
count back). When every limit still has room the attempt goes ahead; otherwise nothing is counted and
``Throttled`` says how long to wait. A check that succeeds gives its attempt back (``release``). So under any
concurrency at most ``max_attempts`` secrets are checked per key and window: the counter is never read into Python
and written back, every change is one ``UPDATE ... RETURNING`` on the row.

Keys are hashes (of a normalised e-mail address, a client address, or both), so an unknown e-mail address is
throttled exactly like an existing one and the table holds no addresses in the clear.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from training.errors import TrainingError
from training.models import LoginThrottle, utcnow


class Throttled(TrainingError):
    """Too many attempts under one of the limits; the message says when to try again."""

    message = "Te veel mislukte pogingen. Probeer het over enkele minuten opnieuw."
    template = "Te veel mislukte pogingen. Probeer het over {wait} opnieuw."

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(self.template.format(wait=f"{minutes} {'minuut' if minutes == 1 else 'minuten'}"))
        self.retry_after_seconds = max(1, retry_after_seconds)

    def as_kind(self, cls: type[Throttled]) -> Throttled:
        """The same wait, told as ``cls`` tells it."""
        return cls(self.retry_after_seconds)


@dataclass(frozen=True)
class Limit:
    """At most ``max_attempts`` attempts under ``key`` per window of ``window_seconds`` (from the first attempt)."""

    key: str
    max_attempts: int
    window_seconds: int


def throttle_key(scope: str, *parts: str) -> str:
    """A key for the table: the scope in the clear (for reading the table), the parts only as a hash."""
    return f"{scope}:{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()}"


def _insert(session: Session) -> PgInsert | SqliteInsert:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(LoginThrottle)


def reserve(session: Session, *, limits: list[Limit], now: datetime | None = None) -> None:
    """Count one attempt under every limit, or raise Throttled and count nothing (the caller rolls back).

    The caller commits right after this returns, before it checks the secret."""
    now = now or utcnow()
    retry_after = 0
    # One order for every caller, so two requests never wait for each other's rows crosswise.
    for limit in sorted(limits, key=lambda lim: lim.key):
        session.execute(
            _insert(session)
            .values(key=limit.key, attempts=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        expired = col(LoginThrottle.window_started_at) <= now - timedelta(seconds=limit.window_seconds)
        counted = session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == limit.key, expired | (col(LoginThrottle.attempts) < limit.max_attempts))
            .values(
                attempts=case((expired, 1), else_=col(LoginThrottle.attempts) + 1),
                window_started_at=case((expired, now), else_=col(LoginThrottle.window_started_at)),
            )
            .returning(col(LoginThrottle.attempts))
        ).first()
        if counted is None:
            started = session.exec(
                select(col(LoginThrottle.window_started_at)).where(col(LoginThrottle.key) == limit.key)
            ).one()
            ends = _aware(started) + timedelta(seconds=limit.window_seconds)
            retry_after = max(retry_after, math.ceil((ends - now).total_seconds()))
    if retry_after > 0:
        raise Throttled(retry_after)


def release(session: Session, *, limits: Sequence[Limit], forget: Sequence[Limit] = ()) -> None:
    """The attempt succeeded: give it back under ``limits``, and clear the ``forget`` keys altogether."""
    keys = sorted(limit.key for limit in limits)
    if keys:
        session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key).in_(keys), col(LoginThrottle.attempts) > 0)
            .values(attempts=col(LoginThrottle.attempts) - 1)
        )
    if forget:
        session.execute(delete(LoginThrottle).where(col(LoginThrottle.key).in_(sorted(lim.key for lim in forget))))


def purge_expired(session: Session, *, older_than: datetime) -> int:
    """Drop counters whose window started before ``older_than`` (they count as empty anyway)."""
    result = session.execute(delete(LoginThrottle).where(col(LoginThrottle.window_started_at) < older_than))
    return cast("CursorResult[Any]", result).rowcount


def _aware(dt: datetime) -> datetime:

    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
