"""The audit trail through the web: sign-in, logout and downloads are recorded with the client address; beheer reads
and downloads it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app as cli
from tests.conftest import csrf_from, login
from training import audit_trail
from training.models import AuditEntry, User, utcnow


def _entries(db, action: str | None = None) -> list[AuditEntry]:
    db.expire_all()
    q = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        q = q.where(AuditEntry.action == action)
    return list(db.exec(q))


@pytest.fixture
def fresh_settings():
    """The command line reads settings once per process: clear them around a test that points it elsewhere."""
    from api.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_sign_in_failure_success_and_logout_are_recorded(make_client, demo):
    trainer = demo.exec(select(User).where(User.email == "trainer@demo.local")).one()
    c = make_client()
    page = c.get("/login")
    c.post(
        "/login",
        data={"email": "trainer@demo.local", "password": "wrong password!", "csrf_token": csrf_from(page.text)},
    )
    c.post("/login", data={"email": "nobody@example.org", "password": "x", "csrf_token": csrf_from(page.text)})
    login(c, "trainer@demo.local")
    c.post("/logout", data={}, follow_redirects=False)
    failed = _entries(demo, "login.failed")
    assert [(e.object_id, e.result, e.user_id) for e in failed] == [
        (str(trainer.id), "failed", None),
        (None, "failed", None),
    ]
    assert "nobody" not in "".join(e.details_json for e in _entries(demo))  # an unknown address is not stored
    ok = _entries(demo, "login.succeeded")[-1]
    assert (ok.user_id, ok.role, ok.client_address) == (trainer.id, "trainer", "testclient")
    assert _entries(demo, "logout")[-1].user_id == trainer.id


def test_throttled_sign_in_is_recorded_as_refused(make_client, demo, app):
    app.state.settings.login_max_failures = 2
    c = make_client()
    token = csrf_from(c.get("/login").text)
    for _ in range(3):
        last = c.post("/login", data={"email": "admin@demo.local", "password": "wrong password!", "csrf_token": token})
    assert last.status_code == 429
    assert [e.result for e in _entries(demo, "login.throttled")] == ["refused"]


def test_password_change_is_recorded_without_the_password(login_as, demo):
    c = login_as("manager")
    c.post(
        "/account/wachtwoord",
        data={
            "current_password": "demo-demo-demo",
            "new_password": "een nieuw wachtwoord",
            "new_password_repeat": "een nieuw wachtwoord",
        },
    )
    entries = _entries(demo)
    assert [e.action for e in entries if e.action.startswith("password")] == ["password.changed"]
    assert not any("nieuw wachtwoord" in e.details_json for e in entries)


def test_exports_feed_the_trail_with_who_and_how_many_rows(login_as, demo):
    manager = login_as("manager")
    assert manager.get("/monitor/exports/monitor.csv").status_code == 200
    entry = _entries(demo, "export.aggregate")[-1]
    assert entry.role == "manager" and entry.client_address == "testclient" and '"rows"' in entry.details_json


def test_audit_page_filters_pages_and_downloads(login_as, demo):
    admin = login_as("admin")
    login_as("trainer")
    page = admin.get("/beheer/audit", params={"wie": "trainer@demo.local", "actie": "login"})
    assert page.status_code == 200
    assert "Ingelogd" in page.text and "trainer@demo.local" in page.text
    assert admin.get("/beheer/audit", params={"van": "gisteren"}).status_code == 422
    for i in range(60):
        audit_trail.record(demo, action="wijk.created", object_type="wijk", object_id=i)
    demo.commit()
    first = admin.get("/beheer/audit", params={"actie": "wijk.created"})
    assert "Pagina 1 van 2" in first.text and "pagina=2" in first.text
    download = admin.get("/beheer/audit.csv", params={"actie": "wijk.created"})
    rows = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert len(rows) == 60 and {r["actie"] for r in rows} == {"wijk.created"}
    assert _entries(demo, "audit.exported")[-1].details_json.count('"rows": 60') == 1


def test_audit_prune_command_prunes_and_logs(fresh_settings, monkeypatch, db_url_engine, db, caplog):
    url, _ = db_url_engine
    monkeypatch.setenv("RACT_DATABASE_URL", url)
    audit_trail.record(db, action="login.succeeded", now=utcnow() - timedelta(days=500))
    audit_trail.record(db, action="login.succeeded")
    db.commit()
    result = CliRunner().invoke(cli, ["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 audit entries older than 365 days" in result.output
    assert [e.action for e in _entries(db)] == ["login.succeeded", "audit.pruned"]
    assert CliRunner().invoke(cli, ["audit", "prune", "--days", "3"]).exit_code == 2
