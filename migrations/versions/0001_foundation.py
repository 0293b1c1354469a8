"""organisations, wijken, users, cohorts, enrolments

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:10:13.985055
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: tables of the foundation issue.
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    op.create_table(
        "cohort",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_cohort_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_cohort_organisation_id")),
    )
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "gebied",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_gebied_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gebied")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_gebied_organisation_id")),
    )
    with op.batch_alter_table("gebied", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gebied_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "wijk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("gebied_id", sa.Integer(), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["gebied_id"], ["gebied.id"], name=op.f("fk_wijk_gebied_id_gebied")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_wijk_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wijk")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_wijk_organisation_id")),
    )
    with op.batch_alter_table("wijk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wijk_gebied_id"), ["gebied_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wijk_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("wijk_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_user_account_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(["wijk_id"], ["wijk.id"], name=op.f("fk_user_account_wijk_id_wijk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_account_wijk_id"), ["wijk_id"], unique=False)

    op.create_table(
        "cohort_trainer",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_cohort_trainer_cohort_id_cohort")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_cohort_trainer_user_id_user_account")),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", name=op.f("pk_cohort_trainer")),
    )
    with op.batch_alter_table("cohort_trainer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_trainer_user_id"), ["user_id"], unique=False)

    op.create_table(
        "enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("wijk_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_enrolment_cohort_id_cohort")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_enrolment_user_id_user_account")),
        sa.ForeignKeyConstraint(["wijk_id"], ["wijk.id"], name=op.f("fk_enrolment_wijk_id_wijk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment")),
        sa.UniqueConstraint("cohort_id", "user_id", name=op.f("uq_enrolment_cohort_id")),
    )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolment_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolment_wijk_id"), ["wijk_id"], unique=False)


def downgrade() -> None:
    # Reviewed: tables of the foundation issue.
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_wijk_id"))
        batch_op.drop_index(batch_op.f("ix_enrolment_user_id"))
        batch_op.drop_index(batch_op.f("ix_enrolment_cohort_id"))

    op.drop_table("enrolment")
    with op.batch_alter_table("cohort_trainer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_trainer_user_id"))

    op.drop_table("cohort_trainer")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_wijk_id"))
        batch_op.drop_index(batch_op.f("ix_user_account_organisation_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("wijk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wijk_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_wijk_gebied_id"))

    op.drop_table("wijk")
    with op.batch_alter_table("gebied", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gebied_organisation_id"))

    op.drop_table("gebied")
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_organisation_id"))

    op.drop_table("cohort")
    op.drop_table("organisation")
