"""Who is signed in: the signed cookie holds a session token; its record (training.user_sessions) must be live."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.db import get_session
from training.ids import id_of
from training.models import User
from training.user_sessions import SessionPolicy, end_session, start_session, user_for_session

SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class NotAuthenticated(Exception):
    """The route needs a signed-in user and there is none."""


@dataclass(frozen=True)
class Principal:
    """A detached copy of the signed-in user for templates and logs (survives a rolled-back session)."""

    id: int
    name: str
    email: str
    role: str
    organisation_id: int | None
    wijk_id: int | None

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(id_of(user), user.name, user.email, user.role, user.organisation_id, user.wijk_id)


def sign_in(request: Request, session: Session, user: User) -> None:
    """Start a server-side session and put its token in a fresh cookie (a new session on login: no fixation)."""
    previous = session_token(request)
    if previous is not None:  # signing in again (as anyone) ends the session this browser had
        end_session(session, token=previous)
    token = start_session(session, user=user, user_agent=request.headers.get("user-agent"))
    request.session.clear()
    request.session["sid"] = token
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request, session: Session) -> None:
    """End the server-side session, so that a copy of the cookie stops working too."""
    token = request.session.get("sid")
    if isinstance(token, str):
        end_session(session, token=token)
    request.session.clear()


def session_token(request: Request) -> str | None:
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


async def get_optional_user(request: Request, session: SessionDep) -> User | None:
    # ``async def``, the lookup in a thread only when the cookie names someone: every route depends on this
    # (api.authz.enforce_access), and /healthz must not wait for a request thread (api.db.DatabaseHealth).
    token = session_token(request)
    user = None
    if token is not None:
        settings = request.app.state.settings
        policy = SessionPolicy(
            idle_seconds=settings.session_idle_seconds, max_age_seconds=settings.session_max_age_seconds
        )
        user = await run_in_threadpool(_look_up, session, token, policy)
        if user is None:  # ended, expired or unknown: anonymous from here on
            request.session.clear()
    request.state.user = Principal.of(user) if user is not None else None
    return user


def _look_up(session: Session, token: str, policy: SessionPolicy) -> User | None:
    """The session's user, in a transaction of its own: committed here (the touch of last_seen_at included), so
    the request holds no pooled connection, and no lock, while it waits for a thread for its handler. Held, 100
    saves at once exhausted the pool: requests holding connections waited for threads that waited for connections
    (docs/performance.md, bursts)."""
    user = user_for_session(session, token=token, policy=policy)
    session.commit()
    return user


async def get_current_user(user: Annotated[User | None, Depends(get_optional_user)]) -> User:
    """The signed-in user (pure: ``async def`` so FastAPI does not hand it to the thread pool)."""
    if user is None:  # enforce_access has already refused anonymous requests to non-public routes
        raise NotAuthenticated()
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
