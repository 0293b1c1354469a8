"""CSRF protection for every state-changing request: a per-session token sent as a form field or X-CSRF-Token header."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


class CsrfFailed(Exception):
    """The request changes state but carries no valid CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's token, created on first use (the login page creates it for anonymous visitors)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: unsafe methods must echo the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                form = await request.form()
            except Exception:
                raise CsrfFailed() from None
            value = form.get(FORM_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfFailed()
