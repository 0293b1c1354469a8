"""The web side of the audit trail: every request's database session knows who acts and from which address."""

from __future__ import annotations

from fastapi import Request

from api.auth import OptionalUser, SessionDep
from api.throttling import client_address
from training.audit_trail import Actor, set_actor


async def audit_actor(request: Request, session: SessionDep, user: OptionalUser) -> None:
    """App-wide dependency: put the actor on the request's session, so services can record without the request.

    Pure (no I/O): ``async def``. The session is the one the handler gets (FastAPI caches it per request)."""
    set_actor(session, Actor(user.id if user else None, user.role if user else None, client_address(request)))


def actor_for(request: Request, user) -> Actor:
    """The actor once ``user`` has signed in during this request."""
    return Actor(user.id, user.role, client_address(request))
