"""Request input checked at the edge: ids within the database's integer range, text without control characters.

Out-of-range ids and NUL bytes used to reach the database and come back as 500s (PostgreSQL refuses integers
≥ 2³¹ in ``integer`` columns and NUL in text); here they become a 404 (path) or 422 (query, form) instead.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Form, Path, Query, Request
from starlette.datastructures import UploadFile

from training.errors import InvalidInput
from training.text import INVALID_CHARACTER, INVALID_CHARACTER_RE, has_invalid_character

# Every id column is a 32-bit ``integer`` on PostgreSQL; the same bound on SQLite (which would take up to 2⁶³ − 1)
# keeps both databases answering alike.
MAX_ID = 2**31 - 1
MAX_STEP = 1000

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
FormId = Annotated[int, Form(ge=1, le=MAX_ID)]
StepNumber = Annotated[int, Path(ge=1, le=MAX_STEP)]

_ID_RE = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses


def parse_id(value: object) -> int | None:
    """An id typed into a hand-parsed form or query field, or None when it is no id the database could hold."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not _ID_RE.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CONTROL_CHARACTER_MESSAGE = f"De invoer {INVALID_CHARACTER}. Haal het weg en probeer het opnieuw."


async def refuse_control_characters(request: Request) -> None:
    """App-wide dependency: a NUL byte or other control character in the path, the query or a form field (names,
    values, upload file names) is refused with one 422, whatever the route does with the text."""
    texts: list[tuple[str, str]] = [
        (name, value) for name, value in request.path_params.items() if isinstance(value, str)
    ]
    texts += [(name, name) for name in request.query_params] + list(request.query_params.multi_items())
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        form = await request.form()
        for name, value in form.multi_items():
            texts.append((name, name))
            if isinstance(value, str):
                texts.append((name, value))
            elif isinstance(value, UploadFile) and value.filename:
                texts.append((name, value.filename))
    for name, value in texts:
        if has_invalid_character(value):
            raise InvalidInput(CONTROL_CHARACTER_MESSAGE, field=_printable(name))


def _printable(name: str) -> str:
    return INVALID_CHARACTER_RE.sub("?", name)[:50]
