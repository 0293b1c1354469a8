"""module progress, section reads, quiz attempts, reflection notes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:21:26.687878
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: progress tables keyed by the stable module id; existing cohorts get require_t0_before_modules=false.
    op.create_table(
        "module_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_module_progress_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_progress")),
        sa.UniqueConstraint("user_id", "module_id", name=op.f("uq_module_progress_user_id")),
    )
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_module_progress_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("answers_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_quiz_attempt_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempt_user_id"), ["user_id"], unique=False)

    op.create_table(
        "reflection_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("prompt_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_reflection_note_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflection_note")),
        sa.UniqueConstraint("user_id", "module_id", "prompt_id", name=op.f("uq_reflection_note_user_id")),
    )
    with op.batch_alter_table("reflection_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reflection_note_user_id"), ["user_id"], unique=False)

    op.create_table(
        "section_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("section_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_section_read_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section_read")),
        sa.UniqueConstraint("user_id", "module_id", "section_id", name=op.f("uq_section_read_user_id")),
    )
    with op.batch_alter_table("section_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_section_read_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("require_t0_before_modules", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # Reviewed: progress tables keyed by the stable module id; existing cohorts get require_t0_before_modules=false.
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("require_t0_before_modules")

    with op.batch_alter_table("section_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_section_read_user_id"))

    op.drop_table("section_read")
    with op.batch_alter_table("reflection_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflection_note_user_id"))

    op.drop_table("reflection_note")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_user_id"))

    op.drop_table("quiz_attempt")
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_progress_user_id"))

    op.drop_table("module_progress")
