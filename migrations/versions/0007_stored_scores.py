"""stored scores: scale and item scores of a submitted response, written once at submission

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reviewed: two nullable columns, no rewrite of existing rows here. Submitted responses are immutable, so their
    # scores are derived data that never goes stale; `ract migrate` fills them in for older responses
    # (monitor.questionnaire.stored_scores.backfill) and the monitor computes any still missing on the fly.
    with op.batch_alter_table("questionnaire_response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scores_json", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("items_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questionnaire_response", schema=None) as batch_op:
        batch_op.drop_column("items_json")
        batch_op.drop_column("scores_json")
