"""data_version: a counter bumped by every committed write that can change a monitor figure (report cache key)

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05 18:10:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: one new table of one row; no existing row changes.
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0, "epoch": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("data_version")
