"""Settings refuse unsafe production configuration; the CLI reports bad input in English with exit code 2."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import DEFAULT_SECRET, Settings, get_settings
from tests.conftest import CONTENT_DIR

runner = CliRunner()
BASE = "https://leren.example.nl"


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("environment", ["production", "test"])
def test_every_environment_but_development_refuses_the_default_or_a_short_secret(environment):
    with pytest.raises(ValidationError, match="RACT_SECRET_KEY is not set"):
        Settings(environment=environment, secret_key=DEFAULT_SECRET)
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment=environment, secret_key="x" * 31)
    assert Settings(environment=environment, secret_key="x" * 40, base_url=BASE).secret_key == "x" * 40
    assert Settings(environment="development").secret_key == DEFAULT_SECRET


def test_secure_cookies_are_on_in_production_and_can_be_set_explicitly():
    assert Settings(environment="production", secret_key="x" * 40, base_url=BASE).secure_cookies is True
    assert Settings(environment="development").secure_cookies is False
    assert Settings(environment="development", cookie_secure=True).secure_cookies is True


@pytest.mark.parametrize("environment", ["production", "test"])
def test_outside_development_the_base_url_is_required_and_is_the_only_allowed_host(environment):
    with pytest.raises(ValidationError, match="RACT_BASE_URL is not set"):
        Settings(environment=environment, secret_key="x" * 40)
    with pytest.raises(ValidationError, match="RACT_BASE_URL must be an address"):
        Settings(environment=environment, secret_key="x" * 40, base_url="leren.example.nl")
    settings = Settings(environment=environment, secret_key="x" * 40, base_url=BASE + "/")
    assert settings.public_base_url == BASE and settings.trusted_hosts == ["leren.example.nl"]
    assert Settings(
        environment=environment, secret_key="x" * 40, base_url=BASE, allowed_hosts="leren.example.nl, intern.example.nl"
    ).trusted_hosts == ["leren.example.nl", "intern.example.nl"]
    development = Settings(environment="development")
    assert development.public_base_url == "http://127.0.0.1:8000"
    assert development.trusted_hosts == ["127.0.0.1", "localhost", "testserver"]


def test_serve_runs_uvicorn_without_access_log_and_without_trusting_forwarded_headers(monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setenv("RACT_CONTENT_DIR", str(CONTENT_DIR))
    result = runner.invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    ((args, options),) = calls
    assert args == ("api.main:app",)
    # uvicorn's access log writes the query string, where invitation links carry their token
    assert options["access_log"] is False
    assert options["proxy_headers"] is False  # client addresses (login throttling) from the connection
    monkeypatch.setenv("RACT_FORWARDED_ALLOW_IPS", "10.0.0.5")
    get_settings.cache_clear()
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert calls[1][1]["proxy_headers"] is True and calls[1][1]["forwarded_allow_ips"] == "10.0.0.5"
    assert calls[1][1]["access_log"] is False


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
    accounts = ("trainee", "trainer", "trainer2", "manager", "admin")
    assert [a for a in accounts if f"{a}@demo.local" not in first.output] == []  # every account the README lists
    again = runner.invoke(cli, ["demo-data"])
    assert "already present" in again.output
    ok = runner.invoke(
        cli,
        [
            "create-user",
            "--email",
            "Nieuw@Example.org",
            "--name",
            "Nieuwe Trainer",
            "--role",
            "trainer",
            "--organisation",
            "Gemeente Rotterdam",
            "--password",
            "een goed wachtwoord",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "nieuw@example.org" in ok.output
    dup = runner.invoke(
        cli,
        [
            "create-user",
            "--email",
            "nieuw@example.org",
            "--name",
            "X",
            "--role",
            "trainer",
            "--password",
            "een goed wachtwoord",
        ],
    )
    assert dup.exit_code == 2 and "already in use" in dup.output
    bad_role = runner.invoke(
        cli, ["create-user", "--email", "a@b.nl", "--name", "X", "--role", "boss", "--password", "een goed wachtwoord"]
    )
    assert bad_role.exit_code == 2 and "Unknown role" in bad_role.output
    weak = runner.invoke(
        cli, ["create-user", "--email", "c@d.nl", "--name", "X", "--role", "admin", "--password", "short"]
    )
    assert weak.exit_code == 2 and "at least 12 characters" in weak.output


def test_demo_data_has_the_promised_shape(demo):
    from collections import Counter

    from sqlmodel import select

    from training.models import Cohort, Enrolment, User, Wijk

    wijken = demo.exec(select(Wijk)).all()
    assert len(wijken) >= 6
    # the training demo's spring and autumn cohorts, and the monitor demo's finished cohort of last year (42 people)
    assert len(demo.exec(select(Cohort)).all()) == 3
    trainees = demo.exec(select(User).where(User.role == "trainee")).all()
    assert 35 + 42 <= len(trainees) <= 45 + 42
    per_wijk = Counter(e.wijk_id for e in demo.exec(select(Enrolment)))
    assert min(per_wijk.values()) < 5 and max(per_wijk.values()) >= 5
    for role in ("trainee", "trainer", "manager", "admin"):
        assert demo.exec(select(User).where(User.email == f"{role}@demo.local")).one().role == role


def test_create_user_asks_for_the_password_twice_when_not_given(monkeypatch, db_url_engine):
    from sqlmodel import Session, select

    from training.models import User
    from training.passwords import verify_password

    url, engine = db_url_engine
    monkeypatch.setenv("RACT_DATABASE_URL", url)
    args = ["create-user", "--email", "beheer@example.org", "--name", "Beheerder", "--role", "admin"]
    mismatch = runner.invoke(cli, args, input="een goed wachtwoord\niets anders\n")
    assert mismatch.exit_code != 0
    ok = runner.invoke(cli, args, input="een goed wachtwoord\neen goed wachtwoord\n")
    assert ok.exit_code == 0, ok.output
    assert "een goed wachtwoord" not in ok.output  # hidden input is not echoed
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == "beheer@example.org")).one()
        assert user.role == "admin" and verify_password("een goed wachtwoord", user.password_hash)


def test_content_check_reports_every_problem_with_file_and_line_and_exits_1(tmp_path):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    ok = runner.invoke(cli, ["content", "check", str(content)])
    assert ok.exit_code == 0, ok.output
    first = sorted((content / "modules").glob("*.md"))[0]
    lines = first.read_text(encoding="utf-8").split("\n")
    pass_line = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("pass_mark:"))
    lines[pass_line - 1] = "  pass_mark: 180"
    first.write_text("\n".join(lines), encoding="utf-8")
    (content / "modules" / "09-kapot.md").write_text("---\nid: [\n---\n", encoding="utf-8")
    bad = runner.invoke(cli, ["content", "check", str(content)])
    assert bad.exit_code == 1
    assert f"{first.name}:{pass_line}: knowledge_check.pass_mark: must be at most 100, got 180" in bad.output
    assert "09-kapot.md:2: invalid YAML" in bad.output


def _commands(group, prefix: str = "ract") -> list[str]:
    """Every command line the typer app offers, e.g. "ract serve", "ract export research"."""
    import typer.main

    click_group = typer.main.get_command(group)
    found = []

    def walk(command, path: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            found.append(path)
            return
        for name, sub in subcommands.items():
            walk(sub, f"{path} {name}")

    walk(click_group, prefix)
    return found


def test_the_readme_documents_every_command_and_every_setting():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    commands = _commands(cli)
    assert {"ract responses import", "ract export research", "ract content check", "ract send-reminders"} <= set(
        commands
    )
    assert [c for c in commands if f"`{c}" not in readme] == []
    variables = [f"RACT_{name.upper()}" for name in Settings.model_fields]
    assert [v for v in variables if v not in readme] == []


def test_content_check_reports_questionnaire_problems_with_file_and_line(tmp_path):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    instrument = content / "questionnaires" / "netwerkactivering.yaml"
    lines = instrument.read_text(encoding="utf-8").split("\n")
    scale_line = next(i for i, line in enumerate(lines, 1) if line.strip() == "scale: KEN")
    lines[scale_line - 1] = lines[scale_line - 1].replace("KEN", "KENN")
    instrument.write_text("\n".join(lines), encoding="utf-8")
    (content / "questionnaires" / "kapot.yaml").write_text("id: [\n", encoding="utf-8")
    bad = runner.invoke(cli, ["content", "check", str(content)])
    assert bad.exit_code == 1
    assert f"netwerkactivering.yaml:{scale_line}: items[0] (\"KEN1\").scale: unknown scale 'KENN'" in bad.output
    assert "kapot.yaml:2: invalid YAML" in bad.output
