"""PostgreSQL's search by gram documents, and 64-bit ids for rows that grow with every send.

On PostgreSQL, revision 0002's search table (a tsvector with positions per article, larger than
the text it indexed, and slow for common words) gives way to two GIN expression indexes on the
articles table over a gram document the database makes from each row (search_index.py says
why); they index the stored articles as they are made, so nothing is filled afterwards. SQLite's
FTS5 index is unchanged.

bot_outbox.id and bot_channel_posts.id become BIGINT on PostgreSQL (on SQLite an INTEGER PRIMARY
KEY is already 64 bits: nothing to do).

Frozen history: the layout is written here as it was made, not taken from the live search code.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CJK = (
    r"\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\U00020000-\U0003ffff"
)
GRAMS = (
    "CREATE FUNCTION article_search_document(body text, issue_id text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT array_to_tsvector(ARRAY("
    "SELECT substr(run, i, 4) "
    f"FROM regexp_split_to_table(normalize(body, NFKC), '[^{CJK}]+') AS run, "
    "generate_series(1, length(run)) AS i "
    "UNION ALL SELECT '~' || left(word, 200) FROM regexp_split_to_table(lower("
    f"regexp_replace(normalize(body, NFKC), '[{CJK}]', ' ', 'g')), '(\\W|_)+') AS word "
    "WHERE word <> '' UNION ALL SELECT '#' || issue_id)) $$",
    "CREATE INDEX article_search_text ON articles "
    "USING GIN (article_search_document(text, issue_id))",
    "CREATE INDEX article_search_title ON articles "
    "USING GIN (article_search_document(title, issue_id))",
)
GRAMS_DROP = (
    "DROP INDEX IF EXISTS article_search_text",
    "DROP INDEX IF EXISTS article_search_title",
    "DROP FUNCTION IF EXISTS article_search_document(text, text)",
)
# Revision 0002's layout, made again (empty) by a downgrade; create_schema fills it.
TSVECTOR_TABLE = (
    "CREATE TABLE article_search (key BIGINT PRIMARY KEY, "
    "article_id VARCHAR(40) NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE, "
    "document TSVECTOR NOT NULL, paper VARCHAR(40))",
    "CREATE INDEX article_search_document ON article_search USING GIN (document)",
    "CREATE INDEX article_search_paper ON article_search (paper)",
)
GROWING_IDS = (("bot_outbox", "id"), ("bot_channel_posts", "id"))


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql("DROP TABLE IF EXISTS article_search")
    for statement in GRAMS:
        connection.exec_driver_sql(statement)
    for table, column in GROWING_IDS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())
        _sequence_as(connection, table, column, "bigint")


def _sequence_as(connection: sa.Connection, table: str, column: str, kind: str) -> None:
    """Give the column's sequence the column's range (a serial's sequence stops at 2**31 - 1)."""
    sequence = connection.scalar(
        sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
        {"table": table, "column": column},
    )
    if sequence is not None:
        connection.exec_driver_sql(f"ALTER SEQUENCE {sequence} AS {kind}")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    for table, column in GROWING_IDS:
        _sequence_as(connection, table, column, "integer")
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
    for statement in (*GRAMS_DROP, *TSVECTOR_TABLE):
        connection.exec_driver_sql(statement)
