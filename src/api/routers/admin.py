"""Administration pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.auth import CurrentUser, SessionDep
from api.inputs import parse_id
from api.paging import page_links
from api.templating import render
from training import organisations, staff
from training.models import ROLE_LABELS, Role

router = APIRouter(prefix="/beheer")

Text = Annotated[str, Query(max_length=200)]


@router.get("/gebruikers", include_in_schema=False)
def users_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    zoek: Text = "",
    rol: Text = "",
    organisatie: Text = "",
    actief: Text = "",
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    query = staff.UserQuery(search=zoek, role=rol, organisation_id=parse_id(organisatie), active=actief)
    page = staff.search_users(session, user=user, query=query, page=pagina)
    values = {"zoek": zoek, "rol": rol, "organisatie": organisatie, "actief": actief}
    return render(
        request,
        "users.html",
        {
            "page": page,
            "values": values,
            "page_href": page_links("/beheer/gebruikers", values),
            "organisations": organisations.list_organisations(session, user=user),
            "roles": [(r.value, ROLE_LABELS[r]) for r in Role],
            "flash": request.session.pop("flash", None),
        },
    )
