"""The schema: the one place the database's tables are made.

Each part declares its tables on `tingbao.paper.db.Base` (paper: issues, articles, stages, audio
assets; bot: subscribers, outbox, file ids, channel posts). Only the worker knows every part, so
only it can make them all. Every entry point, test and bench calls `create_schema` before using a
database; the bot is handed a database whose tables already exist.
"""

from __future__ import annotations

from types import ModuleType

from tingbao.bot import channel_store
from tingbao.bot import tables as bot_tables
from tingbao.paper import assets, store
from tingbao.paper.db import Base, Database

# Every module that declares tables; importing them registers their tables on Base.
TABLE_MODULES: tuple[ModuleType, ...] = (store, assets, bot_tables, channel_store)


def create_schema(db: Database) -> None:
    """Create every table of every part that does not exist yet (idempotent)."""
    Base.metadata.create_all(db.engine)
