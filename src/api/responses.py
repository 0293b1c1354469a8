"""Small helpers the form handlers share: redirect after POST, a message for the next page, an optional choice."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.inputs import parse_id
from training.errors import InvalidInput


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def flash(request: Request, message: str) -> None:
    """Shown once on the next page that renders ``_flash.html``."""
    request.session["flash"] = message


def optional_id(value: str, *, field: str) -> int | None:
    """An id chosen in a select that may be left empty; InvalidInput when it is no id at all."""
    if not value.strip():
        return None
    number = parse_id(value)
    if number is None:
        raise InvalidInput("Kies een van de mogelijkheden.", field=field)
    return number
