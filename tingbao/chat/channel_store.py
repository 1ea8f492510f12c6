"""The channel's bookkeeping: which issues the channel carries, and every post made for them.

The worker calls `queue_channel_issue` once a new issue is published (its site built, its audio
made), and `revise_channel_issue` after a correction of an issue the channel already carries. The
bot's channel job (channel.py) brings the channel up to date with each issue whose revision it has
not yet shown. Each post is recorded before it is sent, and its message_id after (see channel.py
for what a crash between the two can cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.chat.tables import GROWING_ID
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Base, Database

# States of a post (ChannelPostRow.state).
SENDING = "sending"  # recorded before its request: it may or may not be in the channel
POSTED = "posted"  # in the channel as content_hash says
WITHDRAWN = "withdrawn"  # in the channel, edited to say 已撤回 (too old to delete)
DELETED = "deleted"  # no longer in the channel


class ChannelIssueRow(Base):
    """An issue the channel carries: the revision the worker asks for, the one the channel shows."""

    __tablename__ = "bot_channel_issues"

    issue_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))  # where it was posted
    revision: Mapped[int] = mapped_column(Integer, default=1)
    shown: Mapped[int] = mapped_column(Integer, default=0)  # revision the channel shows
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChannelPostRow(Base):
    """One post of an issue in the channel, recorded before it is sent."""

    __tablename__ = "bot_channel_posts"
    __table_args__ = (UniqueConstraint("issue_id", "key", name="uq_bot_channel_post"),)

    id: Mapped[int] = mapped_column(GROWING_ID, primary_key=True, autoincrement=True)
    issue_id: Mapped[str] = mapped_column(String(80), index=True)
    key: Mapped[str] = mapped_column(String(120))  # what the post is, stable across corrections
    position: Mapped[int] = mapped_column(Integer)  # reading order within the issue
    state: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(8), default="text")  # text or audio
    media_key: Mapped[str] = mapped_column(String(120), default="")  # the attached file
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")  # what the post shows
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def queue_channel_issue(db: Database, issue_id: str, channel: str, clock: Clock = utc_now) -> bool:
    """Ask for a new issue to be posted to channel; return False if it already was asked for."""
    now = clock()
    try:
        with db.session() as session:
            if session.get(ChannelIssueRow, issue_id) is not None:
                return False
            session.add(
                ChannelIssueRow(
                    issue_id=issue_id,
                    channel=channel,
                    revision=1,
                    shown=0,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:  # another process asked at the same moment
        return False
    return True


def revise_channel_issue(db: Database, issue_id: str, clock: Clock = utc_now) -> bool:
    """Ask for the posts of a corrected issue to be brought up to date; False if not carried."""
    with db.session() as session:
        result = session.execute(
            update(ChannelIssueRow)
            .where(ChannelIssueRow.issue_id == issue_id)
            .values(revision=ChannelIssueRow.revision + 1, updated_at=clock())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def issues_behind(db: Database) -> list[tuple[str, str, int]]:
    """Return (issue id, channel, revision) of issues the channel does not show as asked, oldest
    first."""
    with db.session() as session:
        query = (
            select(ChannelIssueRow.issue_id, ChannelIssueRow.channel, ChannelIssueRow.revision)
            .where(ChannelIssueRow.shown < ChannelIssueRow.revision)
            .order_by(ChannelIssueRow.created_at, ChannelIssueRow.issue_id)
        )
        return [(r[0], r[1], r[2]) for r in session.execute(query).all()]


@dataclass(frozen=True)
class PostRecord:
    """What the database says about one post of an issue."""

    key: str
    position: int
    state: str
    kind: str
    message_id: int | None
    content_hash: str
    media_key: str


def posts_of(db: Database, issue_id: str) -> dict[str, PostRecord]:
    """Return the recorded posts of an issue by key."""
    with db.session() as session:
        rows = session.scalars(select(ChannelPostRow).where(ChannelPostRow.issue_id == issue_id))
        return {
            row.key: PostRecord(
                row.key,
                row.position,
                row.state,
                row.kind,
                row.message_id,
                row.content_hash,
                row.media_key,
            )
            for row in rows
        }


def record_sending(
    db: Database, issue_id: str, key: str, position: int, kind: str, clock: Clock = utc_now
) -> None:
    """Record (committed) that a post is about to be sent; a row left by a crash is reused."""
    now = clock()
    with db.session() as session:
        row = session.scalar(
            select(ChannelPostRow).where(
                ChannelPostRow.issue_id == issue_id, ChannelPostRow.key == key
            )
        )
        if row is None:
            row = ChannelPostRow(issue_id=issue_id, key=key)
            session.add(row)
        row.position = position
        row.kind = kind
        row.state = SENDING
        row.message_id = None
        row.content_hash = ""
        row.media_key = ""
        row.updated_at = now


def record_shown(
    db: Database,
    issue_id: str,
    key: str,
    *,
    state: str,
    content_hash: str,
    media_key: str = "",
    message_id: int | None = None,
    clock: Clock = utc_now,
) -> None:
    """Record what a post now shows (posted, edited or withdrawn), and its message_id if new."""
    now = clock()
    values: dict[str, object] = {
        "state": state,
        "content_hash": content_hash,
        "media_key": media_key,
        "updated_at": now,
    }
    if message_id is not None:
        values.update(message_id=message_id, sent_at=now)
    _update_post(db, issue_id, key, values)


def record_deleted(db: Database, issue_id: str, key: str, clock: Clock = utc_now) -> None:
    """Record that a post is no longer in the channel."""
    _update_post(db, issue_id, key, {"state": DELETED, "updated_at": clock()})


def forget_post(db: Database, issue_id: str, key: str) -> None:
    """Drop the row of a post that provably never reached the channel (Telegram refused it)."""
    with db.session() as session:
        session.execute(
            delete(ChannelPostRow).where(
                ChannelPostRow.issue_id == issue_id, ChannelPostRow.key == key
            )
        )


def _update_post(db: Database, issue_id: str, key: str, values: dict[str, object]) -> None:
    with db.session() as session:
        session.execute(
            update(ChannelPostRow)
            .where(ChannelPostRow.issue_id == issue_id, ChannelPostRow.key == key)
            .values(**values)
        )


def mark_shown(db: Database, issue_id: str, revision: int, clock: Clock = utc_now) -> None:
    """Record that the channel shows an issue as of revision (never going back)."""
    with db.session() as session:
        session.execute(
            update(ChannelIssueRow)
            .where(ChannelIssueRow.issue_id == issue_id, ChannelIssueRow.shown < revision)
            .values(shown=revision, updated_at=clock())
        )
