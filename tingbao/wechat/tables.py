"""The WeChat account's tables: its followers, the messages already answered, the mass sends
made, and the one shared access token.

A change to these tables needs a migration (tingbao/store/migrations says how to add one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.store.engine import Base


class FollowerRow(Base):
    """A follower (by OpenID): the paper chosen, what was last shown, when last heard from."""

    __tablename__ = "wechat_followers"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    paper: Mapped[str] = mapped_column(String(40), default="")  # the chosen paper's slug
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    issue_id: Mapped[str] = mapped_column(String(80), default="")  # whose numbered list was shown
    article_id: Mapped[str] = mapped_column(String(120), default="")  # the last card shown (慢)
    # Customer-service messages are allowed within 48 hours of the follower's last message.
    heard_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnsweredRow(Base):
    """A message already answered (MsgId, or sender and time for events) and its reply, so a
    retry from WeChat gets the same reply and is processed once."""

    __tablename__ = "wechat_answered"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    reply: Mapped[str] = mapped_column(Text, default="")  # the reply's XML, before encryption
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class MassSendRow(Base):
    """One mass send (群发) of a new issue: claimed before the call, so it is made once."""

    __tablename__ = "wechat_mass_sends"

    issue_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    paper: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(12))  # pending | sending | sent | failed
    msg_id: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(String(200), default="")
    # When the row may next be claimed: at once when queued, the end of a sender's lease while
    # sending (past it, the sender is taken to have crashed), later after a refused try.
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccessTokenRow(Base):
    """The account's access token, fetched by one holder and read by every replica."""

    __tablename__ = "wechat_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(600), default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    holder: Mapped[str] = mapped_column(String(80), default="")
