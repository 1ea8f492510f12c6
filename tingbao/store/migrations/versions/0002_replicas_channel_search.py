"""Several bot replicas, the channel, and search: outbox claims with an owner and a lease, update
ids taken once, named leases, the channel's issues and posts, and the article search index.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tingbao.store.search_index import SEARCH_TABLE, search_index_for

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tolerant of a database that has part of this already (one made by a build between the two
    # releases): what exists is kept, what is missing is made.
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    tables = set(inspector.get_table_names())
    outbox = {c["name"] for c in inspector.get_columns("bot_outbox")}
    if "owner" not in outbox:
        op.add_column(
            "bot_outbox",
            sa.Column("owner", sa.String(length=80), server_default="", nullable=False),
        )
    if "lease_until" not in outbox:
        op.add_column("bot_outbox", sa.Column("lease_until", sa.DateTime(timezone=True)))
    if "bot_updates" not in tables:
        op.create_table(
            "bot_updates",
            sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("bot_id", "update_id"),
        )
        op.create_index("ix_bot_updates_seen_at", "bot_updates", ["seen_at"])
    if "bot_leases" not in tables:
        op.create_table(
            "bot_leases",
            sa.Column("name", sa.String(length=120), nullable=False),
            sa.Column("owner", sa.String(length=80), nullable=False),
            sa.Column("until", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("name"),
        )
    if "bot_channel_issues" not in tables:
        op.create_table(
            "bot_channel_issues",
            sa.Column("issue_id", sa.String(length=80), nullable=False),
            sa.Column("channel", sa.String(length=100), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("shown", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("issue_id"),
        )
    posts = (
        {c["name"] for c in inspector.get_columns("bot_channel_posts")}
        if "bot_channel_posts" in tables
        else set()
    )
    if posts >= {"kind", "media_key"}:
        return _search_index()  # the posts table is the released one: keep its records
    if posts:
        op.drop_table("bot_channel_posts")  # an early layout (no kind, media_key): made anew
    op.create_table(
        "bot_channel_posts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issue_id", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("media_key", sa.String(length=120), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issue_id", "key", name="uq_bot_channel_post"),
    )
    op.create_index("ix_bot_channel_posts_issue_id", "bot_channel_posts", ["issue_id"])
    _search_index()


def _search_index() -> None:
    """Make the search index when missing. Its layout is the search part's (plain SQL: FTS5, or
    a tsvector table with GIN); it is filled from the articles already stored."""
    connection = op.get_bind()
    if not sa.inspect(connection).has_table(SEARCH_TABLE):
        search_index_for(connection.dialect.name).create(connection)


def downgrade() -> None:
    connection = op.get_bind()
    search_index_for(connection.dialect.name).drop(connection)
    for table in ("bot_channel_posts", "bot_channel_issues", "bot_leases", "bot_updates"):
        op.drop_table(table)
    with op.batch_alter_table("bot_outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("owner")
