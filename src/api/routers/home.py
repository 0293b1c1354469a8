"""Home page per role, health check, API docs, who-am-I."""

from __future__ import annotations

import logging
from datetime import date

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import CurrentUser, SessionDep
from api.content import get_module_gate, get_modules
from api.errors import api_errors
from api.routers.privacy import statement_redirect
from api.templating import render
from monitor.home import attention, todo
from privacy.statement import needs_acknowledgement
from training import overview
from training.ids import id_of
from training.models import Role

router = APIRouter()
log = logging.getLogger("ract.health")


@router.get("/", include_in_schema=False)
def home_page(request: Request, session: SessionDep, user: CurrentUser):
    if needs_acknowledgement(session, user=user):  # the statement changed since this person last saw it
        return statement_redirect("/")
    summary = overview.home_summary(session, user=user)
    context: dict[str, object] = {"summary": summary}
    today = date.today()
    if user.role == Role.trainee:
        instruments = getattr(request.app.state, "instruments", None) or [None]
        context["todo"] = todo.trainee_todo(
            session,
            user=user,
            modules=get_modules(request),
            instrument=instruments[0],
            gate=get_module_gate(request),
            today=today,
        )
    elif user.role == Role.trainer:
        context["attention"] = attention.attention_points(session, user=user, today=today, modules=get_modules(request))
    return render(request, f"home_{user.role}.html", context)


class Health(BaseModel):
    status: str
    database: str


@router.get(
    "/healthz",
    response_model=Health,
    tags=["system"],
    responses={503: {"model": Health, "description": "The database does not answer"}},
)
async def healthz(request: Request):
    """Liveness and database check: 200 when the database answers, 503 when it fails; 200 with status "degraded"
    and database "unknown" when it gave no answer within a second (busy, not known to be down: restarting this
    worker would not help). Answers within a second however busy the worker is (api.db.DatabaseHealth)."""
    database = await request.app.state.health.check()
    if database == "unreachable":
        log.warning("healthz database=unreachable")
        return JSONResponse(Health(status="error", database="unreachable").model_dump(), status_code=503)
    if database == "unknown":
        log.warning("healthz database=unknown (no answer in time)")
        return Health(status="degraded", database="unknown")
    return Health(status="ok", database="ok")


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str


@router.get("/api/v1/me", response_model=Me, tags=["account"], responses=api_errors(401, 503))
def api_me(user: CurrentUser) -> Me:
    """The signed-in user."""
    return Me(id=id_of(user), name=user.name, email=user.email, role=user.role)


@router.get("/docs", include_in_schema=False)
def swagger_docs_page():
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="R-ACT platform API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
