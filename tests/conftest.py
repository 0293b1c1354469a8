"""Shared fixtures: a migrated database per test (SQLite or PostgreSQL), the app, clients and sign-in helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.settings import Settings
from tests.dbharness import (
    PostgresDatabase,
    SqliteTemplate,
    postgres_reachable,
    require_postgres,
    test_database_url,
)
from tests.smtp import smtp_server  # noqa: F401  (a fixture, for tests/api and tests/e2e)

DEMO_PASSWORD = "demo-demo-demo"
CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"


def pytest_report_header(config):
    url = test_database_url()
    return f"ract test database: {'PostgreSQL ' + url.split('@')[-1] if url else 'SQLite (migrated template per test)'}"


@pytest.fixture(scope="session")
def database_backend(tmp_path_factory) -> Iterator[SqliteTemplate | PostgresDatabase]:
    url = test_database_url()
    if url is None:
        if require_postgres():
            pytest.fail("RACT_REQUIRE_POSTGRES=1 but RACT_TEST_DATABASE_URL is not set", pytrace=False)
        backend = SqliteTemplate(tmp_path_factory.mktemp("db"))
    else:
        reason = postgres_reachable(url)
        if reason:
            if require_postgres():
                pytest.fail(f"PostgreSQL required but not reachable at {url}: {reason}", pytrace=False)
            pytest.skip(f"PostgreSQL not reachable ({reason})")
        backend = PostgresDatabase(url)
    yield backend
    backend.close()


@pytest.fixture
def is_postgres(database_backend) -> bool:
    return isinstance(database_backend, PostgresDatabase)


@pytest.fixture
def db_url_engine(database_backend):
    url, engine = database_backend.fresh()
    yield url, engine
    if isinstance(database_backend, PostgresDatabase):
        database_backend.reset()
    else:
        engine.dispose()


@pytest.fixture
def engine(db_url_engine):
    return db_url_engine[1]


@pytest.fixture
def settings(db_url_engine, tmp_path) -> Settings:
    return Settings(
        environment="test",
        database_url=db_url_engine[0],
        secret_key="test-secret-key-which-is-long-enough-0123456789",
        log_level="WARNING",
        base_url="http://testserver",
        allowed_hosts="testserver,127.0.0.1,localhost",  # TestClient, and the browser tests' live server
    )


@pytest.fixture
def db(engine) -> Iterator[Session]:
    """A session for arranging and inspecting data; commit what the app must see."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def make_client(app):
    clients: list[TestClient] = []

    def _make() -> TestClient:
        c = TestClient(app, raise_server_exceptions=True)
        clients.append(c)
        return c

    yield _make
    for c in clients:
        c.close()


@pytest.fixture
def demo(db) -> Session:
    from demo.monitor_data import load_monitor_demo_data
    from demo.training_data import load_demo_data
    from monitor.questionnaire.instrument import load_instruments

    load_demo_data(db)
    load_monitor_demo_data(db, instruments=load_instruments(CONTENT_DIR / "questionnaires"))
    db.commit()
    return db


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    if response.headers["location"].startswith("/privacy"):  # first sign-in: the privacy statement comes first
        acknowledge_statement(client, response.headers["location"])
    client.headers["X-CSRF-Token"] = csrf_from(client.get("/").text)
    return client


VERSION_RE = re.compile(r'name="version" value="(\d+)"')


def acknowledge_statement(client: TestClient, location: str) -> None:
    """Click "Ik heb het gelezen" on the privacy statement the sign-in led to."""
    page = client.get(location)
    match = VERSION_RE.search(page.text)
    assert match, "no statement to acknowledge"
    done = client.post(
        "/privacy/gezien",
        data={"version": match.group(1), "next": "/", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303


@pytest.fixture
def login_as(make_client, demo):
    """A fresh client signed in as the demo account of that role (trainee, trainer, manager, admin)."""

    def _login(role_or_email: str) -> TestClient:
        email = role_or_email if "@" in role_or_email else f"{role_or_email}@demo.local"
        return login(make_client(), email)

    return _login
