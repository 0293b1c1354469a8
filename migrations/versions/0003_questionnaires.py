"""questionnaires: instrument versions, windows, responses, answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:24:34.896467
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: one response per enrolment, moment and instrument is a unique constraint;
    # answers keep missing codes apart.
    op.create_table(
        "instrument_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("version_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("snapshot_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_version")),
        sa.UniqueConstraint("instrument_id", "version_hash", name=op.f("uq_instrument_version_instrument_id")),
    )
    with op.batch_alter_table("instrument_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instrument_version_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "measurement_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("moment", sa.String(length=2), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("open_rule", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.CheckConstraint("moment IN ('T0', 'T1', 'T2')", name=op.f("ck_measurement_window_moment_valid")),
        sa.CheckConstraint("closes_on >= opens_on", name=op.f("ck_measurement_window_window_order")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_measurement_window_cohort_id_cohort")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_window")),
        sa.UniqueConstraint("cohort_id", "moment", name=op.f("uq_measurement_window_cohort_id")),
    )
    with op.batch_alter_table("measurement_window", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measurement_window_cohort_id"), ["cohort_id"], unique=False)

    op.create_table(
        "questionnaire_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("moment", sa.String(length=2), nullable=False),
        sa.Column("instrument_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.CheckConstraint(
            "status IN ('in_progress', 'submitted')", name=op.f("ck_questionnaire_response_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolment.id"], name=op.f("fk_questionnaire_response_enrolment_id_enrolment")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_questionnaire_response_entered_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_version.id"],
            name=op.f("fk_questionnaire_response_instrument_version_id_instrument_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_response")),
        sa.UniqueConstraint(
            "enrolment_id", "moment", "instrument_id", name=op.f("uq_questionnaire_response_enrolment_id")
        ),
    )
    with op.batch_alter_table("questionnaire_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questionnaire_response_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_questionnaire_response_instrument_version_id"), ["instrument_version_id"], unique=False
        )

    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("then_test", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("missing_code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"], ["questionnaire_response.id"], name=op.f("fk_answer_response_id_questionnaire_response")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
        sa.UniqueConstraint("response_id", "item_id", "then_test", name=op.f("uq_answer_response_id")),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_response_id"), ["response_id"], unique=False)

    op.create_table(
        "open_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["questionnaire_response.id"],
            name=op.f("fk_open_answer_response_id_questionnaire_response"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_answer")),
        sa.UniqueConstraint("response_id", "question_id", name=op.f("uq_open_answer_response_id")),
    )
    with op.batch_alter_table("open_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open_answer_response_id"), ["response_id"], unique=False)


def downgrade() -> None:
    # Reviewed: one response per enrolment, moment and instrument is a unique constraint;
    # answers keep missing codes apart.
    with op.batch_alter_table("open_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open_answer_response_id"))

    op.drop_table("open_answer")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_response_id"))

    op.drop_table("answer")
    with op.batch_alter_table("questionnaire_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_response_instrument_version_id"))
        batch_op.drop_index(batch_op.f("ix_questionnaire_response_enrolment_id"))

    op.drop_table("questionnaire_response")
    with op.batch_alter_table("measurement_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_window_cohort_id"))

    op.drop_table("measurement_window")
    with op.batch_alter_table("instrument_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instrument_version_instrument_id"))

    op.drop_table("instrument_version")
