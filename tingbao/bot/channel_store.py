"""The channel's bookkeeping: which issues the channel carries, and every post made for them.

The worker calls `queue_channel_issue` once a new issue is published (its site built, its audio
made), and `revise_channel_issue` after a correction of an issue the channel already carries. The
bot's channel job (channel.py) brings the channel up to date with each issue whose revision it has
not yet shown. Each post is recorded before it is sent, and its message_id after (see channel.py
for what a crash between the two can cost).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.paper.db import Base, Database
from tingbao.paper.store import Clock, utc_now


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

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issue_id: Mapped[str] = mapped_column(String(80), index=True)
    key: Mapped[str] = mapped_column(String(120))  # what the post is, stable across corrections
    position: Mapped[int] = mapped_column(Integer)  # reading order within the issue
    state: Mapped[str] = mapped_column(String(12))
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
