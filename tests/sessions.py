"""Build a signed session cookie for a user, exactly as Starlette's SessionMiddleware would (for matrix tests)."""

from __future__ import annotations

import json
from base64 import b64encode

import itsdangerous

CSRF = "matrix-csrf-token"


def session_cookie(secret_key: str, *, user_id: int | None, session_version: int = 1) -> str:
    data: dict = {"csrf": CSRF}
    if user_id is not None:
        data.update({"uid": user_id, "sv": session_version})
    payload = b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(payload).decode()
