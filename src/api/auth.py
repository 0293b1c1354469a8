"""Who is signed in: the signed session cookie holds the user id and the user's session version."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.db import get_session
from training.accounts import get_user
from training.models import User

SessionDep = Annotated[Session, Depends(get_session, scope="function")]


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
    def of(cls, user: User) -> "Principal":
        return cls(user.id, user.name, user.email, user.role, user.organisation_id, user.wijk_id)


def sign_in(request: Request, user: User) -> None:
    request.session.clear()  # new session on login: no fixation
    request.session["uid"] = user.id
    request.session["sv"] = user.session_version
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


def get_optional_user(request: Request, session: SessionDep) -> User | None:
    uid = request.session.get("uid")
    user = get_user(session, uid) if isinstance(uid, int) else None
    if user is not None and (not user.is_active or user.session_version != request.session.get("sv")):
        request.session.clear()
        user = None
    request.state.user = Principal.of(user) if user is not None else None
    return user


async def get_current_user(user: Annotated[User | None, Depends(get_optional_user)]) -> User:
    """The signed-in user (pure: ``async def`` so FastAPI does not hand it to the thread pool)."""
    if user is None:  # enforce_access has already refused anonymous requests to non-public routes
        from api.authz import NotAuthenticated

        raise NotAuthenticated()
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
