"""Several bot replicas, the channel, and search: outbox claims with an owner and a lease, update
ids taken once, named leases, the channel's issues and posts, and the article search index.

Frozen history: the search index's layout is written here as it was made, not taken from the live
search code, so a later change to the index cannot change what this revision did. The index is
made empty; `create_schema` fills it from the stored articles after migrating (its rows come from
today's tokens, which are the search code's, not history).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

SEARCH_TABLE = "article_search"
KEYS_TABLE = "article_search_keys"
SEARCH_LAYOUT = {
    "sqlite": (
        f"CREATE TABLE {KEYS_TABLE} (key INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE)",
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(title, body, tokenize='unicode61')",
        f"CREATE TRIGGER {SEARCH_TABLE}_forget AFTER DELETE ON articles BEGIN "
        f"DELETE FROM {SEARCH_TABLE} WHERE rowid = "
        f"(SELECT key FROM {KEYS_TABLE} WHERE article_id = old.id); "
        f"DELETE FROM {KEYS_TABLE} WHERE article_id = old.id; END",
    ),
    "postgresql": (
        f"CREATE TABLE {SEARCH_TABLE} (key BIGINT PRIMARY KEY, "
        "article_id VARCHAR(40) NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE, "
        "document TSVECTOR NOT NULL, paper VARCHAR(40))",
        f"CREATE INDEX {SEARCH_TABLE}_document ON {SEARCH_TABLE} USING GIN (document)",
        f"CREATE INDEX {SEARCH_TABLE}_paper ON {SEARCH_TABLE} (paper)",
    ),
}
SEARCH_DROP = {
    "sqlite": (
        f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_forget",
        f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
        f"DROP TABLE IF EXISTS {KEYS_TABLE}",
    ),
    "postgresql": (f"DROP TABLE IF EXISTS {SEARCH_TABLE}",),
}

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
    """Make the (empty) search index when missing: FTS5 on SQLite, a tsvector table with GIN on
    PostgreSQL, none on other databases (they search by scanning the articles)."""
    connection = op.get_bind()
    if not sa.inspect(connection).has_table(SEARCH_TABLE):
        for statement in SEARCH_LAYOUT.get(connection.dialect.name, ()):
            op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    for statement in SEARCH_DROP.get(connection.dialect.name, ()):
        op.execute(statement)
    for table in ("bot_channel_posts", "bot_channel_issues", "bot_leases", "bot_updates"):
        op.drop_table(table)
    with op.batch_alter_table("bot_outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("owner")
