"""Several papers: a subscription is to one paper (bot_subscribers keyed by chat and paper), and
each chat's chosen paper (bot_chat_papers).

Subscriptions stored before belong to the paper of the stored issues (a deployment had one), or
to the default paper when there is no issue yet. The new key needs a new table on SQLite, so the
subscribers are copied into one on both databases.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DEFAULT_PAPER = "jinhongqiao"  # TINGBAO_PAPER_SLUG's default
COLUMNS = "chat_id, active, subscribed_at, updated_at, reason"


def subscribers_table(name: str, *key: sa.Column[str]) -> None:
    op.create_table(
        name,
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        *key,
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", *(c.name for c in key), name=f"{name}_pkey"),
    )


def replace_subscribers(copy: str | sa.TextClause, *key: sa.Column[str]) -> None:
    """Make bot_subscribers again with key, filled by the statement copy (from the old one)."""
    subscribers_table("bot_subscribers_new", *key)
    op.execute(copy)
    op.drop_index("ix_bot_subscribers_active", table_name="bot_subscribers")
    op.drop_table("bot_subscribers")
    op.rename_table("bot_subscribers_new", "bot_subscribers")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE bot_subscribers "
            "RENAME CONSTRAINT bot_subscribers_new_pkey TO bot_subscribers_pkey"
        )
    op.create_index("ix_bot_subscribers_active", "bot_subscribers", ["active"])


def upgrade() -> None:
    op.create_table(
        "bot_chat_papers",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("paper", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    paper = configured_paper() or newest_paper() or DEFAULT_PAPER
    replace_subscribers(
        sa.text(
            f"INSERT INTO bot_subscribers_new (paper, {COLUMNS}) "
            f"SELECT :paper, {COLUMNS} FROM bot_subscribers"
        ).bindparams(paper=paper),
        sa.Column("paper", sa.String(length=40), nullable=False),
    )


def configured_paper() -> str | None:
    """Return the paper the deployment serves, as create_schema hands it in: a database made
    before several papers belongs to that one paper (None from the alembic command line)."""
    paper = context.config.attributes.get("paper")
    return paper if isinstance(paper, str) else None


def newest_paper() -> str | None:
    """Return the paper of the newest stored issue, or None without issues."""
    found = op.get_bind().scalar(
        sa.text("SELECT paper FROM issues ORDER BY published DESC, id DESC LIMIT 1")
    )
    return str(found) if found is not None else None


def downgrade() -> None:
    replace_subscribers(
        f"INSERT INTO bot_subscribers_new ({COLUMNS}) SELECT {COLUMNS} FROM bot_subscribers "
        "WHERE paper = (SELECT min(paper) FROM bot_subscribers AS s "
        "WHERE s.chat_id = bot_subscribers.chat_id)"
    )
    op.drop_table("bot_chat_papers")
