"""The audit trail: record who did what, from where, with what result; search, page and prune it.

Every entry is written in the caller's transaction, so an action that rolls back leaves no entry, and a refused
sign-in (whose request still commits) leaves one. The actor (user id, role, client address, channel) is put on the
database session once per request or command (``set_actor``); ``record`` reads it from there, so services record
without knowing about requests. Never passwords, answers, notes or tokens: ``record`` refuses such detail keys.
One deliberate exception: an admin's correction of a submitted response (``response.corrected``,
monitor.questionnaire.paper) keeps
each changed closed item's old and new value (a scale value or code, never free text), so a correction can be traced
and undone.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import delete, func, text
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from training.models import AuditEntry, User, utcnow
from training.spreadsheet import spreadsheet_safe

ACTOR_KEY = "audit_actor"
WEB, CLI = "web", "cli"
OK, FAILED, REFUSED = "ok", "failed", "refused"
# Detail keys that would carry a secret or a person's own words; a programming error, refused loudly.
FORBIDDEN_DETAIL_WORDS = ("password", "wachtwoord", "token", "answer", "antwoord", "note", "notitie")
# The shortest retention the PostgreSQL trigger allows pruning for (migration 0010).
MIN_RETENTION_DAYS = 30
PAGE_SIZE = 50

# What the admin page shows for each action (Dutch); unknown actions are shown as they are.
ACTION_LABELS: dict[str, str] = {
    "login.succeeded": "Ingelogd",
    "login.failed": "Inloggen mislukt",
    "login.throttled": "Inloggen geblokkeerd (te veel pogingen)",
    "logout": "Uitgelogd",
    "password.changed": "Wachtwoord gewijzigd",
    "password.change_failed": "Wachtwoord wijzigen mislukt",
    "password.reset_requested": "Wachtwoordherstel aangevraagd",
    "password.reset": "Wachtwoord hersteld via e-maillink",
    "invitation.sent": "Uitnodiging verstuurd",
    "invitation.accepted": "Uitnodiging geaccepteerd",
    "user.invited": "Account aangemaakt en uitgenodigd",
    "user.created": "Account aangemaakt",
    "user.changed": "Account gewijzigd",
    "user.deactivated": "Account gedeactiveerd",
    "user.reactivated": "Account geactiveerd",
    "user.unlocked": "Account ontgrendeld",
    "organisation.created": "Organisatie aangemaakt",
    "organisation.renamed": "Organisatie hernoemd",
    "organisation.archived": "Organisatie gearchiveerd",
    "gebied.created": "Gebied aangemaakt",
    "gebied.renamed": "Gebied hernoemd",
    "gebied.archived": "Gebied gearchiveerd",
    "wijk.created": "Wijk aangemaakt",
    "wijk.renamed": "Wijk gewijzigd",
    "wijk.archived": "Wijk gearchiveerd",
    "wijken.imported": "Wijken geïmporteerd",
    "cohort.created": "Groep aangemaakt",
    "cohort.changed": "Groep en meetmomenten gewijzigd",
    "cohort.archived": "Groep gearchiveerd",
    "enrolment.created": "Deelnemer ingeschreven",
    "enrolment.imported": "Deelnemers geïmporteerd",
    "enrolment.deactivated": "Deelnemer gedeactiveerd",
    "enrolment.reactivated": "Deelnemer geactiveerd",
    "enrolment.moved": "Deelnemer verplaatst",
    "response.submitted": "Vragenlijst ingediend",
    "response.paper_entered": "Papieren vragenlijst ingevoerd",
    "response.corrected": "Ingediende vragenlijst gecorrigeerd",
    "responses.imported": "Vragenlijsten geïmporteerd",
    "audit.exported": "Audit-log gedownload",
    "export.aggregate": "Monitortabel gedownload",
    "export.research_long": "Onderzoeksbestand gedownload (lang)",
    "export.research_wide": "Onderzoeksbestand gedownload (breed)",
    "export.research_spss": "Onderzoeksbestand gedownload (SPSS)",
    "export.research_codebook": "Codeboek van het onderzoeksbestand gedownload",
    "audit.pruned": "Oude audit-regels verwijderd",
    "research.chosen": "Keuze over onderzoek vastgelegd",
    "privacy.statement_changed": "Privacyverklaring gewijzigd",
    "privacy.statement_seen": "Privacyverklaring gezien",
    "privacy.own_data_downloaded": "Eigen gegevens gedownload",
    "privacy.erased": "Persoonsgegevens verwijderd (verzoek)",
    "privacy.retention_run": "Bewaartermijn uitgevoerd",
    "privacy.retention_changed": "Bewaartermijn gewijzigd",
}
RESULT_LABELS = {OK: "gelukt", FAILED: "mislukt", REFUSED: "geweigerd"}


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user (id and role), an anonymous visitor (both None) or the command line."""

    user_id: int | None = None
    role: str | None = None
    client_address: str | None = None
    channel: str = WEB

    @classmethod
    def command_line(cls) -> Actor:
        return cls(channel=CLI)

    def as_user(self, user: User) -> Actor:
        """The same request, now on behalf of ``user`` (e.g. right after signing in)."""
        return Actor(user.id, user.role, self.client_address, self.channel)


def set_actor(session: Session, actor: Actor) -> None:
    session.info[ACTOR_KEY] = actor


def actor_of(session: Session) -> Actor:
    actor = session.info.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else Actor.command_line()


def _check_details(details: Mapping[str, Any]) -> None:
    for key in details:
        if any(word in key.lower() for word in FORBIDDEN_DETAIL_WORDS):
            raise ValueError(f"audit details may not carry {key!r} (no secrets, answers or notes in the trail)")


def record(
    session: Session,
    *,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    organisation_id: int | None = None,
    result: str = OK,
    details: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction (flushed, never committed here)."""
    details = dict(details or {})
    _check_details(details)
    actor = actor or actor_of(session)
    entry = AuditEntry(
        created_at=now or utcnow(),
        user_id=actor.user_id,
        role=actor.role,
        client_address=(actor.client_address or None) and actor.client_address[:100],
        channel=actor.channel,
        action=action[:60],
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:100],
        organisation_id=organisation_id,
        result=result,
        details_json=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What the admin page filters on; every field optional."""

    user: str = ""  # a user id, or part of a name or e-mail address
    action: str = ""  # an action or its prefix ("login" matches login.failed, ...)
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def as_query(self) -> dict[str, str]:
        return {
            k: v
            for k, v in {
                "wie": self.user,
                "actie": self.action,
                "van": self.date_from.isoformat() if self.date_from else "",
                "tot": self.date_to.isoformat() if self.date_to else "",
            }.items()
            if v
        }


@dataclass
class AuditLine:
    entry: AuditEntry
    user_name: str | None
    user_email: str | None

    @property
    def details(self) -> dict[str, Any]:
        try:
            details: dict[str, Any] = json.loads(self.entry.details_json)
        except ValueError:
            return {}
        return details


@dataclass
class AuditPage:
    lines: list[AuditLine]
    total: int
    page: int
    pages: int


def _query(session: Session, flt: AuditFilter) -> Select[AuditEntry, str, str]:
    q = select(AuditEntry, col(User.name), col(User.email)).join(
        User, col(User.id) == col(AuditEntry.user_id), isouter=True
    )
    who = flt.user.strip()
    if who.isascii() and who.isdigit():
        q = q.where(AuditEntry.user_id == int(who)) if int(who) < 2**31 else q.where(False)
    elif who:
        pattern = f"%{who.lower()}%"
        q = q.where(func.lower(User.name).like(pattern) | func.lower(User.email).like(pattern))
    action = flt.action.strip()
    if action:
        q = q.where((col(AuditEntry.action) == action) | col(AuditEntry.action).like(action.replace("%", "") + ".%"))
    if flt.date_from:
        q = q.where(AuditEntry.created_at >= datetime.combine(flt.date_from, time(), UTC))
    if flt.date_to:
        q = q.where(AuditEntry.created_at < datetime.combine(flt.date_to + timedelta(days=1), time(), UTC))
    return q


def search(session: Session, *, flt: AuditFilter, page: int = 1, page_size: int = PAGE_SIZE) -> AuditPage:
    """One page of matching entries, newest first."""
    q = _query(session, flt)
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = session.exec(q.order_by(col(AuditEntry.id).desc()).offset((page - 1) * page_size).limit(page_size)).all()
    return AuditPage([AuditLine(e, name, email) for e, name, email in rows], total, page, pages)


def all_matching(session: Session, *, flt: AuditFilter, limit: int = 100_000) -> list[AuditLine]:
    """Every matching entry, newest first (for the CSV download; at most ``limit``)."""
    rows = session.exec(_query(session, flt).order_by(col(AuditEntry.id).desc()).limit(limit)).all()
    return [AuditLine(e, name, email) for e, name, email in rows]


def known_actions(session: Session) -> list[str]:
    """The actions to offer in the filter: every labelled one plus any that occur."""
    seen = set(session.exec(select(AuditEntry.action).distinct()))
    return sorted(set(ACTION_LABELS) | seen)


def prune(session: Session, *, retention_days: int, now: datetime | None = None) -> int:
    """Delete entries older than ``retention_days`` and record that it happened; returns how many were deleted."""
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"the retention is at least {MIN_RETENTION_DAYS} days")
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    if session.get_bind().dialect.name == "postgresql":
        # The append-only trigger lets this transaction, and only rows older than 30 days, through.
        session.execute(text("SET LOCAL ract.audit_prune = 'on'"))
    result = session.execute(delete(AuditEntry).where(col(AuditEntry.created_at) < cutoff))
    deleted = cast("CursorResult[Any]", result).rowcount
    record(
        session,
        action="audit.pruned",
        details={"deleted": deleted, "older_than": cutoff.isoformat(), "retention_days": retention_days},
        now=now,
    )
    return deleted


CSV_COLUMNS = (
    "tijdstip_utc",
    "gebruiker_id",
    "naam",
    "rol",
    "clientadres",
    "kanaal",
    "actie",
    "object_type",
    "object_id",
    "organisatie_id",
    "resultaat",
    "details",
)


def audit_csv(lines: list[AuditLine]) -> str:
    """The entries as CSV (comma-separated, UTF-8); every text cell spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        e = line.entry
        created = e.created_at if e.created_at.tzinfo else e.created_at.replace(tzinfo=UTC)
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    e.user_id,
                    line.user_name,
                    e.role,
                    e.client_address,
                    e.channel,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.organisation_id,
                    e.result,
                    e.details_json,
                )
            ]
        )
    return out.getvalue()
