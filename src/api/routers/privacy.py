"""Privacy pages: the statement, the research choice, Mijn gegevens and its download, erasure by beheer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import CurrentUser, OptionalUser, SessionDep
from api.inputs import PathId
from api.templating import render
from privacy import erasure, own_data, research, retention, statement
from training.errors import NotFound
from training.models import Role, User

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect off-site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def statement_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse("/privacy?next=" + quote(safe_next(next_path), safe="/"), status_code=303)


@router.get("/privacy", include_in_schema=False)
def privacy_statement_page(request: Request, session: SessionDep, user: OptionalUser, next: str = "/"):
    """Public: the footer links here from every page, the sign-in page included."""
    current = statement.current_statement(session, organisation_id=user.organisation_id if user else None)
    pending = user is not None and statement.needs_acknowledgement(session, user=user)
    return render(
        request, "privacy_statement.html", {"statement": current, "pending": pending, "next": safe_next(next)}
    )


@router.post("/privacy/gezien", include_in_schema=False)
def acknowledge_statement(
    session: SessionDep,
    user: CurrentUser,
    version: Annotated[str, Form(pattern=r"^\d{1,9}$")],  # 0 is the built-in default, so not an id
    next: Annotated[str, Form(max_length=500)] = "/",
):
    statement.acknowledge_statement(session, user=user, version=int(version))
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/onderzoek", include_in_schema=False)
def research_choice_page(request: Request, session: SessionDep, user: CurrentUser, next: str = "/mijn-gegevens"):
    choice = research.research_choice_of(session, user_id=user.id or 0)
    return render(
        request,
        "research_choice.html",
        {"explanation": research.EXPLANATION, "choice": choice, "next": safe_next(next)},
    )


@router.post("/onderzoek", include_in_schema=False)
def choose_research(
    session: SessionDep,
    user: CurrentUser,
    agreed: Annotated[str, Form(pattern="^(ja|nee)$")],
    next: Annotated[str, Form(max_length=500)] = "/mijn-gegevens",
):
    research.choose_research(session, user=user, agreed=agreed == "ja")
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/mijn-gegevens", include_in_schema=False)
def own_data_page(request: Request, session: SessionDep, user: CurrentUser):
    data = own_data.collect_own_data(session, user=user)
    choice = research.research_choice_of(session, user_id=user.id or 0)
    return render(
        request,
        "own_data.html",
        {"summary": own_data.summary(data), "choice": choice, "is_trainee": user.role == Role.trainee.value},
    )


@router.get("/mijn-gegevens/download", include_in_schema=False)
def own_data_download(session: SessionDep, user: CurrentUser):
    data = own_data.collect_own_data(session, user=user)
    own_data.record_download(session, user=user, tables=list(data))
    body = own_data.own_data_zip(data, readable_html=own_data.own_data_html(data, name=user.name))
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="mijn-gegevens.zip"'},
    )


@router.get("/beheer/gebruikers/{user_id:int}/verwijderen", include_in_schema=False)
def erase_user_page(request: Request, session: SessionDep, user: CurrentUser, user_id: PathId):
    person = session.get(User, user_id)
    if person is None:
        raise NotFound("Dit account bestaat niet.")
    return render(request, "user_erase.html", {"person": person, "kinds": erasure.KINDS})


@router.post("/beheer/gebruikers/{user_id:int}/verwijderen", include_in_schema=False)
def erase_user(
    session: SessionDep,
    user: CurrentUser,
    user_id: PathId,
    reason: Annotated[str, Form(max_length=1000)] = "",
    kind: Annotated[str, Form(max_length=20)] = erasure.REQUEST,
):
    erasure.erase_person(session, user_id=user_id, kind=kind, reason=reason, by=user)
    return RedirectResponse("/beheer/gebruikers", status_code=303)


@router.get("/beheer/privacy", include_in_schema=False)
def privacy_admin_page(request: Request, session: SessionDep, user: CurrentUser):
    org_id = user.organisation_id
    return render(
        request,
        "privacy_admin.html",
        {
            "statement": statement.current_statement(session, organisation_id=org_id),
            "months": retention.months_for(session, organisation_id=org_id) if org_id else retention.DEFAULT_MONTHS,
            "schedule": retention.schedule(session, organisation_id=org_id),
        },
    )


@router.post("/beheer/privacy/verklaring", include_in_schema=False)
def save_privacy_statement(session: SessionDep, user: CurrentUser, text: Annotated[str, Form(max_length=20_000)]):
    if user.organisation_id is None:
        raise NotFound("Je account hoort niet bij een organisatie.")
    statement.save_statement(session, user=user, organisation_id=user.organisation_id, text=text)
    return RedirectResponse("/beheer/privacy", status_code=303)


@router.post("/beheer/privacy/bewaartermijn", include_in_schema=False)
def save_retention(session: SessionDep, user: CurrentUser, months: Annotated[int, Form(ge=1, le=120)]):
    if user.organisation_id is None:
        raise NotFound("Je account hoort niet bij een organisatie.")
    retention.set_retention(session, user=user, organisation_id=user.organisation_id, months=months)
    return RedirectResponse("/beheer/privacy", status_code=303)
