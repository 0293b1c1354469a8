"""Administration pages."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import CurrentUser, SessionDep
from api.templating import render
from training import overview

router = APIRouter(prefix="/beheer")


@router.get("/gebruikers", include_in_schema=False)
def users_page(request: Request, session: SessionDep, user: CurrentUser):
    return render(request, "users.html", {"users": overview.list_users(session, user=user)})
