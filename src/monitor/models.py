"""Tables of the monitor: frozen instrument versions, measurement windows, responses and answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from training.models import ts_column, utcnow  # the shared metadata and naming convention come first


class InstrumentVersion(SQLModel, table=True):
    """A frozen snapshot of an instrument. Responses point here, so the wording they were given is never lost."""

    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("instrument_id", "version_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    instrument_id: str = Field(max_length=100, index=True)
    version_hash: str = Field(max_length=64)
    snapshot_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class MeasurementWindow(SQLModel, table=True):
    """When a cohort answers a moment (T0 voormeting, T1 nameting, T2 follow-up)."""

    __tablename__ = "measurement_window"
    __table_args__ = (
        UniqueConstraint("cohort_id", "moment"),
        CheckConstraint("moment IN ('T0', 'T1', 'T2')", name="moment_valid"),
        CheckConstraint("closes_on >= opens_on", name="window_order"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    moment: str = Field(sa_column=Column(String(2), nullable=False))
    opens_on: date
    closes_on: date
    # T1 only: "date" opens on opens_on; "modules_completed" opens for a trainee once all modules are completed
    # (and on opens_on at the latest).
    open_rule: str = Field(default="date", max_length=30)


class QuestionnaireResponse(SQLModel, table=True):
    """Exactly one per enrolment, moment and instrument (a database constraint)."""

    __tablename__ = "questionnaire_response"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "moment", "instrument_id"),
        CheckConstraint("status IN ('in_progress', 'submitted')", name="status_valid"),
    )
    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    moment: str = Field(sa_column=Column(String(2), nullable=False))
    instrument_id: str = Field(max_length=100)
    instrument_version_id: int = Field(foreign_key="instrument_version.id", index=True)
    status: str = Field(default="in_progress", max_length=20)
    started_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    submitted_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    entered_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")  # a trainer, for paper forms
    source: str = Field(default="web", max_length=20)  # web | paper | import
    # Paper forms: the date written on the form (when the trainee filled it in), required at entry
    # (monitor.questionnaire.paper).
    paper_date: date | None = Field(default=None)
    # Written once at submission (monitor.questionnaire.stored_scores): scale and then-test scores, and the recoded
    # item answers.
    scores_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    items_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Answer(SQLModel, table=True):
    """One closed item: value 1..5, or a missing code ("weet ik niet", "n.v.t.") kept apart from the scale."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id", "then_test"),)
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="questionnaire_response.id", index=True)
    item_id: str = Field(max_length=50)
    then_test: bool = Field(default=False)  # the retrospective "vóór de training" rating at T1
    value: int | None = Field(default=None)
    missing_code: str | None = Field(default=None, max_length=30)
    answered_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class OpenAnswer(SQLModel, table=True):
    """Free text: only ever shown to its author, never in aggregates or exports."""

    __tablename__ = "open_answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="questionnaire_response.id", index=True)
    question_id: str = Field(max_length=50)
    text: str = Field(sa_column=Column(Text, nullable=False))
    answered_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class AuditEvent(SQLModel, table=True):
    """One export: who, when, what kind, which format, scope and row count. Never the exported data itself."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)  # None: the command line
    channel: str = Field(max_length=10)  # web | cli
    action: str = Field(max_length=50)  # e.g. export.aggregate, export.research_long
    format: str = Field(max_length=10)  # csv | xlsx | json | sav
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    scope_json: str = Field(sa_column=Column(Text, nullable=False))  # the filters, as canonical JSON
    row_count: int | None = Field(default=None)


class RciReference(SQLModel, table=True):
    """The reliable-change reference of one scale on one instrument version, frozen once (monitor.report.references):
    Cronbach's α and the T0 SD of the version's first respondents. Never updated, so a published percentage
    reliably improved does not move when someone answers T0 later."""

    __tablename__ = "rci_reference"
    __table_args__ = (UniqueConstraint("instrument_version_id", "scale"),)
    id: int | None = Field(default=None, primary_key=True)
    instrument_version_id: int = Field(foreign_key="instrument_version.id", index=True)
    scale: str = Field(max_length=50)
    reliability: float | None = Field(default=None)  # Cronbach's α at T0 (None: not computable on the sample)
    sd_t0: float | None = Field(default=None)
    n_alpha: int = Field(default=0)  # complete item rows behind α
    n_sd: int = Field(default=0)  # scale scores behind the SD
    n_sample: int  # T0 responses in the reference sample
    frozen_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class DataVersion(SQLModel, table=True):
    """One row: a counter bumped in the same transaction as every committed write to a table that can change a
    monitor figure (``monitor.report.data_version``). The monitor caches its reports under it
    (``monitor.report.service``)."""

    __tablename__ = "data_version"
    id: int | None = Field(default=None, primary_key=True)
    n: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    epoch: str = Field(max_length=32)  # random, new whenever the row is (re)created
