"""The telephone line: phone_calls (one row per call, the caller's number as a keyed hash) and
phone_listens (what callers chose to hear), for /stats.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_calls",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("caller_hash", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("keys", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_phone_calls_caller_hash", "phone_calls", ["caller_hash"])
    op.create_index("ix_phone_calls_started_at", "phone_calls", ["started_at"])
    op.create_table(
        "phone_listens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=80), nullable=False),
        sa.Column("issue_id", sa.String(length=80), nullable=False),
        sa.Column("slow", sa.Boolean(), nullable=False),
        sa.Column("listened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_phone_listens_call_id", "phone_listens", ["call_id"])
    op.create_index("ix_phone_listens_item_id", "phone_listens", ["item_id"])


def downgrade() -> None:
    op.drop_table("phone_listens")
    op.drop_table("phone_calls")
