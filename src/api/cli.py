"""The `ract` command line: serve, migrate, demo data, users, content checks, mail, reminders and privacy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from api.cli_privacy import privacy_app, retention_app

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(help="R-ACT resourcegroepen platform", no_args_is_help=True, add_completion=False)
content_app = typer.Typer(help="Check the content files (modules, questionnaires).", no_args_is_help=True)
app.add_typer(content_app, name="content")
export_app = typer.Typer(help="Export data (audit-logged).", no_args_is_help=True)
app.add_typer(export_app, name="export")
responses_app = typer.Typer(help="Questionnaire responses (paper forms, other systems).", no_args_is_help=True)
app.add_typer(responses_app, name="responses")
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
organisation_app = typer.Typer(help="Organisations (gemeenten).", no_args_is_help=True)
app.add_typer(organisation_app, name="organisation")
wijken_app = typer.Typer(help="Gebieden and wijken of an organisation.", no_args_is_help=True)
app.add_typer(wijken_app, name="wijken")
app.add_typer(privacy_app, name="privacy")
app.add_typer(retention_app, name="retention")

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def _settings():
    from api.settings import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        for err in exc.errors():
            typer.echo(f"Configuration error: {err['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2) from None


# Every engine a command makes is disposed when the command ends, however it ends (api.cli._root): the tests run
# commands in-process, and a pooled PostgreSQL connection left to the garbage collector is a ResourceWarning there.
_ENGINES: list = []


@app.callback()
def _root(ctx: typer.Context) -> None:
    ctx.call_on_close(_dispose_engines)


def _dispose_engines() -> None:
    while _ENGINES:
        _ENGINES.pop().dispose()


def _engine(settings):
    from api.db import DatabaseUrlInvalid, make_engine

    try:
        engine = make_engine(settings.database_url)
    except DatabaseUrlInvalid as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    _ENGINES.append(engine)
    return engine


@contextmanager
def _database(settings) -> Iterator[Session]:
    """A session on a fresh engine that is disposed afterwards: no pooled connection outlives the command (the
    tests run commands in-process, where a leaked connection is a ResourceWarning)."""
    from sqlmodel import Session

    engine = _engine(settings)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def run_migrations(database_url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, revision)


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Bring the database schema up to date (Alembic)."""
    settings = _settings()
    engine = _engine(settings)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        where = settings.database_url.split("@")[-1]
        message = f"Cannot connect to the database ({where}): {exc.__class__.__name__}: {exc}"
        typer.echo(message.splitlines()[0], err=True)
        raise typer.Exit(2) from None
    run_migrations(settings.database_url, revision)
    typer.echo(f"Database migrated to {revision}.")
    if revision == "head":
        from sqlmodel import Session

        from monitor.questionnaire.stored_scores import backfill

        with Session(engine) as session:
            filled = backfill(session)
        if filled:
            typer.echo(f"Stored the scores of {filled} earlier submitted responses.")


@app.command("demo-data")
def demo_data(
    scale: Annotated[
        str,
        typer.Option(
            help="demo: one small organisation; city: 3 organisations, 6,000 trainees "
            "with T0/T1/T2 responses (for load tests)"
        ),
    ] = "demo",
    multiplier: Annotated[
        int, typer.Option(min=1, max=100, help="--scale city only: N times the trainees and wijken")
    ] = 1,
) -> None:
    """Load the demo organisation, cohorts and accounts (development only; idempotent)."""
    from sqlmodel import Session

    from demo.monitor_data import load_monitor_demo_data
    from demo.training_data import DEMO_PASSWORD, load_demo_data
    from monitor.questionnaire.instrument import load_instruments

    if scale not in ("demo", "city"):
        typer.echo(f"Unknown scale {scale!r}: choose demo or city.", err=True)
        raise typer.Exit(2)
    settings = _settings()
    if settings.environment == "production":
        typer.echo("Refusing to load demo data in production.", err=True)
        raise typer.Exit(2)
    engine = _engine(settings)
    if scale == "city":
        _city_data(settings, engine, multiplier)
        return
    with Session(engine) as session:
        created = load_demo_data(session)
        created |= load_monitor_demo_data(
            session, instruments=load_instruments(settings.content_dir / "questionnaires")
        )
        session.commit()
    if created:
        typer.echo("Demo data loaded: " + ", ".join(f"{v} {k}" for k, v in created.items()) + ".")
    else:
        typer.echo("Demo data already present; nothing changed.")
    typer.echo(
        "Demo accounts (development only): trainee@demo.local, trainer@demo.local, trainer2@demo.local, "
        "manager@demo.local, "
        f"admin@demo.local — password: {DEMO_PASSWORD}"
    )


def _city_data(settings, engine, multiplier: int) -> None:
    import time

    from sqlmodel import Session

    from demo.city_data import ORGANISATIONS, city_data_present, generate_city
    from demo.training_data import DEMO_PASSWORD
    from monitor.questionnaire.instrument import load_instruments
    from training.content import load_modules

    with Session(engine) as session:
        if city_data_present(session):
            typer.echo(
                "City data already present (organisation "
                f"{ORGANISATIONS[0][0]!r}); refusing to add them twice. Use a fresh database.",
                err=True,
            )
            raise typer.Exit(1)
        started = time.perf_counter()
        created = generate_city(
            session,
            multiplier=multiplier,
            instrument=load_instruments(settings.content_dir / "questionnaires")[0],
            modules=load_modules(settings.content_dir / "modules"),
        )
        session.commit()
    typer.echo(
        f"City data loaded in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in created.items())
        + "."
    )
    managers = ", ".join(f"manager@city{n}.local" for n in range(1, len(ORGANISATIONS) + 1))
    typer.echo(f"Accounts that can sign in (development only): {managers} — password: {DEMO_PASSWORD}")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="E-mail address (login name)")],
    name: Annotated[str, typer.Option(help="Full name")],
    role: Annotated[str, typer.Option(help="trainee | trainer | manager | admin")],
    organisation: Annotated[str | None, typer.Option(help="Organisation name")] = None,
    password: Annotated[str | None, typer.Option(help="Password; asked for when omitted", hidden=True)] = None,
) -> None:
    """Create an account."""
    from sqlmodel import select

    from training import accounts
    from training.errors import TrainingError
    from training.models import Organisation, Role

    if role not in {r.value for r in Role}:
        typer.echo(f"Unknown role {role!r}: choose trainee, trainer, manager or admin.", err=True)
        raise typer.Exit(2)
    settings = _settings()
    _engine(settings).dispose()  # validate the URL before asking for the password
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _database(settings) as session:
        org_id = None
        if organisation:
            org = session.exec(select(Organisation).where(Organisation.name == organisation)).first()
            if org is None:
                typer.echo(f"Unknown organisation {organisation!r}.", err=True)
                raise typer.Exit(2)
            org_id = org.id
        try:
            user = accounts.create_user(
                session, name=name, email=email, role=role, password=password, organisation_id=org_id
            )
        except TrainingError as exc:
            typer.echo(f"Cannot create user: {ENGLISH.get(exc.field or '', exc.message)}", err=True)
            raise typer.Exit(2) from None
        from training import audit_trail

        audit_trail.record(
            session,
            action="user.created",
            object_type="user",
            object_id=user.id,
            organisation_id=org_id,
            details={"role": user.role},
        )
        session.commit()
        typer.echo(f"Created {user.role} {user.email} (id {user.id}).")


@app.command("invitation-link")
def invitation_link(
    email: Annotated[str, typer.Argument(help="E-mail address of an account without a password")],
) -> None:
    """Print a fresh invitation link for an account that has not set a password yet (earlier links stop working).

    For the operator's terminal only: the link is never logged nor shown on a page. This is how a developer
    without a mail server accepts an invitation."""
    from sqlmodel import Session

    from training import invitations
    from training.errors import TrainingError

    settings = _settings()
    with Session(_engine(settings)) as session:
        try:
            issued = invitations.reissue_invitation(session, email=email)
        except TrainingError as exc:
            typer.echo(f"No link: {exc.message}", err=True)
            raise typer.Exit(1) from None
        session.commit()
    typer.echo(f"{settings.public_base_url}/uitnodiging?token={issued.token}")


ENGLISH = {
    "email": "the e-mail address is invalid or already in use",
    "password": "the password must be at least 12 characters and not trivial",
    "name": "the name is empty",
    "role": "unknown role",
}


@app.command("send-mail")
def send_mail() -> None:
    """Deliver the mail outbox over SMTP (retries messages that failed before)."""
    from mail.delivery import deliver_queued

    settings = _settings()
    if not settings.smtp_host:
        typer.echo("RACT_SMTP_HOST is not set: nothing is sent (the outbox page shows the queued messages).")
        return
    result = deliver_queued(_engine(settings), settings, limit=10_000)
    typer.echo(f"Mail: {result.sent} sent, {result.failed} failed (retried on the next run).")


@app.command("send-reminders")
def send_reminders(
    today: Annotated[str | None, typer.Option(help="Date to act as today (YYYY-MM-DD); default: today")] = None,
) -> None:
    """Queue the automatic reminders due today and deliver the outbox. Idempotent: run it as often as you like."""
    from datetime import date

    from sqlmodel import Session

    from mail.delivery import deliver_queued
    from monitor.questionnaire.reminders import send_due_reminders
    from training.content import load_modules

    settings = _settings()
    engine = _engine(settings)
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        typer.echo(f"Invalid date {today!r}: use YYYY-MM-DD.", err=True)
        raise typer.Exit(2) from None
    with Session(engine) as session:
        result = send_due_reminders(
            session,
            today=day,
            base_url=settings.public_base_url,
            modules=load_modules(settings.content_dir / "modules"),
        )
        session.commit()
    typer.echo(f"Reminders for {day.isoformat()}: {result.queued} queued, {result.skipped} already sent today.")
    if settings.smtp_host:
        delivered = deliver_queued(engine, settings, limit=10_000)
        typer.echo(f"Mail: {delivered.sent} sent, {delivered.failed} failed (retried on the next run).")


# On SIGTERM uvicorn stops accepting and lets the requests in flight finish, by default for as long as they take:
# a worker stuck under load then never stopped (issue 11). After this many seconds the rest are cancelled; a
# request whose thread is inside a database call still ends within the lock or statement timeout (api.db.Timeouts).
GRACEFUL_SHUTDOWN_SECONDS = 5


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32)] = 1,
    reload: Annotated[bool, typer.Option()] = False,
) -> None:
    """Serve the web application with uvicorn."""
    import uvicorn

    settings = _settings()
    _engine(settings)  # validate the URL before starting workers
    _check_content_or_exit(settings)
    uvicorn.run("api.main:app", **serve_options(settings, host=host, port=port, workers=workers, reload=reload))


def serve_options(settings, *, host: str, port: int, workers: int, reload: bool) -> dict:
    """uvicorn's options. No access log: it writes query strings, and invitation links carry their token there
    (the app logs every request itself, path only). X-Forwarded-For only from RACT_FORWARDED_ALLOW_IPS."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "reload": reload,
        "factory": False,
        "log_level": settings.log_level.lower(),
        "access_log": False,
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or "127.0.0.1",
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }


def _check_content_or_exit(settings) -> None:
    problems = content_problems(settings.content_dir)
    if problems:
        typer.echo("Content files are invalid; refusing to start:", err=True)
        for p in problems:
            typer.echo(f"  {p}", err=True)
        raise typer.Exit(2)


def content_problems(content_dir: Path) -> list:
    """Every problem in the content directory (modules and questionnaires), or []."""
    from api.content import check_content

    return check_content(content_dir)


@content_app.command("check")
def content_check(
    directory: Annotated[Path | None, typer.Argument(help="Content directory (default: RACT_CONTENT_DIR)")] = None,
    warnings_ok: Annotated[
        bool, typer.Option("--warnings-ok", help="Exit 0 when there are warnings but no problems")
    ] = False,
) -> None:
    """Validate every module and questionnaire file; report each problem with file and line, then the warnings
    about knowledge checks that can be passed by guessing. Exit 1 on problems, and on warnings unless --warnings-ok."""
    directory = directory or _settings().content_dir
    if not directory.is_dir():
        typer.echo(f"Not a directory: {directory}", err=True)
        raise typer.Exit(2)
    problems = content_problems(directory)
    if problems:
        for p in problems:
            typer.echo(str(p))
        typer.echo(f"{len(problems)} problem(s) found.", err=True)
        raise typer.Exit(1)
    from api.content import content_warnings

    warnings = content_warnings(directory)
    for w in warnings:
        typer.echo(f"warning: {w}")
    if warnings:
        typer.echo(f"Content OK, but {len(warnings)} warning(s) about knowledge checks.", err=True)
        if not warnings_ok:
            raise typer.Exit(1)
        return
    typer.echo("Content OK.")


EXPORT_FORMATS = ("long", "wide", "spss", "codebook")


@export_app.command("research")
def export_research(
    format: Annotated[str, typer.Option("--format", help="long | wide | spss | codebook (.csv or .json by --out)")],
    out: Annotated[Path, typer.Option("--out", help="File to write")],
    organisation: Annotated[str | None, typer.Option(help="Organisation name (needed when there are several)")] = None,
) -> None:
    """Write a pseudonymised research file (new pseudonyms every time; no names, e-mails or open answers)."""
    from sqlmodel import Session, select

    from monitor.exports.research import write_research_file
    from monitor.questionnaire.instrument import load_instruments
    from monitor.report.disclosure import Thresholds
    from training.models import Organisation

    if format not in EXPORT_FORMATS:
        typer.echo(f"Unknown format {format!r}: choose long, wide, spss or codebook.", err=True)
        raise typer.Exit(2)
    kind = format
    if format == "codebook":
        if out.suffix.lower() not in (".csv", ".json"):
            typer.echo("The codebook is written as CSV or JSON: let --out end in .csv or .json.", err=True)
            raise typer.Exit(2)
        kind = "codebook_" + out.suffix.lower().lstrip(".")
    if out.is_dir() or not out.parent.is_dir():
        typer.echo(f"Cannot write {out}: give a file in an existing directory.", err=True)
        raise typer.Exit(2)
    settings = _settings()
    with Session(_engine(settings)) as session:
        orgs = session.exec(select(Organisation).order_by(Organisation.name)).all()
        chosen = [o for o in orgs if organisation is None or o.name == organisation]
        if len(chosen) != 1:
            problem = (
                f"Unknown organisation {organisation!r}."
                if organisation
                else "Choose an organisation with --organisation: " + ", ".join(o.name for o in orgs) + "."
            )
            typer.echo(problem if orgs else "There are no organisations.", err=True)
            raise typer.Exit(2)
        instrument = load_instruments(settings.content_dir / "questionnaires")[0]
        thresholds = Thresholds(
            min_n=settings.min_group_n, min_paired=settings.min_paired_n, priority=settings.disclosure_priority
        )
        count = write_research_file(
            session,
            organisation=chosen[0],
            instrument=instrument,
            thresholds=thresholds,
            kind=kind,
            path=out,
            user_id=None,
            channel="cli",
        )
        name = chosen[0].name
        session.commit()
    typer.echo(f"Wrote {count} rows to {out} (organisation {name}; logged in the audit log).")


@responses_app.command("import")
def responses_import(
    file: Annotated[Path, typer.Argument(help="CSV: email,cohort,moment,item,value,submitted_at")],
) -> None:
    """Import submitted responses. Checks the whole file first: any bad row and nothing is written (exit 1)."""
    from sqlmodel import Session

    from monitor.questionnaire.importing import import_responses
    from monitor.questionnaire.instrument import load_instruments

    settings = _settings()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        typer.echo(f"Cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from None
    instrument = load_instruments(settings.content_dir / "questionnaires")[0]
    with Session(_engine(settings)) as session:
        result = import_responses(session, text=text, instrument=instrument)
        if result.problems:
            session.rollback()
            for problem in result.problems:
                typer.echo(str(problem), err=True)
            typer.echo(f"{len(result.problems)} problem(s) found; nothing was imported.", err=True)
            raise typer.Exit(1)
        from training import audit_trail

        audit_trail.record(
            session,
            action="responses.imported",
            object_type="file",
            object_id=file.name,
            details={"responses": result.responses, "values_imported": result.answers},
        )
        session.commit()
    typer.echo(f"Imported {result.responses} response(s) with {result.answers} answer(s).")


@organisation_app.command("create")
def organisation_create(name: Annotated[str, typer.Argument(help='Name, e.g. "Gemeente Schiedam"')]) -> None:
    """Create an organisation (recorded in the audit trail)."""

    from training import organisations
    from training.errors import TrainingError

    settings = _settings()
    with _database(settings) as session:
        try:
            org = organisations.create_organisation(session, user=None, name=name)
        except TrainingError as exc:
            typer.echo(f"Cannot create organisation: {exc.message}", err=True)
            raise typer.Exit(1) from None
        session.commit()
        typer.echo(f"Created organisation {org.name!r} (id {org.id}).")


@wijken_app.command("import")
def wijken_import(
    file: Annotated[Path, typer.Argument(help="CSV: code,naam,gebied (code may be empty; # starts a comment)")],
    organisation: Annotated[str, typer.Option(help="Organisation name")],
    create_gebieden: Annotated[bool, typer.Option(help="Create gebieden the file names that do not exist yet")] = True,
) -> None:
    """Import wijken. Checks the whole file first: any bad row and nothing is written (exit 1)."""

    from training import organisations
    from training.ids import id_of

    settings = _settings()
    try:
        data = file.read_bytes()
    except OSError as exc:
        typer.echo(f"Cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from None
    with _database(settings) as session:
        org = organisations.find_organisation(session, name=organisation)
        if org is None:
            typer.echo(
                f"Unknown organisation {organisation!r} (create it with: ract organisation create NAME).", err=True
            )
            raise typer.Exit(2)
        try:
            count = organisations.import_wijken(
                session,
                user=None,
                organisation_id=id_of(org),
                data=data,
                create_gebieden=create_gebieden,
                filename=file.name,
            )
        except organisations.WijkenImportRefused as exc:
            session.rollback()
            for problem in exc.problems:
                typer.echo(problem, err=True)
            typer.echo(f"{len(exc.problems)} problem(s) found; nothing was imported.", err=True)
            raise typer.Exit(1) from None
        name = org.name
        session.commit()
    typer.echo(f"Imported {count} wijken into {name}.")


@audit_app.command("prune")
def audit_prune(
    days: Annotated[int | None, typer.Option(help="Keep this many days (default: RACT_AUDIT_RETENTION_DAYS)")] = None,
) -> None:
    """Delete audit entries older than the retention period; the pruning itself is recorded in the trail."""
    import logging

    from training import audit_trail

    settings = _settings()
    retention = days if days is not None else settings.audit_retention_days
    if retention < audit_trail.MIN_RETENTION_DAYS:
        typer.echo(f"The retention is at least {audit_trail.MIN_RETENTION_DAYS} days.", err=True)
        raise typer.Exit(2)
    with _database(settings) as session:
        deleted = audit_trail.prune(session, retention_days=retention)
        session.commit()
    logging.getLogger("ract.audit").warning("audit_pruned deleted=%s retention_days=%s", deleted, retention)
    typer.echo(f"Deleted {deleted} audit entries older than {retention} days (recorded in the audit trail).")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
