"""The schema: the one place the database's tables are made.

Each part declares its tables on `tingbao.paper.db.Base` (paper: issues, articles, stages, audio
assets; bot: subscribers, outbox, file ids, channel posts). Only the worker knows every part, so
only it can make them all. Every entry point, test and bench calls `create_schema` before using a
database; the bot is handed a database whose tables already exist. The article search index is
not a SQLAlchemy table (an FTS5 virtual table on SQLite): the paper part makes it after the tables,
filled from the stored articles when an older database lacks it.
"""

from __future__ import annotations

from types import ModuleType

from tingbao.bot import channel_store, leases
from tingbao.bot import tables as bot_tables
from tingbao.paper import assets, store
from tingbao.paper.db import Base, Database
from tingbao.paper.search_index import create_search_index

# Every module that declares tables; importing them registers their tables on Base.
TABLE_MODULES: tuple[ModuleType, ...] = (store, assets, bot_tables, channel_store, leases)


def create_schema(db: Database) -> None:
    """Create every missing table (and column added since) of every part, and the search index
    (idempotent)."""
    Base.metadata.create_all(db.engine)
    with db.engine.begin() as connection:
        bot_tables.add_missing_columns(connection)
    create_search_index(db)
