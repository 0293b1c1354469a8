"""Invitation links: the invited trainee sets a password and is signed in. Public: the token is the credential.

The token travels in the query string and a form field, never in the path, so request logs never contain it.
Someone already signed in as another person is never switched silently to the invitee: they are asked to log out.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from api.audit import actor_for
from api.auth import OptionalUser, SessionDep, sign_in
from api.templating import render
from api.throttling import client_address, invitation_token_guard
from training import audit_trail, invitations
from training.errors import InvalidInput

router = APIRouter()
log = logging.getLogger("ract.auth")


@router.get("/uitnodiging", include_in_schema=False)
def invitation_page(
    request: Request, session: SessionDep, current: OptionalUser, token: Annotated[str, Query(max_length=200)] = ""
):
    with _token_guard(request):
        _, user = invitations.check_invitation(session, token=token)
    if current is not None and current.id != user.id:
        return _other_account(request, invitee=user, token=token, status_code=200)
    return render(request, "invitation.html", {"invitee": user, "token": token})


def _token_guard(request: Request):
    """Wrong tokens from one client address are limited (RACT_INVITATION_MAX_FAILURES per window)."""
    settings = request.app.state.settings
    return invitation_token_guard(
        request.app.state.engine,
        invitations.token_guess_limit(
            client_address=client_address(request),
            max_failures=settings.invitation_max_failures,
            window_seconds=settings.invitation_lockout_seconds,
        ),
    )


def _other_account(request: Request, *, invitee, token: str, status_code: int):
    """Signed in as someone else: explain, and offer to log out first (nothing is changed)."""
    return render(
        request, "invitation_other_account.html", {"invitee": invitee, "token": token}, status_code=status_code
    )


@router.post("/uitnodiging", include_in_schema=False)
def accept_invitation(
    request: Request,
    session: SessionDep,
    current: OptionalUser,
    token: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    password_repeat: Annotated[str, Form(max_length=1024)] = "",
):
    with _token_guard(request):
        _, invitee = invitations.check_invitation(session, token=token)
    if current is not None and current.id != invitee.id:
        log.info("invitation_refused_other_account user=%s", current.id)
        return _other_account(request, invitee=invitee, token=token, status_code=409)
    try:
        with session.begin_nested():
            user = invitations.accept_invitation(session, token=token, password=password, repeat=password_repeat)
    except InvalidInput as exc:
        _, invitee = invitations.check_invitation(session, token=token)
        return render(
            request,
            "invitation.html",
            {"invitee": invitee, "token": token, "error": exc.message, "field": exc.field},
            status_code=422,
        )
    sign_in(request, session, user)
    audit_trail.record(
        session,
        action="invitation.accepted",
        object_type="user",
        object_id=user.id,
        organisation_id=user.organisation_id,
        actor=actor_for(request, user),
    )
    log.info("invitation_accepted user=%s", user.id)
    return RedirectResponse("/", status_code=303)
