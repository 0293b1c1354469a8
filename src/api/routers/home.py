"""Home page per role, health check, API docs, who-am-I."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from pydantic import BaseModel
from sqlalchemy import text

from api.auth import CurrentUser, SessionDep
from api.templating import render
from training import overview

router = APIRouter()


@router.get("/", include_in_schema=False)
def home_page(request: Request, session: SessionDep, user: CurrentUser):
    summary = overview.home_summary(session, user=user)
    return render(request, f"home_{user.role}.html", {"summary": summary})


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", response_model=Health, tags=["system"])
def healthz(session: SessionDep) -> Health:
    """Liveness and database check."""
    session.exec(text("SELECT 1"))
    return Health(status="ok", database="ok")


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str


@router.get("/api/v1/me", response_model=Me, tags=["account"])
def api_me(user: CurrentUser) -> Me:
    """The signed-in user."""
    return Me(id=user.id, name=user.name, email=user.email, role=user.role)


@router.get("/docs", include_in_schema=False)
def swagger_docs_page():
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="R-ACT platform API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
