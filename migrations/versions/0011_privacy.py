"""privacy: statements and acknowledgements, research choices, retention policies and markers, erasures

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 13:08:31.307034
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: new tables only; no existing row changes. No research_choice rows are made for existing people:
    # until someone chooses, they are not in research exports (participation is opt-in).
    op.create_table(
        "retention_policy",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("months_after_last_window", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_retention_policy_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_retention_policy")),
    )
    op.create_table(
        "cohort_retention",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_cohort_retention_cohort_id_cohort")),
        sa.PrimaryKeyConstraint("cohort_id", name=op.f("pk_cohort_retention")),
    )
    op.create_table(
        "erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("erased_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["erased_by_user_id"], ["user_account.id"], name=op.f("fk_erasure_erased_by_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_erasure_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure")),
        sa.UniqueConstraint("user_id", name=op.f("uq_erasure_user_id")),
    )
    op.create_table(
        "privacy_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_privacy_statement_created_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_privacy_statement_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_statement")),
        sa.UniqueConstraint("organisation_id", "version", name=op.f("uq_privacy_statement_organisation_id")),
    )
    with op.batch_alter_table("privacy_statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_statement_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "research_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("explanation_version", sa.Integer(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_research_choice_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_choice")),
        sa.UniqueConstraint("user_id", name=op.f("uq_research_choice_user_id")),
    )
    op.create_table(
        "statement_acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_statement_acknowledgement_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_statement_acknowledgement_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_acknowledgement")),
        sa.UniqueConstraint("user_id", "organisation_id", "version", name=op.f("uq_statement_acknowledgement_user_id")),
    )
    with op.batch_alter_table("statement_acknowledgement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_acknowledgement_user_id"), ["user_id"], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("statement_acknowledgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_acknowledgement_user_id"))

    op.drop_table("statement_acknowledgement")
    op.drop_table("research_choice")
    with op.batch_alter_table("privacy_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_statement_organisation_id"))

    op.drop_table("privacy_statement")
    op.drop_table("erasure")
    op.drop_table("cohort_retention")
    op.drop_table("retention_policy")
    # ### end Alembic commands ###
