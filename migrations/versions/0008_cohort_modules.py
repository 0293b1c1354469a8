"""cohort modules: which modules belong to a cohort, with an optional due date per module

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: a new table only, no existing rows are touched. A cohort without rows keeps all modules of
    # content/modules (what every existing cohort had), so nothing changes for them. module_id is the module's stable
    # content id (like module_progress.module_id), not a foreign key: modules live in files, not in the database.
    op.create_table(
        "cohort_module",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_cohort_module_cohort_id_cohort")),
        sa.PrimaryKeyConstraint("cohort_id", "module_id", name=op.f("pk_cohort_module")),
    )


def downgrade() -> None:
    # Drops the module choices and due dates: every cohort falls back to all modules.
    op.drop_table("cohort_module")
