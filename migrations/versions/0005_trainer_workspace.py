"""trainer workspace: invitations, enrolment imports, outbox, reminders

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23 19:32:18.145440
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: invitation tokens are stored only as hashes; one reminder per enrolment, kind, subject and day is a
    # unique constraint (claimed before sending); existing cohorts get the default reminder schedule "7,2".
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_outbound_mail_cohort_id_cohort")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
    )
    with op.batch_alter_table("outbound_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_mail_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_mail_status"), ["status"], unique=False)

    op.create_table(
        "enrolment_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("rows_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_enrolment_import_cohort_id_cohort")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_enrolment_import_created_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_import")),
        sa.UniqueConstraint("token", name=op.f("uq_enrolment_import_token")),
    )
    with op.batch_alter_table("enrolment_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_import_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enrolment_import_created_by_user_id"), ["created_by_user_id"], unique=False
        )

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_invitation_cohort_id_cohort")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_invitation_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_user_id"), ["user_id"], unique=False)

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("subject_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("outbound_mail_id", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["user_account.id"], name=op.f("fk_reminder_created_by_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"], name=op.f("fk_reminder_enrolment_id_enrolment")),
        sa.ForeignKeyConstraint(
            ["outbound_mail_id"], ["outbound_mail.id"], name=op.f("fk_reminder_outbound_mail_id_outbound_mail")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint("enrolment_id", "kind", "subject_key", "sent_on", name=op.f("uq_reminder_enrolment_id")),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_enrolment_id"), ["enrolment_id"], unique=False)

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminder_days", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False, server_default="7,2"
            )
        )
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("reminder_days")

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_enrolment_id"))

    op.drop_table("reminder")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_user_id"))
        batch_op.drop_index(batch_op.f("ix_invitation_cohort_id"))

    op.drop_table("invitation")
    with op.batch_alter_table("enrolment_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_import_created_by_user_id"))
        batch_op.drop_index(batch_op.f("ix_enrolment_import_cohort_id"))

    op.drop_table("enrolment_import")
    with op.batch_alter_table("outbound_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_mail_status"))
        batch_op.drop_index(batch_op.f("ix_outbound_mail_cohort_id"))

    op.drop_table("outbound_mail")
