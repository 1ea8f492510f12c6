"""Every part's tables on one metadata: what Alembic's autogenerate and the migration test compare
the migrations with. Only the composition root knows every part, so the list is here."""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import MetaData

from tingbao.chat import channel_store, leases
from tingbao.chat import tables as chat_tables
from tingbao.phone import tables as phone_tables
from tingbao.store import assets, issues, lexicon
from tingbao.store.engine import Base
from tingbao.wechat import tables as wechat_tables

# Every module that declares tables; importing them registers their tables on Base.
TABLE_MODULES: tuple[ModuleType, ...] = (
    issues,
    assets,
    lexicon,
    chat_tables,
    channel_store,
    leases,
    phone_tables,
    wechat_tables,
)
metadata: MetaData = Base.metadata
