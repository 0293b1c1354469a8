"""Guess throttling for the web: sign-in and invitation links reserve their attempt in a short transaction of its own.

The reservation (training.throttle.reserve) is committed before the password or token is checked, so no request
holds a throttle row lock during the slow password hash, and a failed check (whose request transaction may roll
back) stays counted. Everything else happens in the request's own transaction, as always.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from training import accounts
from training.invitations import InvitationInvalid, TokenGuessesThrottled
from training.models import User, utcnow
from training.throttle import Limit, Throttled, purge_expired, release, reserve

log = logging.getLogger("ract.auth")

PURGE_EVERY_SECONDS = 60.0
# Counters whose window started longer ago than this are dropped (every window is much shorter).
PURGE_AFTER = timedelta(days=1)
_last_purge = 0.0
_purge_lock = threading.Lock()


def client_address(request: Request) -> str:
    """The connection's peer address. X-Forwarded-For is honoured only by `ract serve` when
    RACT_FORWARDED_ALLOW_IPS names the proxy (uvicorn then puts the client's address here)."""
    return request.client.host if request.client else "unknown"


def reserve_attempt(engine: Engine, limits: list[Limit], *, now: datetime | None = None) -> None:
    """Count one attempt under every limit, committed at once; Throttled when one of them is used up."""
    with Session(engine) as claims:
        reserve(claims, limits=limits, now=now)
        claims.commit()
    _purge_now_and_then(engine, older_than=(now or utcnow()) - PURGE_AFTER)


def release_attempt(engine: Engine, limits: list[Limit]) -> None:
    with Session(engine) as claims:
        release(claims, limits=limits)
        claims.commit()


def _purge_now_and_then(engine: Engine, *, older_than: datetime) -> None:
    """Drop long-expired counters at most once a minute per process; best effort, never fails a request."""
    global _last_purge
    with _purge_lock:
        if time.monotonic() - _last_purge < PURGE_EVERY_SECONDS:
            return
        _last_purge = time.monotonic()
    try:
        with Session(engine) as s:
            purge_expired(s, older_than=older_than)
            s.commit()
    except Exception:
        log.warning("throttle_purge_failed", exc_info=True)


def attempt_login(
    engine: Engine,
    session: Session,
    *,
    email: str,
    password: str,
    client_address: str,
    policy: accounts.LoginPolicy,
    now: datetime | None = None,
) -> User:
    """The signed-in user, or LoginFailed / LoginThrottled. At most policy.max_failures passwords are checked per
    e-mail and client address and window, however many requests arrive at once."""
    limits = accounts.login_limits(email=email, client_address=client_address, policy=policy)
    try:
        reserve_attempt(engine, limits.all, now=now)
    except Throttled as exc:
        raise exc.as_kind(accounts.LoginThrottled) from None
    return accounts.authenticate(session, email=email, password=password, limits=limits, now=now)


@contextmanager
def invitation_token_guard(engine: Engine, limit: Limit) -> Iterator[None]:
    """Around a token check: a wrong token uses up an attempt of the client address; any real token (valid or
    no longer usable) gives it back, so that people opening their own link are never throttled."""
    try:
        reserve_attempt(engine, [limit])
    except Throttled as exc:
        raise exc.as_kind(TokenGuessesThrottled) from None
    try:
        yield
    except InvitationInvalid:
        raise
    except BaseException:
        release_attempt(engine, [limit])
        raise
    else:
        release_attempt(engine, [limit])
