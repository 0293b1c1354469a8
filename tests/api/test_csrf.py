"""CSRF: every state-changing route refuses a request without the session's token, and such a request writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from api.authz import ACCESS, PUBLIC
from tests.api.test_authz_matrix import api_routes, sample_path, samples  # noqa: F401 (samples is a fixture)
from tests.sessions import CSRF, session_cookie
from training.models import Role, User

MESSAGE = "Laad de pagina opnieuw"


def row_counts(db) -> dict[str, int]:
    db.expire_all()
    # user_session rows are the test's own sign-ins (tests.sessions.session_cookie), not changes made by a request
    return {
        t.name: db.execute(sa_select(func.count()).select_from(t)).scalar_one()
        for t in SQLModel.metadata.sorted_tables
        if t.name != "user_session"
    }


def state_changing_routes(app):
    return [
        (route, method) for route in api_routes(app) for method in sorted(route.methods - {"GET", "HEAD", "OPTIONS"})
    ]


def caller_for(rule, users):
    """A user the route admits (so that only the CSRF check can refuse), or None for public routes."""
    if rule == PUBLIC:
        return None
    return users[Role.admin] if Role.admin in rule else users[sorted(rule)[0]]


@pytest.mark.parametrize(
    "how",
    ["no token", "wrong form token", "wrong htmx header"],
)
def test_every_state_changing_route_refuses_a_missing_or_wrong_token(app, client, demo, samples, settings, how):  # noqa: F811
    users = {role: demo.exec(select(User).where(User.email == f"{role.value}@demo.local")).one() for role in Role}
    routes = state_changing_routes(app)
    assert len(routes) >= 20
    before = row_counts(demo)
    failures = []
    for route, method in routes:
        user = caller_for(ACCESS[route.name], users)
        client.cookies.clear()
        client.cookies.set(
            "ract_session", session_cookie(settings.secret_key, user_id=user.id if user else None, db=demo)
        )
        data = {"email": "x@example.org", "text": "x"}
        headers = {"Accept": "text/html"}
        if how == "wrong form token":
            data["csrf_token"] = CSRF + "-forged"
        elif how == "wrong htmx header":
            headers |= {"HX-Request": "true", "X-CSRF-Token": CSRF + "-forged"}
        path = sample_path(route, samples)
        response = client.request(method, path, data=data, headers=headers, follow_redirects=False)
        if response.status_code != 403 or MESSAGE not in response.text:
            failures.append(f"{method} {path} ({how}) -> {response.status_code}")
        elif how == "wrong htmx header" and "<html" in response.text:
            failures.append(f"{method} {path} ({how}): htmx got a whole page instead of a fragment")
    assert failures == []
    assert row_counts(demo) == before


def test_the_session_token_is_accepted_as_form_field_and_as_htmx_header(login_as, db):
    c = login_as("trainee")  # login_as sends the token as X-CSRF-Token, as htmx does from <body hx-headers>
    page = c.get("/account/wachtwoord")
    token = c.headers.pop("X-CSRF-Token")
    form = {
        "current_password": "fout",
        "new_password": "een lange nieuwe zin",
        "new_password_repeat": "een lange nieuwe zin",
    }
    assert c.post("/account/wachtwoord", data=form).status_code == 403
    from tests.conftest import csrf_from

    assert csrf_from(page.text) == token
    as_field = c.post("/account/wachtwoord", data=form | {"csrf_token": token})
    assert as_field.status_code == 422 and "Het huidige wachtwoord klopt niet." in as_field.text
    as_header = c.post("/account/wachtwoord", data=form, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert as_header.status_code == 422 and "Het huidige wachtwoord klopt niet." in as_header.text
