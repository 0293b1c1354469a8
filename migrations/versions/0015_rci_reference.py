"""rci_reference: the reliable-change reference (α, SD at T0) frozen per instrument version and scale

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-05 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: one new table; no existing row changes. References are frozen on first use (monitor.report.references).
    op.create_table(
        "rci_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("scale", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("reliability", sa.Float(), nullable=True),
        sa.Column("sd_t0", sa.Float(), nullable=True),
        sa.Column("n_alpha", sa.Integer(), nullable=False),
        sa.Column("n_sd", sa.Integer(), nullable=False),
        sa.Column("n_sample", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_version.id"],
            name=op.f("fk_rci_reference_instrument_version_id_instrument_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rci_reference")),
        sa.UniqueConstraint("instrument_version_id", "scale", name=op.f("uq_rci_reference_instrument_version_id")),
    )
    with op.batch_alter_table("rci_reference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rci_reference_instrument_version_id"), ["instrument_version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rci_reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rci_reference_instrument_version_id"))
    op.drop_table("rci_reference")
