"""Beheer of organisations, gebieden and wijken (admins), read-only for a manager's own organisation; the wijken
import (CSV, previewed, all-or-nothing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile

from api.auth import CurrentUser, SessionDep
from api.inputs import PathId
from api.responses import flash, optional_id, see_other
from api.templating import render
from training import organisations
from training.errors import Conflict, InvalidInput, NotFound
from training.ids import id_of
from training.models import Role
from training.wijken_csv import MAX_BYTES

router = APIRouter(prefix="/beheer/organisaties")

Name = Annotated[str, Form(max_length=300)]
Code = Annotated[str, Form(max_length=40)]
Choice = Annotated[str, Form(max_length=20)]


@router.get("", include_in_schema=False)
def organisations_page(request: Request, session: SessionDep, user: CurrentUser):
    if user.role != Role.admin:  # a manager has one organisation: show it
        if user.organisation_id is None:
            raise NotFound(
                "Je hoort (nog) niet bij een organisatie. Vraag de beheerder om je aan een organisatie te koppelen."
            )
        return see_other(f"/beheer/organisaties/{user.organisation_id}")
    return render(
        request,
        "organisations.html",
        {
            "organisations": organisations.list_organisations(session, user=user),
            "flash": request.session.pop("flash", None),
        },
    )


@router.post("", include_in_schema=False)
def create_organisation(request: Request, session: SessionDep, user: CurrentUser, name: Name = ""):
    try:
        with session.begin_nested():
            org = organisations.create_organisation(session, user=user, name=name)
    except (InvalidInput, Conflict) as exc:
        return render(
            request,
            "organisations.html",
            {
                "organisations": organisations.list_organisations(session, user=user),
                "error": exc.message,
                "field": exc.field,
                "values": {"name": name},
            },
            status_code=422,
        )
    flash(request, f"De organisatie ‘{org.name}’ is aangemaakt. Voeg nu gebieden en wijken toe.")
    return see_other(f"/beheer/organisaties/{org.id}")


def _organisation_context(session, user, organisation_id: int, **extra) -> dict:
    org = organisations.get_organisation(session, user=user, organisation_id=organisation_id)
    blocks = organisations.structure(session, organisation_id=id_of(org))
    return {
        "org": org,
        "blocks": blocks,
        "gebieden": [b.gebied for b in blocks if b.gebied is not None],
        "can_edit": user.role == Role.admin,
        "max_mb": MAX_BYTES // 1_000_000,
        "values": {},
    } | extra


@router.get("/{organisation_id}", include_in_schema=False)
def organisation_page(request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId):
    return render(
        request,
        "organisation.html",
        _organisation_context(session, user, organisation_id, flash=request.session.pop("flash", None)),
    )


def _form_error(request, session, user, organisation_id: int, exc, values: dict):
    session.expire_all()
    return render(
        request,
        "organisation.html",
        _organisation_context(session, user, organisation_id, error=exc.message, field=exc.field, values=values),
        status_code=422,
    )


@router.post("/{organisation_id}/naam", include_in_schema=False)
def rename_organisation(
    request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId, name: Name = ""
):
    try:
        with session.begin_nested():
            organisations.rename_organisation(session, user=user, organisation_id=organisation_id, name=name)
    except (InvalidInput, Conflict) as exc:
        return _form_error(request, session, user, organisation_id, exc, {"org_name": name})
    flash(request, "De naam van de organisatie is gewijzigd.")
    return see_other(f"/beheer/organisaties/{organisation_id}")


@router.post("/{organisation_id}/archiveren", include_in_schema=False)
def archive_organisation(request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId):
    org = organisations.archive_organisation(session, user=user, organisation_id=organisation_id)
    flash(request, f"De organisatie ‘{org.name}’ is gearchiveerd. Alle gegevens blijven bewaard.")
    return see_other(f"/beheer/organisaties/{organisation_id}")


@router.post("/{organisation_id}/gebieden", include_in_schema=False)
def create_gebied(
    request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId, gebied_name: Name = ""
):
    try:
        with session.begin_nested():
            gebied = organisations.create_gebied(session, user=user, organisation_id=organisation_id, name=gebied_name)
    except (InvalidInput, Conflict) as exc:
        return _form_error(request, session, user, organisation_id, exc, {"gebied_name": gebied_name})
    flash(request, f"Het gebied ‘{gebied.name}’ is aangemaakt.")
    return see_other(f"/beheer/organisaties/{organisation_id}")


@router.post("/{organisation_id}/gebieden/{gebied_id}", include_in_schema=False)
def rename_gebied(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    organisation_id: PathId,
    gebied_id: PathId,
    name: Name = "",
):
    try:
        with session.begin_nested():
            organisations.rename_gebied(
                session, user=user, organisation_id=organisation_id, gebied_id=gebied_id, name=name
            )
    except (InvalidInput, Conflict) as exc:
        exc.field = f"gebied-{gebied_id}"
        return _form_error(request, session, user, organisation_id, exc, {f"gebied-{gebied_id}": name})
    flash(request, "De naam van het gebied is gewijzigd.")
    return see_other(f"/beheer/organisaties/{organisation_id}")


@router.post("/{organisation_id}/gebieden/{gebied_id}/archiveren", include_in_schema=False)
def archive_gebied(
    request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId, gebied_id: PathId
):
    gebied = organisations.archive_gebied(session, user=user, organisation_id=organisation_id, gebied_id=gebied_id)
    flash(request, f"Het gebied ‘{gebied.name}’ is gearchiveerd.")
    return see_other(f"/beheer/organisaties/{organisation_id}")


@router.post("/{organisation_id}/wijken", include_in_schema=False)
def create_wijk(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    organisation_id: PathId,
    name: Name = "",
    code: Code = "",
    gebied_id: Choice = "",
):
    values = {"wijk_name": name, "code": code, "gebied_id": gebied_id}
    try:
        with session.begin_nested():
            wijk = organisations.create_wijk(
                session,
                user=user,
                organisation_id=organisation_id,
                name=name,
                code=code,
                gebied_id=optional_id(gebied_id, field="gebied_id"),
            )
    except (InvalidInput, Conflict) as exc:
        if exc.field == "name":
            exc.field = "wijk_name"
        return _form_error(request, session, user, organisation_id, exc, values)
    flash(request, f"De wijk ‘{wijk.name}’ is aangemaakt.")
    return see_other(f"/beheer/organisaties/{organisation_id}")


def _wijk_context(session, user, organisation_id: int, wijk_id: int, **extra) -> dict:
    org = organisations.get_organisation(session, user=user, organisation_id=organisation_id)
    wijk = organisations.get_wijk(session, organisation=org, wijk_id=wijk_id)
    gebieden = organisations.list_gebieden(session, organisation_id=id_of(org))
    values = {"name": wijk.name, "code": wijk.code or "", "gebied_id": str(wijk.gebied_id or "")}
    return {"org": org, "wijk": wijk, "gebieden": gebieden, "values": values} | extra


@router.get("/{organisation_id}/wijken/{wijk_id}", include_in_schema=False)
def wijk_edit_page(request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId, wijk_id: PathId):
    return render(request, "wijk_form.html", _wijk_context(session, user, organisation_id, wijk_id))


@router.post("/{organisation_id}/wijken/{wijk_id}", include_in_schema=False)
def update_wijk(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    organisation_id: PathId,
    wijk_id: PathId,
    name: Name = "",
    code: Code = "",
    gebied_id: Choice = "",
):
    try:
        with session.begin_nested():
            organisations.update_wijk(
                session,
                user=user,
                organisation_id=organisation_id,
                wijk_id=wijk_id,
                name=name,
                code=code,
                gebied_id=optional_id(gebied_id, field="gebied_id"),
            )
    except (InvalidInput, Conflict) as exc:
        session.expire_all()
        return render(
            request,
            "wijk_form.html",
            _wijk_context(
                session,
                user,
                organisation_id,
                wijk_id,
                error=exc.message,
                field=exc.field,
                values={"name": name, "code": code, "gebied_id": gebied_id},
            ),
            status_code=422,
        )
    flash(request, "De wijk is gewijzigd. Inschrijvingen en monitorcijfers blijven bij deze wijk.")
    return see_other(f"/beheer/organisaties/{organisation_id}")


@router.post("/{organisation_id}/wijken/{wijk_id}/archiveren", include_in_schema=False)
def archive_wijk(request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId, wijk_id: PathId):
    wijk = organisations.archive_wijk(session, user=user, organisation_id=organisation_id, wijk_id=wijk_id)
    flash(
        request,
        f"De wijk ‘{wijk.name}’ is gearchiveerd. Wie er al in ingeschreven is blijft meetellen in de "
        "monitor; nieuwe deelnemers kunnen de wijk niet meer kiezen.",
    )
    return see_other(f"/beheer/organisaties/{organisation_id}")


@router.post("/{organisation_id}/wijken-import", include_in_schema=False)
async def upload_wijken_csv(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    organisation_id: PathId,
    bestand: UploadFile,
    nieuwe_gebieden: Annotated[str, Form(max_length=10)] = "",
):
    data = await bestand.read(MAX_BYTES + 1)
    record = organisations.preview_wijken_import(
        session,
        user=user,
        organisation_id=organisation_id,
        data=data,
        filename=bestand.filename or "",
        create_gebieden=nieuwe_gebieden == "on",
    )
    return see_other(f"/beheer/organisaties/{organisation_id}/wijken-import/{record.token}")


@router.get("/{organisation_id}/wijken-import/{import_token}", include_in_schema=False)
def wijken_import_page(
    request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId, import_token: str
):
    preview = organisations.get_wijken_import(session, user=user, organisation_id=organisation_id, token=import_token)
    org = organisations.get_organisation(session, user=user, organisation_id=organisation_id)
    return render(request, "wijken_import.html", {"org": org, "preview": preview})


@router.post("/{organisation_id}/wijken-import/{import_token}", include_in_schema=False)
def confirm_wijken_import(
    request: Request, session: SessionDep, user: CurrentUser, organisation_id: PathId, import_token: str
):
    n = organisations.confirm_wijken_import(session, user=user, organisation_id=organisation_id, token=import_token)
    flash(request, f"{n} wijken zijn geïmporteerd.")
    return see_other(f"/beheer/organisaties/{organisation_id}")
