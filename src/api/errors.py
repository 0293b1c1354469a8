"""Errors mapped to HTTP in one place: domain errors to status codes, rendered as an htmx fragment or a page."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.auth import NotAuthenticated
from api.csrf import CsrfFailed
from api.db import is_contention
from api.templating import is_htmx, render
from monitor import errors as me
from training import errors as te
from training.accounts import LoginFailed
from training.invitations import InvitationGone, InvitationInvalid
from training.throttle import Throttled

log = logging.getLogger("ract.errors")

# The one table from error class to status. Subclasses inherit their base's status unless listed.
STATUS: list[tuple[type[Exception], int]] = [
    (Throttled, 429),
    (LoginFailed, 401),
    (te.NotFound, 404),
    (te.PermissionDenied, 403),
    (te.Conflict, 409),
    (InvitationGone, 410),
    (InvitationInvalid, 400),
    (te.InvalidInput, 422),
    (te.ContentInvalid, 500),
    (te.TrainingError, 400),
    # monitor
    (me.ResponseNotFound, 404),
    (me.QuestionnaireNotAllowed, 403),
    (me.WindowNotOpen, 409),
    (me.ResponseAlreadySubmitted, 409),
    (me.ResponseExists, 409),
    (me.UnknownItem, 422),
    (me.UnknownScale, 422),
    (me.AnswerOutOfRange, 422),
    (me.InvalidQuestionnaireInput, 422),
    (me.InvalidMomentPair, 422),
    (me.MonitorError, 400),
]

HTTP_MESSAGES = {
    404: "Deze pagina bestaat niet.",
    405: "Deze actie is hier niet toegestaan.",
    400: "Het verzoek is niet goed opgebouwd.",
    413: "Het verzoek is te groot.",
    422: "Een of meer velden zijn niet goed ingevuld.",
    500: "Er ging aan onze kant iets mis. Probeer het later opnieuw.",
    503: "De database is tijdelijk niet bereikbaar. Probeer het over een minuut opnieuw.",
}

# The database refused a value (PostgreSQL: an integer out of range, NUL in text, a string too long for its
# column). The edge (api.inputs, the routes' parameter types) should have refused it first; this is the net.
DATA_ERRORS: tuple[type[Exception], ...] = (sa_exc.DataError,)
# The database cannot be reached or did not answer in time: a connection refused or lost (OperationalError,
# InterfaceError), no free connection in the pool (TimeoutError). The pool pings connections before use, so the
# app recovers by itself when the database is back.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
)
RETRY_AFTER_SECONDS = 30
BUSY_MESSAGE = "Het is even erg druk. Probeer het opnieuw."


# htmx routes that swap a small status element (not a page region) name the fragment that shows their errors, so
# that the element keeps its id and the next request still has a target. The fragment gets the route's path
# parameters, ``error`` (the message) and ``status``.
HTMX_ERROR_FRAGMENTS: dict[str, str] = {
    "save_note_fragment": "_note_status.html",
}


class ErrorBody(BaseModel):
    """What the JSON API answers on an error: a Dutch message, and the field it is about when there is one."""

    detail: str
    field: str | None = None


class ValidationProblem(BaseModel):
    loc: list[str]
    msg: str
    type: str


class ValidationErrorBody(ErrorBody):
    """A 422: a request parameter failed validation (``errors``) or a domain rule refused the input (``field``)."""

    errors: list[ValidationProblem] = []


API_ERROR_DESCRIPTIONS = {
    401: ("Not signed in", ErrorBody),
    403: ("The signed-in role may not see this", ErrorBody),
    404: ("No such object (or an id out of range)", ErrorBody),
    422: ("A parameter is invalid", ValidationErrorBody),
    503: ("The database is not reachable (Retry-After)", ErrorBody),
}


def api_errors(*statuses: int) -> dict[int | str, dict]:
    """The error answers an API route documents in OpenAPI (``responses=``), with the bodies this module sends."""
    return {
        status: {"model": API_ERROR_DESCRIPTIONS[status][1], "description": API_ERROR_DESCRIPTIONS[status][0]}
        for status in statuses
    }


def register_domain_errors(extra: list[tuple[type[Exception], int]]) -> None:
    """Let the monitor add its error classes to the table (monitor may not be imported by training)."""
    STATUS[:0] = extra


def status_for(exc: Exception) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "").split(",")[0]


def error_response(
    request: Request, status: int, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    headers = dict(headers or {})
    if wants_json(request):
        body = {"detail": message}
        if field:
            body["field"] = field
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 429 and isinstance(getattr(request.state, "error", None), Throttled):
        headers["Retry-After"] = str(request.state.error.retry_after_seconds)
    route_name = getattr(request.scope.get("route"), "name", None)
    status_fragment = HTMX_ERROR_FRAGMENTS.get(route_name or "") if is_htmx(request) else None
    if status_fragment:
        context = {**request.path_params, "error": message, "status": status}
        return render(request, status_fragment, context, status_code=status, headers=headers)
    return render(
        request,
        "error.html",
        {"status": status, "message": message},
        fragment="_error.html",
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def _not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "Niet ingelogd."}, status_code=401)
        target = "/login"
        if request.method == "GET" and request.url.path != "/":
            target += "?next=" + quote(request.url.path)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        log.warning("csrf_failed path=%s", request.url.path)
        return error_response(
            request,
            403,
            "Je sessie is verlopen of het formulier is ongeldig. Laad de pagina opnieuw en probeer het nog eens.",
        )

    @app.exception_handler(te.TrainingError)
    @app.exception_handler(me.MonitorError)
    async def _domain(request: Request, exc: te.TrainingError | me.MonitorError) -> Response:
        status = status_for(exc)
        request.state.error = exc
        if status >= 500:
            log.error("domain_error %s", type(exc).__name__)
        return error_response(request, status, exc.message, field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if any(e.get("loc", ())[:1] == ("path",) for e in exc.errors()):
            # /groepen/abc or /groepen/99999999999: no such page, the same answer as an id that does not exist
            return error_response(request, 404, HTTP_MESSAGES[404])
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        message = HTTP_MESSAGES[422]
        if fields:
            message += " Controleer: " + ", ".join(f or "het verzoek" for f in fields) + "."
        if wants_json(request):
            return JSONResponse({"detail": message, "errors": jsonable_errors(exc)}, status_code=422)
        return error_response(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = HTTP_MESSAGES.get(exc.status_code, "Het verzoek kon niet worden verwerkt.")
        return error_response(request, exc.status_code, message)

    async def _data_error(request: Request, exc: Exception) -> Response:
        log.warning("data_error path=%s %s", request.url.path, type(getattr(exc, "orig", exc)).__name__)
        return error_response(request, 422, HTTP_MESSAGES[422])

    async def _unavailable(request: Request, exc: Exception) -> Response:
        if is_contention(exc):
            # A lock or statement timeout (api.db.Timeouts): the database is there, this request waited too long
            # behind others (e.g. many saves of one answer at once). Trying again soon will most likely work.
            log.warning("database_contention path=%s %s", request.url.path, type(getattr(exc, "orig", exc)).__name__)
            return error_response(request, 503, BUSY_MESSAGE, headers={"Retry-After": "1"})
        log.error("database_unavailable path=%s %s", request.url.path, _driver_message(exc))
        return error_response(request, 503, HTTP_MESSAGES[503], headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    for cls in DATA_ERRORS:
        app.add_exception_handler(cls, _data_error)
    for cls in UNAVAILABLE_ERRORS:
        app.add_exception_handler(cls, _unavailable)

    # Runs in Starlette's ServerErrorMiddleware, which api.middleware.wrap_outermost puts inside the security
    # headers: the 500 page gets them too.
    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error path=%s", request.url.path)
        return error_response(request, 500, HTTP_MESSAGES[500])


def _driver_message(exc: Exception) -> str:
    """The driver's own first line ("connection refused", "no such table: x"): enough to tell an outage from a bug
    that also raises OperationalError, without SQLAlchemy's statement and parameters (which may hold personal data)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).splitlines()
    return f"{type(orig).__name__}: {lines[0][:200] if lines else ''}"


def jsonable_errors(exc: RequestValidationError) -> list[dict]:
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
