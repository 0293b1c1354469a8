"""Jinja2 templates and the one helper that returns a fragment to htmx and a full page otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import HTMLResponse

from api.csrf import csrf_token
from training.models import ROLE_LABELS, Role
from training.plurals import plural

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["ROLE_LABELS"] = ROLE_LABELS
templates.env.globals["Role"] = Role


def trusted_html(html: str) -> Markup:
    """The one place where HTML is marked safe: Markdown rendered from the content/ files (raw HTML disabled)."""
    return Markup(html)


templates.env.filters["trusted_html"] = trusted_html
templates.env.filters["plural"] = plural  # {{ n|plural("regel", "regels") }} -> "1 regel", "2 regels"

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def local_time(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """A stored UTC timestamp as Rotterdam wall-clock time (SQLite hands back naive values, which are UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_ZONE).strftime(fmt)


templates.env.filters["local_time"] = local_time

# What each role finds in the main navigation (the home page "/" is always first).
NAV: dict[str, list[tuple[str, str]]] = {
    Role.trainee: [
        ("/leerpad", "Mijn leerpad"),
        ("/vragenlijsten", "Vragenlijsten"),
        ("/mijn-reflecties", "Mijn reflecties"),
    ],
    Role.trainer: [
        ("/groepen", "Mijn groepen"),
        ("/kennischecks/statistiek", "Kennischecks"),
        ("/certificaten", "Certificaten"),
        ("/berichten", "Berichten"),
    ],
    Role.manager: [("/monitor/kort", "Monitor"), ("/beheer/organisaties", "Organisatie")],
    Role.admin: [
        ("/monitor/kort", "Monitor"),
        ("/groepen", "Groepen"),
        ("/kennischecks/statistiek", "Kennischecks"),
        ("/certificaten", "Certificaten"),
        ("/berichten", "Berichten"),
        ("/beheer/gebruikers", "Gebruikers"),
        ("/beheer/organisaties", "Organisaties"),
        ("/beheer/audit", "Audit-log"),
        ("/beheer/privacy", "Privacy"),
    ],
}


def nav_items(user) -> list[tuple[str, str]]:
    return NAV.get(Role(user.role), []) if user is not None else []


templates.env.globals["nav_items"] = nav_items
templates.env.globals["zip"] = zip


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def render(
    request: Request,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``fragment`` for an htmx request when given, else the full ``page``; always ``Vary: HX-Request``."""
    ctx = {"request": request, "user": getattr(request.state, "user", None), "csrf_token": csrf_token(request)}
    ctx.update(context or {})
    name = fragment if fragment and is_htmx(request) else page
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request"
    return response
