"""Tables of the programme: organisations, gebieden, wijken, users, cohorts and enrolments."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import Column, DateTime, Index, MetaData, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# One naming convention for every constraint, set before any table is defined, so migrations are stable
# across SQLite and PostgreSQL.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts_column(*, nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Role(str, enum.Enum):
    trainee = "trainee"
    trainer = "trainer"
    manager = "manager"
    admin = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.trainee: "Deelnemer",
    Role.trainer: "Trainer",
    Role.manager: "Projectleiding",
    Role.admin: "Beheerder",
}


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    # Archived: kept with all its history, no longer offered for new cohorts or accounts.
    archived_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class Gebied(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    archived_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class Wijk(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        UniqueConstraint("organisation_id", "code", name="uq_wijk_organisation_id_code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    gebied_id: int | None = Field(default=None, foreign_key="gebied.id", index=True)
    name: str = Field(max_length=200)
    code: str | None = Field(default=None, max_length=20)  # e.g. the CBS wijk code WK059901
    # Archived: enrolments keep it as their snapshot and the monitor still counts them; not offered for new ones.
    archived_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320, unique=True)
    password_hash: str | None = Field(default=None, max_length=500)
    role: str = Field(sa_column=Column(String(20), nullable=False))  # a Role value
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    wijk_id: int | None = Field(default=None, foreign_key="wijk.id", index=True)
    is_active: bool = Field(default=True)
    # Bumped on password change and logout-everywhere: signed session cookies carrying an older value are void.
    session_version: int = Field(default=1)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    last_login_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class Cohort(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    start_date: date
    end_date: date
    # Hook for the questionnaire: modules open only after the trainee submitted the voormeting (T0).
    require_t0_before_modules: bool = Field(default=False)
    # The certificate of completion also asks for the submitted nameting (T1), not only every module.
    certificate_requires_t1: bool = Field(default=False)
    # Automatic reminders go out this many days before a measurement window closes ("7,2"; empty: none).
    reminder_days: str = Field(default="7,2", max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    archived_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class CohortTrainer(SQLModel, table=True):
    __tablename__ = "cohort_trainer"
    cohort_id: int = Field(foreign_key="cohort.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, index=True)


class CohortModule(SQLModel, table=True):
    """A module in the cohort's programme, with an optional due date. A cohort without rows has all modules."""

    __tablename__ = "cohort_module"
    cohort_id: int = Field(foreign_key="cohort.id", primary_key=True)
    module_id: str = Field(max_length=100, primary_key=True)  # the module's stable id from content/modules
    due_on: date | None = Field(default=None)


class Enrolment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    # Snapshot of the trainee's wijk at enrolment: the monitor groups by it even if the person moves later.
    wijk_id: int = Field(foreign_key="wijk.id", index=True)
    enrolled_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    deactivated_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class ModuleProgress(SQLModel, table=True):
    """A trainee's standing in one module. Survives content edits: keyed by the module's stable id."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    module_id: str = Field(max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    completed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    attempts: int = Field(default=0)
    best_score: float | None = Field(default=None)
    content_hash: str = Field(max_length=64)  # the module version of the last recorded activity


class SectionRead(SQLModel, table=True):
    __tablename__ = "section_read"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "section_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    module_id: str = Field(max_length=100)
    section_id: str = Field(max_length=100)
    read_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    content_hash: str = Field(max_length=64)


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    module_id: str = Field(max_length=100)
    answers_json: str  # {"question_id": ["option_id", ...]}
    score: float
    passed: bool
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    # {"question_id": ["option_id", ...]} in the order shown; None for attempts from before options were shuffled
    option_order_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class QuizOpenAttempt(SQLModel, table=True):
    """A knowledge check a trainee has opened and not yet submitted: the shuffled option order, kept so that a
    reload shows the same order and the submitted positions are scored against what was shown."""

    __tablename__ = "quiz_open_attempt"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    module_id: str = Field(max_length=100)
    content_hash: str = Field(max_length=64)
    option_order_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ReflectionNote(SQLModel, table=True):
    """Private to its author: no role, service or export ever reads another person's notes."""

    __tablename__ = "reflection_note"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "prompt_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    module_id: str = Field(max_length=100)
    prompt_id: str = Field(max_length=100)
    text: str = Field(max_length=10000)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Invitation(SQLModel, table=True):
    """A one-time link to set a password. Only the SHA-256 of the token is stored; the link is in the e-mail alone."""

    __table_args__ = (UniqueConstraint("token_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", index=True)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    expires_at: datetime = Field(sa_column=ts_column())
    used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class EnrolmentImport(SQLModel, table=True):
    """A parsed CSV waiting for confirmation: the preview is stored here so the confirm step cannot be altered."""

    __tablename__ = "enrolment_import"
    __table_args__ = (UniqueConstraint("token"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    created_by_user_id: int = Field(foreign_key="user_account.id", index=True)
    token: str = Field(max_length=64)
    filename: str = Field(default="", max_length=255)
    rows_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    confirmed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class OutboundMail(SQLModel, table=True):
    """The outbox: queued in the request's transaction, delivered after commit, retried until sent."""

    __tablename__ = "outbound_mail"
    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="queued", max_length=20, index=True)  # queued | sending | sent | failed
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=1000)
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    claimed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class Reminder(SQLModel, table=True):
    """One reminder per enrolment, kind and subject per day: the row is claimed (inserted) before the mail is queued."""

    __table_args__ = (UniqueConstraint("enrolment_id", "kind", "subject_key", "sent_on"),)
    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    kind: str = Field(max_length=20)  # auto | manual
    subject_key: str = Field(max_length=100)  # e.g. the moment "T0"
    sent_on: date
    outbound_mail_id: int | None = Field(default=None, foreign_key="outbound_mail.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries a random token, this row its hash. Live until ended or expired."""

    __tablename__ = "user_session"
    id: str = Field(primary_key=True, max_length=64)  # sha256 hex of the cookie's token
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(sa_column=ts_column())
    last_seen_at: datetime = Field(sa_column=ts_column())
    ended_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    user_agent: str | None = Field(default=None, max_length=300)


class LoginThrottle(SQLModel, table=True):
    """Attempts reserved under one throttle key (a hash of account and/or client address) in the current window."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=100)  # "<scope>:<sha256 hex>"
    attempts: int = Field(default=0)
    window_started_at: datetime = Field(sa_column=ts_column())


class AuditEntry(SQLModel, table=True):
    """One line of the audit trail: when, who (id and role), from where, what, on which object, with what result.

    Append-only (PostgreSQL refuses UPDATE and DELETE by trigger, migration 0010); never passwords, answers or notes.
    ``user_id`` has no foreign key on purpose: the trail outlives what it talks about."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_created_at", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    user_id: int | None = Field(default=None, index=True)  # None: anonymous (a failed sign-in) or the command line
    role: str | None = Field(default=None, max_length=20)
    client_address: str | None = Field(default=None, max_length=100)
    channel: str = Field(default="web", max_length=10)  # web | cli
    action: str = Field(max_length=60, index=True)  # e.g. login.failed, user.deactivated, export.aggregate
    object_type: str | None = Field(default=None, max_length=40)
    object_id: str | None = Field(default=None, max_length=100)
    organisation_id: int | None = Field(default=None, index=True)
    result: str = Field(default="ok", max_length=20)  # ok | failed | refused
    details_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class PasswordReset(SQLModel, table=True):
    """A one-time link to choose a new password. Only the SHA-256 of the token is stored, as for invitations."""

    __tablename__ = "password_reset"
    __table_args__ = (UniqueConstraint("token_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    expires_at: datetime = Field(sa_column=ts_column())
    used_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class WijkImport(SQLModel, table=True):
    """A parsed wijken CSV waiting for confirmation (as EnrolmentImport): confirm writes exactly what was previewed."""

    __tablename__ = "wijk_import"
    __table_args__ = (UniqueConstraint("token"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    token: str = Field(max_length=64)
    filename: str = Field(default="", max_length=255)
    rows_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    confirmed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
