"""The phone part's tables: one row per call (the caller's number only as a keyed hash) and one
row per article or issue a caller chose to hear.

A change to these tables needs a migration (tingbao/store/migrations says how to add one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.store.engine import Base


class PhoneCallRow(Base):
    """A call to the line."""

    __tablename__ = "phone_calls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    caller_hash: Mapped[str] = mapped_column(String(32), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str] = mapped_column(String(40), default="")
    keys: Mapped[int] = mapped_column(Integer, default=0)


class PhoneListenRow(Base):
    """An article (or a whole issue) a caller chose."""

    __tablename__ = "phone_listens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(32), index=True)
    item_id: Mapped[str] = mapped_column(String(80), index=True)
    issue_id: Mapped[str] = mapped_column(String(80))
    slow: Mapped[bool] = mapped_column(Boolean, default=False)
    listened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
