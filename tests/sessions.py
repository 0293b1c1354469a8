"""Build a signed session cookie for a user, exactly as Starlette's SessionMiddleware would (for matrix tests).

A signed-in cookie needs a live server-side session record: pass the test's database session to create one."""

from __future__ import annotations

import json
from base64 import b64encode

import itsdangerous
from sqlmodel import Session

from training.models import User
from training.user_sessions import start_session

CSRF = "matrix-csrf-token"


def session_cookie(secret_key: str, *, user_id: int | None, db: Session | None = None) -> str:
    data: dict = {"csrf": CSRF}
    if user_id is not None:
        assert db is not None, "a signed-in cookie needs db= to create its session record"
        data["sid"] = start_session(db, user=db.get(User, user_id))
        db.commit()
    payload = b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(payload).decode()
