"""Staff accounts for beheer: invite by one-time link, change role or organisation, deactivate (after a
confirmation), reactivate, unlock. The user list itself is api.routers.admin.users_page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request

from api.auth import CurrentUser, SessionDep
from api.inputs import PathId
from api.responses import flash, optional_id, see_other
from api.templating import render
from mail.delivery import deliver_queued
from training import organisations, staff
from training.errors import Conflict, InvalidInput
from training.models import ROLE_LABELS

router = APIRouter(prefix="/beheer/gebruikers")

Text = Annotated[str, Form(max_length=400)]
Choice = Annotated[str, Form(max_length=20)]


def _deliver_after_commit(request: Request, background: BackgroundTasks) -> None:
    background.add_task(deliver_queued, request.app.state.engine, request.app.state.settings)


def _choices(session, user) -> dict:
    return {
        "organisations": [o for o in organisations.list_organisations(session, user=user) if o.archived_at is None],
        "roles": [(r.value, ROLE_LABELS[r]) for r in staff.STAFF_ROLES],
    }


@router.get("/nieuw", include_in_schema=False)
def staff_new_page(request: Request, session: SessionDep, user: CurrentUser):
    return render(request, "user_new.html", _choices(session, user) | {"values": {"role": "trainer"}})


@router.post("/nieuw", include_in_schema=False)
def invite_staff(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    background: BackgroundTasks,
    name: Text = "",
    email: Text = "",
    role: Choice = "",
    organisation_id: Choice = "",
):
    try:
        with session.begin_nested():
            target = staff.invite_staff(
                session,
                user=user,
                name=name,
                email=email,
                role=role,
                organisation_id=optional_id(organisation_id, field="organisation_id"),
                base_url=request.app.state.settings.public_base_url,
            )
    except (InvalidInput, Conflict) as exc:
        values = {"name": name, "email": email, "role": role, "organisation_id": organisation_id}
        return render(
            request,
            "user_new.html",
            _choices(session, user) | {"values": values, "error": exc.message, "field": exc.field},
            status_code=422,
        )
    _deliver_after_commit(request, background)
    flash(request, f"{target.name} is uitgenodigd; de uitnodiging met een eenmalige link is per e-mail verstuurd.")
    return see_other(f"/beheer/gebruikers/{target.id}")


def _account_context(request: Request, session, user, user_id: int, **extra) -> dict:
    target = staff.get_account(session, user=user, user_id=user_id)
    settings = request.app.state.settings
    locked = staff.is_locked(
        session,
        email=target.email,
        max_failures=settings.login_account_max_failures,
        window_seconds=settings.login_lockout_seconds,
    )
    values = {"role": target.role, "organisation_id": str(target.organisation_id or "")}
    return _choices(session, user) | {"target": target, "locked": locked, "values": values} | extra


@router.get("/{user_id}", include_in_schema=False)
def account_page(request: Request, session: SessionDep, user: CurrentUser, user_id: PathId):
    return render(
        request,
        "user.html",
        _account_context(request, session, user, user_id, flash=request.session.pop("flash", None)),
    )


@router.post("/{user_id}", include_in_schema=False)
def change_account(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    user_id: PathId,
    role: Choice = "",
    organisation_id: Choice = "",
):
    try:
        with session.begin_nested():
            staff.change_account(
                session,
                user=user,
                user_id=user_id,
                role=role,
                organisation_id=optional_id(organisation_id, field="organisation_id"),
            )
    except (InvalidInput, Conflict) as exc:
        session.expire_all()
        return render(
            request,
            "user.html",
            _account_context(
                request,
                session,
                user,
                user_id,
                error=exc.message,
                field=exc.field,
                values={"role": role, "organisation_id": organisation_id},
            ),
            status_code=422,
        )
    flash(request, "De wijziging is opgeslagen.")
    return see_other(f"/beheer/gebruikers/{user_id}")


@router.get("/{user_id}/deactiveren", include_in_schema=False)
def deactivate_account_page(request: Request, session: SessionDep, user: CurrentUser, user_id: PathId):
    return render(request, "user_deactivate.html", {"target": staff.get_account(session, user=user, user_id=user_id)})


def _action_error(request, session, user, user_id: int, exc):
    session.expire_all()
    return render(
        request, "user.html", _account_context(request, session, user, user_id, error=exc.message), status_code=409
    )


@router.post("/{user_id}/deactiveren", include_in_schema=False)
def deactivate_account(request: Request, session: SessionDep, user: CurrentUser, user_id: PathId):
    try:
        with session.begin_nested():
            target = staff.deactivate(session, user=user, user_id=user_id)
    except Conflict as exc:
        return _action_error(request, session, user, user_id, exc)
    flash(request, f"Het account van {target.name} is gedeactiveerd; alle sessies zijn beëindigd.")
    return see_other(f"/beheer/gebruikers/{user_id}")


@router.post("/{user_id}/activeren", include_in_schema=False)
def reactivate_account(request: Request, session: SessionDep, user: CurrentUser, user_id: PathId):
    target = staff.reactivate(session, user=user, user_id=user_id)
    flash(request, f"Het account van {target.name} is weer actief.")
    return see_other(f"/beheer/gebruikers/{user_id}")


@router.post("/{user_id}/ontgrendelen", include_in_schema=False)
def unlock_account(request: Request, session: SessionDep, user: CurrentUser, user_id: PathId):
    target = staff.unlock(session, user=user, user_id=user_id)
    flash(request, f"{target.name} kan weer inloggen; de teller van mislukte pogingen staat op nul.")
    return see_other(f"/beheer/gebruikers/{user_id}")


@router.post("/{user_id}/uitnodigen", include_in_schema=False)
def reinvite_account(
    request: Request, session: SessionDep, user: CurrentUser, background: BackgroundTasks, user_id: PathId
):
    try:
        with session.begin_nested():
            target = staff.reinvite(
                session, user=user, user_id=user_id, base_url=request.app.state.settings.public_base_url
            )
    except Conflict as exc:
        return _action_error(request, session, user, user_id, exc)
    _deliver_after_commit(request, background)
    flash(request, f"Er is een nieuwe uitnodiging naar {target.email} verstuurd; eerdere links werken niet meer.")
    return see_other(f"/beheer/gebruikers/{user_id}")
