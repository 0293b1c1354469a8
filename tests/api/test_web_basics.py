"""Health, docs, error pages, security headers, logging."""

from __future__ import annotations

import logging

from tests.conftest import DEMO_PASSWORD, csrf_from


def test_healthz_checks_the_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(settings, tmp_path):
    from fastapi.testclient import TestClient
    from sqlmodel import create_engine

    from api.app import create_app

    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite3'}")
    with TestClient(create_app(settings, engine=unreachable), raise_server_exceptions=False) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": "unreachable"}


def test_openapi_and_docs_are_served(client):
    assert client.get("/openapi.json").json()["info"]["title"]
    r = client.get("/docs")
    assert r.status_code == 200 and "/static/vendor/swagger-ui-bundle.js" in r.text


def test_security_headers_on_pages(client):
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "HX-Request" in r.headers["vary"]


def test_unknown_page_is_a_dutch_404_page_and_htmx_gets_a_fragment(login_as):
    c = login_as("manager")
    r = c.get("/bestaat-niet")
    assert r.status_code == 404
    assert "<html" in r.text and "Deze pagina bestaat niet." in r.text
    r = c.get("/bestaat-niet", headers={"HX-Request": "true"})
    assert r.status_code == 404
    assert "<html" not in r.text and 'id="foutmelding"' in r.text


def test_forbidden_page_is_a_403_page(login_as):
    r = login_as("trainee").get("/beheer/gebruikers")
    assert r.status_code == 403
    assert "Geen toegang" in r.text


def test_api_errors_are_json(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json() == {"detail": "Niet ingelogd."}


def test_api_me_returns_the_signed_in_user(login_as):
    r = login_as("manager").get("/api/v1/me")
    assert r.status_code == 200
    assert r.json()["role"] == "manager"


def test_unexpected_error_is_a_page_without_stack_trace(app, client, monkeypatch):
    from fastapi.testclient import TestClient

    from api.authz import ACCESS, PUBLIC

    monkeypatch.setitem(ACCESS, "boom", PUBLIC)

    @app.get("/boom")
    def boom():  # pragma: no cover - raises
        raise RuntimeError("secret internals")

    c = TestClient(app, raise_server_exceptions=False)
    r = c.get("/boom", headers={"Accept": "text/html"})
    assert r.status_code == 500
    assert "secret internals" not in r.text and "Traceback" not in r.text


def test_request_log_has_one_line_per_request_and_no_secrets(client, demo, caplog):
    caplog.set_level(logging.INFO)
    token = csrf_from(client.get("/login").text)
    client.post("/login", data={"email": "admin@demo.local", "password": DEMO_PASSWORD, "csrf_token": token})
    lines = [r.getMessage() for r in caplog.records if r.name == "ract.request"]
    assert any("method=POST path=/login status=303" in line for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert DEMO_PASSWORD not in everything
    assert "admin@demo.local" not in everything
