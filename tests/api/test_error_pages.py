"""Error pages: every 4xx and 5xx carries the security headers; database refusals are a 422, an unreachable
database a 503 that the app recovers from by itself."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from api.authz import ACCESS, PUBLIC

SECURITY_HEADERS = (
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "cache-control",
)


def assert_security_headers(response) -> None:
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    assert missing == [], f"{response.status_code} lacks {missing}"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
def boom_app(app, monkeypatch):
    """The app with two test-only routes that raise an unhandled exception (a page and an API path)."""
    monkeypatch.setitem(ACCESS, "boom_page", PUBLIC)
    monkeypatch.setitem(ACCESS, "boom_api", PUBLIC)

    @app.get("/boom", name="boom_page")
    def boom_page():
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom", name="boom_api")
    def boom_api():
        raise RuntimeError("secret internals")

    return app


def test_the_500_page_of_an_unhandled_exception_has_the_security_headers(boom_app, caplog):
    caplog.set_level(logging.INFO)
    c = TestClient(boom_app, raise_server_exceptions=False)
    r = c.get("/boom", headers={"Accept": "text/html"})
    assert r.status_code == 500
    assert "Er ging aan onze kant iets mis." in r.text and "secret internals" not in r.text
    assert_security_headers(r)
    r = c.get("/api/v1/boom")
    assert r.status_code == 500 and r.json() == {"detail": "Er ging aan onze kant iets mis. Probeer het later opnieuw."}
    assert_security_headers(r)
    # the request log has its line for the failed request too
    assert any("path=/boom status=500" in rec.getMessage() for rec in caplog.records if rec.name == "ract.request")


def test_the_500_still_reaches_the_test_client_as_an_exception(boom_app):
    with pytest.raises(RuntimeError, match="secret internals"):
        TestClient(boom_app).get("/boom")


def test_4xx_pages_have_the_security_headers(client, login_as):
    assert_security_headers(client.get("/bestaat-niet"))
    c = login_as("trainee")
    assert_security_headers(c.get("/beheer/gebruikers"))  # 403
    assert_security_headers(c.get(f"/vragenlijsten/{2**31}"))  # 404 from an id out of range
    assert_security_headers(c.post("/vragenlijsten/starten", data={"enrolment_id": "x", "moment": "T0"}))  # 422


def test_a_value_the_database_refuses_is_a_422_not_a_500(login_as, monkeypatch):
    from api.routers import trainer

    def refuse(*args, **kwargs):
        raise sa_exc.DataError("SELECT ...", {}, Exception("integer out of range"))

    monkeypatch.setattr(trainer.cohorts, "list_cohorts", refuse)
    r = login_as("trainer").get("/groepen")
    assert r.status_code == 422
    assert "Een of meer velden zijn niet goed ingevuld." in r.text
    assert_security_headers(r)


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly")),
        sa_exc.InterfaceError("SELECT ...", {}, Exception("connection already closed")),
        sa_exc.TimeoutError("QueuePool limit of size 20 overflow 10 reached, connection timed out"),
    ],
    ids=["operational", "interface", "pool-timeout"],
)
def test_lost_connections_and_pool_timeouts_are_a_503(login_as, monkeypatch, error):
    from api.routers import trainer

    def fail(*args, **kwargs):
        raise error

    c = login_as("trainer")
    monkeypatch.setattr(trainer.cohorts, "list_cohorts", fail)
    r = c.get("/groepen")
    assert r.status_code == 503
    assert "De database is tijdelijk niet bereikbaar" in r.text and r.headers["retry-after"] == "30"
    assert_security_headers(r)


@pytest.fixture
def outage(engine):
    """Make every new database connection fail as a stopped server would, until the test ends it."""
    dbapi_error = engine.dialect.loaded_dbapi.OperationalError

    def refuse(dialect, conn_rec, cargs, cparams):
        raise dbapi_error("connection refused (simulated outage)")

    def start() -> None:
        engine.dispose()  # drop the pooled connections: the next checkout has to connect
        event.listen(engine, "do_connect", refuse)

    def end() -> None:
        event.remove(engine, "do_connect", refuse)

    yield start, end
    if event.contains(engine, "do_connect", refuse):
        end()


def test_a_database_outage_is_a_503_page_and_the_app_recovers_by_itself(login_as, outage):
    start, end = outage
    c = login_as("manager")
    assert c.get("/monitor").status_code == 200
    start()
    r = c.get("/monitor")
    assert r.status_code == 503
    assert "De database is tijdelijk niet bereikbaar" in r.text
    assert r.headers["retry-after"] == "30"
    assert_security_headers(r)
    r = c.get("/api/v1/me")
    assert r.status_code == 503 and r.json()["detail"].startswith("De database is tijdelijk niet bereikbaar")
    assert r.headers["retry-after"] == "30"
    r = c.get("/monitor", headers={"HX-Request": "true"})
    assert r.status_code == 503 and "<html" not in r.text and 'id="foutmelding"' in r.text
    end()
    r = c.get("/monitor")
    assert r.status_code == 200, r.text[:300]


def test_an_unreachable_postgresql_server_is_a_503(settings):
    from api.app import create_app
    from api.db import make_engine
    from tests.conftest import csrf_from

    closed_port = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/test")
    with TestClient(create_app(settings, engine=closed_port), raise_server_exceptions=False) as c:
        token = csrf_from(c.get("/login").text)
        r = c.post("/login", data={"email": "manager@demo.local", "password": "x", "csrf_token": token})
    assert r.status_code == 503
    assert "De database is tijdelijk niet bereikbaar" in r.text
    assert_security_headers(r)


def test_the_503_is_logged_with_the_driver_message_and_no_parameters(login_as, monkeypatch, caplog):
    from api.routers import trainer

    def fail(*args, **kwargs):
        raise sa_exc.OperationalError(
            "SELECT * FROM x WHERE email = %s",
            ("someone@example.org",),
            Exception("connection refused\nIs the server running?"),
        )

    c = login_as("trainer")
    monkeypatch.setattr(trainer.cohorts, "list_cohorts", fail)
    caplog.set_level(logging.INFO)
    assert c.get("/groepen").status_code == 503
    logged = "\n".join(rec.getMessage() for rec in caplog.records if rec.name == "ract.errors")
    assert "database_unavailable path=/groepen Exception: connection refused" in logged
    assert "someone@example.org" not in logged
