"""Sign-in, sign-out, password change, throttling and CSRF."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.conftest import DEMO_PASSWORD, csrf_from, login
from training.models import User
from training.passwords import verify_password

HOME_MARKERS = {
    "trainee": "Mijn leerpad",
    "trainer": "Groepen die je traint",
    "manager": "Projectleiding",
    "admin": "Gebruikers bekijken",
}


@pytest.mark.parametrize("role", list(HOME_MARKERS))
def test_each_demo_account_signs_in_and_sees_its_home_page(role, make_client, demo):
    client = login(make_client(), f"{role}@demo.local")
    page = client.get("/")
    assert page.status_code == 200
    assert HOME_MARKERS[role] in page.text
    others = [m for r, m in HOME_MARKERS.items() if r != role]
    assert not any(m in page.text for m in others)


def test_anonymous_visitor_is_sent_to_login_with_next(client, demo):
    response = client.get("/beheer/gebruikers", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/beheer/gebruikers"


def test_login_redirects_to_local_next_only(make_client, demo):
    c = make_client()
    token = csrf_from(c.get("/login").text)
    r = c.post(
        "/login",
        data={"email": "admin@demo.local", "password": DEMO_PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/privacy?next=/"  # the statement first (first sign-in), then home, not off-site


@pytest.mark.parametrize(
    "email,password",
    [("manager@demo.local", "wrong-password"), ("nobody@demo.local", DEMO_PASSWORD)],
)
def test_wrong_password_and_unknown_email_get_the_same_dutch_message(client, demo, email, password):
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert r.status_code == 401
    assert "Onbekend e-mailadres of onjuist wachtwoord." in r.text
    assert "ract_session" not in r.headers.get("set-cookie", "") or "uid" not in r.text


def test_empty_login_form_is_refused_with_422(client, demo):
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"csrf_token": token})
    assert r.status_code == 422
    assert "Vul je e-mailadres en wachtwoord in." in r.text


def test_login_without_csrf_token_is_refused(client, demo):
    client.get("/login")
    r = client.post("/login", data={"email": "admin@demo.local", "password": DEMO_PASSWORD})
    assert r.status_code == 403
    assert "Laad de pagina opnieuw" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out


def test_repeated_failures_lock_only_that_account(make_client, demo, settings):
    c = make_client()
    token = csrf_from(c.get("/login").text)
    for _ in range(settings.login_max_failures):
        r = c.post("/login", data={"email": "manager@demo.local", "password": "nope-nope", "csrf_token": token})
        assert r.status_code == 401
    r = c.post("/login", data={"email": "manager@demo.local", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert "Te veel mislukte pogingen" in r.text
    assert int(r.headers["Retry-After"]) > 0
    # Another account on the same client is not affected.
    login(make_client(), "admin@demo.local")


def test_logout_ends_the_session(login_as):
    c = login_as("trainer")
    assert c.post("/logout", follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_state_change_without_csrf_changes_nothing(login_as, db):
    c = login_as("trainee")
    del c.headers["X-CSRF-Token"]
    r = c.post(
        "/account/wachtwoord",
        data={
            "current_password": DEMO_PASSWORD,
            "new_password": "een nieuw wachtwoord",
            "new_password_repeat": "een nieuw wachtwoord",
        },
    )
    assert r.status_code == 403
    user = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    db.refresh(user)
    assert verify_password(DEMO_PASSWORD, user.password_hash)


def test_password_change_validates_and_signs_out_other_sessions(login_as, make_client, db):
    c = login_as("trainee")
    other = login(make_client(), "trainee@demo.local")
    form = {"current_password": DEMO_PASSWORD, "new_password": "kort", "new_password_repeat": "kort"}
    r = c.post("/account/wachtwoord", data=form)
    assert r.status_code == 422 and "minstens 12 tekens" in r.text
    form = {
        "current_password": "fout",
        "new_password": "een lange nieuwe zin",
        "new_password_repeat": "een lange nieuwe zin",
    }
    assert "Het huidige wachtwoord klopt niet." in c.post("/account/wachtwoord", data=form).text
    form["current_password"] = DEMO_PASSWORD
    form["new_password_repeat"] = "iets anders dan dat"
    assert "niet gelijk" in c.post("/account/wachtwoord", data=form).text
    form["new_password_repeat"] = form["new_password"]
    r = c.post("/account/wachtwoord", data=form)
    assert r.status_code == 200 and "Je wachtwoord is gewijzigd" in r.text
    assert c.get("/", follow_redirects=False).status_code == 200  # this session continues
    assert other.get("/", follow_redirects=False).status_code == 303  # the other one is signed out
    user = db.exec(select(User).where(User.email == "trainee@demo.local")).one()
    db.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password("een lange nieuwe zin", user.password_hash)


def test_session_cookie_is_httponly_and_samesite_lax(client, demo):
    r = client.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # only in production (https)


def test_deactivated_user_cannot_sign_in_and_is_signed_out(login_as, db, make_client):
    c = login_as("trainer")
    user = db.exec(select(User).where(User.email == "trainer@demo.local")).one()
    user.is_active = False
    db.add(user)
    db.commit()
    assert c.get("/", follow_redirects=False).status_code == 303
    c2 = make_client()
    token = csrf_from(c2.get("/login").text)
    r = c2.post("/login", data={"email": "trainer@demo.local", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 401


def test_behind_https_the_session_cookie_is_secure_and_hsts_is_sent(settings, engine, demo):
    from fastapi.testclient import TestClient

    from api.app import create_app

    production = settings.model_copy(update={"environment": "production"})
    with TestClient(create_app(production, engine=engine), base_url="https://testserver") as c:
        r = c.get("/login")
        cookie = r.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")
        login(c, "admin@demo.local")  # the Secure cookie works over https
        assert c.get("/", follow_redirects=False).status_code == 200


def test_anonymous_htmx_request_gets_401_with_hx_redirect_to_login(client, demo):
    r = client.get("/leerpad", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["hx-redirect"] == "/login?next=/leerpad"


def test_lockout_ends_after_the_lockout_time_and_a_success_resets_the_count(demo, engine):
    from datetime import timedelta

    from api.throttling import attempt_login
    from training import accounts
    from training.models import utcnow

    now = utcnow()
    policy = accounts.LoginPolicy(max_failures=3, lockout_seconds=60, account_max_failures=50, address_max_failures=100)

    def attempt(password, at):
        try:
            return attempt_login(
                engine,
                demo,
                email="Manager@Demo.local ",
                password=password,
                client_address="192.0.2.1",
                policy=policy,
                now=at,
            )
        finally:
            demo.commit()  # as the request would (the reservation runs in a transaction of its own)

    for _ in range(2):
        with pytest.raises(accounts.LoginFailed):
            attempt("fout", now)
    attempt(DEMO_PASSWORD, now)  # a success resets the count: two more failures do not lock
    for _ in range(2):
        with pytest.raises(accounts.LoginFailed):
            attempt("fout", now)
    with pytest.raises(accounts.LoginFailed):
        attempt("fout", now)  # the third failure in a row uses up the window
    with pytest.raises(accounts.LoginThrottled) as locked:
        attempt(DEMO_PASSWORD, now + timedelta(seconds=30))
    assert locked.value.retry_after_seconds == 30
    assert locked.value.message == "Te veel mislukte pogingen. Probeer het over 1 minuut opnieuw."
    assert attempt(DEMO_PASSWORD, now + timedelta(seconds=61)).email == "manager@demo.local"


@pytest.mark.parametrize(
    "data",
    [
        {"email": "a" * 400 + "@demo.local", "password": DEMO_PASSWORD},
        {"email": "admin@demo.local", "password": "x" * 2000},
    ],
    ids=["email too long", "password too long"],
)
def test_malformed_login_form_is_a_dutch_422_and_signs_nobody_in(client, demo, db, data):
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data=data | {"csrf_token": token})
    assert r.status_code == 422
    assert "Een of meer velden zijn niet goed ingevuld." in r.text and "Traceback" not in r.text
    assert client.get("/", follow_redirects=False).status_code == 303
    admin = db.exec(select(User).where(User.email == "admin@demo.local")).one()
    db.refresh(admin)
    assert admin.failed_logins == 0 and admin.last_login_at is None


def test_malformed_multipart_body_is_refused_without_a_server_error(client, demo):
    client.get("/login")
    r = client.post(
        "/login", content=b"--broken\r\nnot a part", headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert r.status_code in (400, 403)
    assert "Traceback" not in r.text
