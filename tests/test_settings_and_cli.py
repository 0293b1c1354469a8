"""Settings refuse unsafe production configuration; the CLI reports bad input in English with exit code 2."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import DEFAULT_SECRET, Settings, get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_production_refuses_the_default_secret():
    with pytest.raises(ValidationError, match="RACT_SECRET_KEY"):
        Settings(environment="production", secret_key=DEFAULT_SECRET)
    assert Settings(environment="production", secret_key="x" * 40).secure_cookies is True


def test_cli_refuses_production_without_secret(monkeypatch):
    monkeypatch.setenv("RACT_ENVIRONMENT", "production")
    monkeypatch.delenv("RACT_SECRET_KEY", raising=False)
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 2
    assert "RACT_SECRET_KEY is not set" in result.output


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url at all"])
def test_cli_reports_a_bad_database_url(monkeypatch, url):
    monkeypatch.setenv("RACT_DATABASE_URL", url)
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 2
    assert "RACT_DATABASE_URL" in result.output


def test_cli_reports_an_unreachable_database(monkeypatch):
    monkeypatch.setenv("RACT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 2
    assert "Cannot connect to the database" in result.output


def test_demo_data_and_create_user_via_cli(monkeypatch, db_url_engine):
    url, _ = db_url_engine
    monkeypatch.setenv("RACT_DATABASE_URL", url)
    first = runner.invoke(cli, ["demo-data"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output and "demo-demo-demo" in first.output
    again = runner.invoke(cli, ["demo-data"])
    assert "already present" in again.output
    ok = runner.invoke(cli, ["create-user", "--email", "Nieuw@Example.org", "--name", "Nieuwe Trainer", "--role",
                             "trainer", "--organisation", "Gemeente Rotterdam", "--password", "een goed wachtwoord"])
    assert ok.exit_code == 0, ok.output
    assert "nieuw@example.org" in ok.output
    dup = runner.invoke(cli, ["create-user", "--email", "nieuw@example.org", "--name", "X", "--role", "trainer",
                              "--password", "een goed wachtwoord"])
    assert dup.exit_code == 2 and "already in use" in dup.output
    bad_role = runner.invoke(cli, ["create-user", "--email", "a@b.nl", "--name", "X", "--role", "boss",
                                   "--password", "een goed wachtwoord"])
    assert bad_role.exit_code == 2 and "Unknown role" in bad_role.output
    weak = runner.invoke(cli, ["create-user", "--email", "c@d.nl", "--name", "X", "--role", "admin", "--password", "short"])
    assert weak.exit_code == 2 and "at least 12 characters" in weak.output


def test_demo_data_has_the_promised_shape(demo):
    from collections import Counter

    from sqlmodel import select

    from training.models import Cohort, Enrolment, User, Wijk

    wijken = demo.exec(select(Wijk)).all()
    assert len(wijken) >= 6
    assert len(demo.exec(select(Cohort)).all()) == 2
    trainees = demo.exec(select(User).where(User.role == "trainee")).all()
    assert 35 <= len(trainees) <= 45
    per_wijk = Counter(e.wijk_id for e in demo.exec(select(Enrolment)))
    assert min(per_wijk.values()) < 5 and max(per_wijk.values()) >= 5
    for role in ("trainee", "trainer", "manager", "admin"):
        assert demo.exec(select(User).where(User.email == f"{role}@demo.local")).one().role == role
