"""Why a pipeline stage failed for an issue (stage_failures: reason and attempts in a row), so
one issue's failure is recorded and retried without holding up the others.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_failures",
        sa.Column("issue_id", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issue_id", "stage"),
    )


def downgrade() -> None:
    op.drop_table("stage_failures")
