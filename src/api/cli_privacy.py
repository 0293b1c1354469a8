"""The privacy commands of `ract`: the processing register and the retention run (docs/privacy.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

privacy_app = typer.Typer(help="Privacy: the processing register.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention: remove personal data whose period has passed.", no_args_is_help=True)

DOCS = Path(__file__).resolve().parents[2] / "docs"


@privacy_app.command("register")
def privacy_register(
    out: Annotated[Path, typer.Option(help="Directory for verwerkingsregister.md and .csv")] = DOCS,
) -> None:
    """Write the verwerkingsregister (Markdown and CSV) from the declarations in src/privacy/registry.py."""
    from privacy.registry import register_csv, register_markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "verwerkingsregister.md").write_text(register_markdown(), encoding="utf-8")
    (out / "verwerkingsregister.csv").write_text(register_csv(), encoding="utf-8")
    typer.echo(f"Wrote {out / 'verwerkingsregister.md'} and {out / 'verwerkingsregister.csv'}.")


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD") from None


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be removed")] = False,
    today: Annotated[str | None, typer.Option(help="Act as if it were this day (YYYY-MM-DD)")] = None,
) -> None:
    """Anonymise the people of every cohort whose retention period has passed; one transaction per cohort, safe to
    run from cron on several hosts at once (docs/privacy.md)."""
    from api.cli import _database, _settings
    from privacy.retention import due_cohorts, process_cohort
    from training.audit_trail import Actor, set_actor

    day = _parse_day(today) or date.today()
    settings = _settings()
    with _database(settings) as session:
        due = due_cohorts(session, today=day)
        session.rollback()
        for c in due:
            typer.echo(
                f"{'would remove' if dry_run else 'removing'}: cohort {c.cohort_id} '{c.name}' "
                f"(last window closed {c.last_window_closes}, expired {c.expires_on}): {c.people} people"
            )
        if dry_run:
            typer.echo(f"Dry run: {len(due)} cohorts, {sum(c.people for c in due)} people; nothing changed.")
            return
        done = people = 0
        for c in due:
            set_actor(session, Actor.command_line())
            handled = process_cohort(session, cohort_id=c.cohort_id, today=day)
            session.commit()
            if handled is not None:
                done, people = done + 1, people + handled
    typer.echo(f"Done: {done} cohorts, {people} people anonymised (recorded in the audit trail).")
