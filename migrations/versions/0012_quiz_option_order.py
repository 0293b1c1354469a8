"""knowledge checks: options shuffled per attempt; the open attempt and each submitted attempt keep the order shown

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-05 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: a new table and a nullable column; no existing row changes. Attempts from before this revision keep
    # option_order_json NULL: they were shown in file order, which is what the result page falls back to.
    op.create_table(
        "quiz_open_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("option_order_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_quiz_open_attempt_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_open_attempt")),
        sa.UniqueConstraint("user_id", "module_id", name=op.f("uq_quiz_open_attempt_user_id")),
    )
    with op.batch_alter_table("quiz_open_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_open_attempt_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("option_order_json", sa.Text(), nullable=True))


def downgrade() -> None:
    # Drops the stored orders: open checks are shown in a new order, result pages fall back to file order.
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_column("option_order_json")
    with op.batch_alter_table("quiz_open_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_open_attempt_user_id"))
    op.drop_table("quiz_open_attempt")
