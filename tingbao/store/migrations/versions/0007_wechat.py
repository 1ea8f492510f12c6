"""The WeChat official account: followers, answered messages, mass sends and the shared token.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechat_followers",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("paper", sa.String(length=40), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("issue_id", sa.String(length=80), nullable=False),
        sa.Column("article_id", sa.String(length=120), nullable=False),
        sa.Column("heard_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("openid"),
    )
    op.create_table(
        "wechat_answered",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_wechat_answered_answered_at", "wechat_answered", ["answered_at"])
    op.create_table(
        "wechat_mass_sends",
        sa.Column("issue_id", sa.String(length=80), nullable=False),
        sa.Column("paper", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("msg_id", sa.String(length=40), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issue_id"),
    )
    op.create_table(
        "wechat_tokens",
        sa.Column("appid", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=600), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("appid"),
    )


def downgrade() -> None:
    op.drop_table("wechat_tokens")
    op.drop_table("wechat_mass_sends")
    op.drop_index("ix_wechat_answered_answered_at", table_name="wechat_answered")
    op.drop_table("wechat_answered")
    op.drop_table("wechat_followers")
