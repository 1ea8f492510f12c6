"""The bot's tables: subscribers (per paper), the paper each chat reads, the new-issue outbox,
Telegram file ids of uploaded audio, and the update ids already taken by a replica.

A change to these tables needs a migration (tingbao/store/migrations says how to add one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.store.engine import Base

# Outbox states: pending -> sending -> sent | pending | unknown | blocked | failed, and a 'sending'
# row whose lease expired -> sending again (another claim). What each one means, and the delivery
# guarantee of each step, are written once, in outbox.py.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
UNKNOWN = "unknown"
STATES = (PENDING, SENDING, SENT, BLOCKED, FAILED, UNKNOWN)
NEW_ISSUE = "new_issue"


class SubscriberRow(Base):
    """A chat's subscription to one paper's new issues."""

    __tablename__ = "bot_subscribers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    paper: Mapped[str] = mapped_column(String(40), primary_key=True)  # the paper's slug
    active: Mapped[bool] = mapped_column(index=True)
    subscribed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(40), default="")  # why inactive: user, blocked


class ChatPaperRow(Base):
    """The paper a chat chose to read (deployments serving several papers)."""

    __tablename__ = "bot_chat_papers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    paper: Mapped[str] = mapped_column(String(40))  # the paper's slug
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# An id that grows with every send: 64 bits (200 papers x 100,000 subscribers would use up 32 bits
# within years); on SQLite an INTEGER PRIMARY KEY is already 64 bits and the only autoincrementing
# type, hence the variant.
GROWING_ID = BigInteger().with_variant(Integer, "sqlite")


class OutboxRow(Base):
    __tablename__ = "bot_outbox"
    __table_args__ = (UniqueConstraint("chat_id", "issue_id", "kind", name="uq_bot_outbox_once"),)

    id: Mapped[int] = mapped_column(GROWING_ID, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    issue_id: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims, less those that never left
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who claimed a 'sending' row and until when; after lease_until any replica may claim it again.
    owner: Mapped[str] = mapped_column(String(80), default="", server_default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FileIdRow(Base):
    __tablename__ = "bot_file_ids"

    # A re-synthesized or upgraded file keeps its path but changes its file key
    # (content key, engine, size: see files.file_key), so it is uploaded again.
    path: Mapped[str] = mapped_column(String(300), primary_key=True)
    content_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    method: Mapped[str] = mapped_column(String(10), primary_key=True)  # voice | audio
    file_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeenUpdateRow(Base):
    """An update a replica took: the first insert wins, so each update is answered once."""

    __tablename__ = "bot_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
