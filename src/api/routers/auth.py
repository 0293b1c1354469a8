"""Sign in, sign out and change password."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from api.audit import actor_for
from api.auth import CurrentUser, OptionalUser, SessionDep, session_token, sign_in, sign_out
from api.routers.privacy import statement_redirect
from api.settings import Settings
from api.templating import render
from api.throttling import attempt_login, client_address
from privacy.statement import needs_acknowledgement
from training import accounts, audit_trail
from training.errors import InvalidInput

router = APIRouter(tags=["account"])
log = logging.getLogger("ract.auth")


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect off-site.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", include_in_schema=False)
def login_page(request: Request, user: OptionalUser, next: str | None = None):
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
):
    settings: Settings = request.app.state.settings
    if not email.strip() or not password:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "email": email, "error": "Vul je e-mailadres en wachtwoord in."},
            status_code=422,
        )
    try:
        user = attempt_login(
            request.app.state.engine,
            session,
            email=email,
            password=password,
            client_address=client_address(request),
            policy=settings.login_policy,
        )
    except (accounts.LoginFailed, accounts.LoginThrottled) as exc:
        log.info("login_failed reason=%s", type(exc).__name__)
        status = 429 if isinstance(exc, accounts.LoginThrottled) else 401
        _record_failed_login(session, email=email, throttled=status == 429)
        headers = {"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, accounts.LoginThrottled) else None
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "email": email, "error": exc.message},
            status_code=status,
            headers=headers,
        )
    sign_in(request, session, user)
    audit_trail.record(
        session,
        action="login.succeeded",
        object_type="user",
        object_id=user.id,
        organisation_id=user.organisation_id,
        actor=actor_for(request, user),
    )
    log.info("login user=%s role=%s", user.id, user.role)
    if needs_acknowledgement(session, user=user):  # first sign-in, or the statement changed (privacy.statement)
        return statement_redirect(_safe_next(next))
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request, session: SessionDep, user: CurrentUser, next: Annotated[str, Form(max_length=500)] = "/login"
):
    log.info("logout user=%s", user.id)
    sign_out(request, session)
    audit_trail.record(session, action="logout", object_type="user", object_id=user.id)
    return RedirectResponse(_safe_next(next), status_code=303)  # next: e.g. back to an invitation link


@router.get("/account/wachtwoord", include_in_schema=False)
def password_page(request: Request, user: CurrentUser):
    return render(request, "password.html", {})


@router.post("/account/wachtwoord", include_in_schema=False)
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    new_password_repeat: Annotated[str, Form(max_length=1024)] = "",
):
    try:
        accounts.change_password(
            session,
            user=user,
            current=current_password,
            new=new_password,
            repeat=new_password_repeat,
            keep_session=session_token(request),
        )
    except InvalidInput as exc:  # refused before anything was written
        audit_trail.record(
            session,
            action="password.change_failed",
            object_type="user",
            object_id=user.id,
            result=audit_trail.FAILED,
            details={"field": exc.field},
        )
        return render(request, "password.html", {"error": exc.message, "field": exc.field}, status_code=422)
    audit_trail.record(session, action="password.changed", object_type="user", object_id=user.id)
    log.info("password_changed user=%s", user.id)
    return render(request, "password.html", {"done": True})


def _record_failed_login(session, *, email: str, throttled: bool) -> None:
    """The attempted account by id when it exists; an unknown address is not stored (it may be a typed password)."""
    target = accounts.find_user_by_email(session, email=email)
    audit_trail.record(
        session,
        action="login.throttled" if throttled else "login.failed",
        object_type="user" if target else None,
        object_id=target.id if target else None,
        organisation_id=target.organisation_id if target else None,
        result=audit_trail.REFUSED if throttled else audit_trail.FAILED,
    )
