"""The pronunciation lexicon's editor rows (lexicon_entries), and each audio file's measured
loudness (assets.loudness_lufs, integrated, and assets.true_peak_dbtp).

Tolerant like 0002: a database that has part of this already keeps it and gets the rest.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LOUDNESS = ("loudness_lufs", "true_peak_dbtp")


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("lexicon_entries"):
        op.create_table(
            "lexicon_entries",
            sa.Column("word", sa.String(length=40), nullable=False),
            sa.Column("homophone", sa.String(length=40), nullable=False),
            sa.Column("pinyin", sa.String(length=200), nullable=False),
            sa.Column("removed", sa.Boolean(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_by", sa.String(length=80), nullable=True),
            sa.PrimaryKeyConstraint("word"),
        )
    columns = {c["name"] for c in inspector.get_columns("assets")}
    for name in LOUDNESS:
        if name not in columns:
            op.add_column("assets", sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        for name in reversed(LOUDNESS):
            batch.drop_column(name)
    op.drop_table("lexicon_entries")
