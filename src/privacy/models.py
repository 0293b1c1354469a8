"""Tables of privacy: statements and their acknowledgements, research choices, retention policies and erasures.

Imports only ``training.models`` (the shared metadata), so that ``monitor`` may read the research choice here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from training.models import ts_column, utcnow  # the shared metadata and naming convention come first

# Bump when the wording of the research explanation (privacy.research) changes: exports record which one was read.
RESEARCH_EXPLANATION_VERSION = 1


class PrivacyStatement(SQLModel, table=True):
    """One version of an organisation's privacy statement; the newest version is the one in force."""

    __tablename__ = "privacy_statement"
    __table_args__ = (UniqueConstraint("organisation_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")


class StatementAcknowledgement(SQLModel, table=True):
    """A person saw this version of their organisation's statement (version 0: the built-in default)."""

    __tablename__ = "statement_acknowledgement"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    version: int
    acknowledged_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ResearchChoice(SQLModel, table=True):
    """A person's current choice about the evaluation research; earlier choices are in the audit trail."""

    __tablename__ = "research_choice"
    __table_args__ = (UniqueConstraint("user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    agreed: bool
    explanation_version: int  # which wording of the research explanation the person read
    chosen_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class RetentionPolicy(SQLModel, table=True):
    """How long an organisation keeps personal data after a cohort's last measurement window closed."""

    __tablename__ = "retention_policy"
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    months_after_last_window: int = Field(default=12)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class CohortRetention(SQLModel, table=True):
    """A cohort whose personal data the retention run has removed: the marker that makes a run resumable."""

    __tablename__ = "cohort_retention"
    cohort_id: int = Field(foreign_key="cohort.id", primary_key=True)
    processed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    people: int = Field(default=0)


class Erasure(SQLModel, table=True):
    """A person's account was anonymised: on request (with a reason) or by the retention run."""

    __tablename__ = "erasure"
    __table_args__ = (UniqueConstraint("user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")  # the anonymous stub that keeps the monitor's figures
    erased_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    kind: str = Field(max_length=20)  # request | objection | retention
    reason: str = Field(default="", max_length=1000)
    erased_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")  # None: the command line
