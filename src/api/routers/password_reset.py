"""“Wachtwoord vergeten?”: ask for a link by e-mail, then choose a new password with it. Public: the one-time token
in the link is the credential; it travels in the query string and a form field, never in the path (not logged)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request

from api.audit import actor_for
from api.auth import OptionalUser, SessionDep, sign_in
from api.responses import see_other
from api.templating import render
from api.throttling import client_address, invitation_token_guard, reserve_attempt
from mail.delivery import deliver_queued
from training import audit_trail, invitations, password_reset
from training.errors import InvalidInput
from training.throttle import Throttled

router = APIRouter()
log = logging.getLogger("ract.auth")

SENT = (
    "Als er een account met dit e-mailadres bestaat, is er nu een e-mail onderweg met een link om een nieuw "
    "wachtwoord te kiezen. De link is een uur geldig. Geen e-mail ontvangen? Kijk ook bij ongewenste e-mail."
)


@router.get("/wachtwoord-vergeten", include_in_schema=False)
def forgot_password_page(request: Request):
    return render(request, "password_forgot.html", {"email": ""})


@router.post("/wachtwoord-vergeten", include_in_schema=False)
def request_password_reset(
    request: Request, session: SessionDep, background: BackgroundTasks, email: Annotated[str, Form(max_length=320)] = ""
):
    if not email.strip():
        return render(
            request, "password_forgot.html", {"email": email, "error": "Vul je e-mailadres in."}, status_code=422
        )
    limits = password_reset.request_limits(email=email, client_address=client_address(request))
    try:
        reserve_attempt(request.app.state.engine, limits)
    except Throttled as exc:
        throttled = exc.as_kind(password_reset.ResetThrottled)
        audit_trail.record(
            session, action="password.reset_requested", result=audit_trail.REFUSED, details={"throttled": True}
        )
        return render(
            request,
            "password_forgot.html",
            {"email": email, "error": throttled.message},
            status_code=429,
            headers={"Retry-After": str(throttled.retry_after_seconds)},
        )
    password_reset.request_reset(session, email=email, base_url=request.app.state.settings.public_base_url)
    background.add_task(deliver_queued, request.app.state.engine, request.app.state.settings)
    return render(request, "password_forgot.html", {"email": "", "sent": SENT})


def _token_guard(request: Request):
    settings = request.app.state.settings
    return invitation_token_guard(
        request.app.state.engine,
        invitations.token_guess_limit(
            client_address=client_address(request),
            max_failures=settings.invitation_max_failures,
            window_seconds=settings.invitation_lockout_seconds,
        ),
    )


@router.get("/wachtwoord-herstellen", include_in_schema=False)
def reset_password_page(request: Request, session: SessionDep, token: Annotated[str, Query(max_length=200)] = ""):
    with _token_guard(request):
        _, user = password_reset.check_reset(session, token=token)
    return render(request, "password_reset.html", {"account": user, "token": token})


@router.post("/wachtwoord-herstellen", include_in_schema=False)
def reset_password(
    request: Request,
    session: SessionDep,
    current: OptionalUser,
    token: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    password_repeat: Annotated[str, Form(max_length=1024)] = "",
):
    with _token_guard(request):
        _, account = password_reset.check_reset(session, token=token)
    try:
        with session.begin_nested():
            user = password_reset.complete_reset(session, token=token, password=password, repeat=password_repeat)
    except InvalidInput as exc:
        return render(
            request,
            "password_reset.html",
            {"account": account, "token": token, "error": exc.message, "field": exc.field},
            status_code=422,
        )
    sign_in(request, session, user)  # every other session of the account has ended
    audit_trail.record(
        session,
        action="login.succeeded",
        object_type="user",
        object_id=user.id,
        organisation_id=user.organisation_id,
        actor=actor_for(request, user),
        details={"via": "password reset"},
    )
    log.info("password_reset user=%s", user.id)
    return see_other("/")
