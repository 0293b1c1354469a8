"""cohort.certificate_requires_t1: the certificate of completion may also ask for the submitted nameting (T1)

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-05 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: one new column with a server default; existing cohorts keep the default rule (all modules done).
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("certificate_requires_t1", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # Drops the setting: every cohort's certificate then asks for the modules only.
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("certificate_requires_t1")
