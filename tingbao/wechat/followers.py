"""What the account remembers of each follower, and the replies it already gave.

A follower's row says which paper they read (with several), which issue's numbered list they saw
last (a number sent back picks from it), which article they saw last (慢 reads it slowly), and
when they last wrote (customer-service messages are allowed for 48 hours after). Each call is one
transaction, so every replica and every restart knows the same.

Answered messages keep their reply for a day: WeChat retries an unanswered message three times
within about fifteen seconds, and a retry must get the same reply without doing the work again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from tingbao.store.clock import Clock, utc, utc_now
from tingbao.store.engine import Database
from tingbao.wechat.tables import AnsweredRow, FollowerRow

CUSTOMER_SERVICE_WINDOW = timedelta(hours=48)
ANSWERS_KEPT = timedelta(days=1)
HEARD_PRECISION = timedelta(minutes=5)  # when a follower last wrote is kept to within this


@dataclass(frozen=True)
class Follower:
    """A follower's remembered state."""

    openid: str
    paper: str = ""  # the chosen paper's slug ("" not chosen)
    issue_id: str = ""  # the issue whose numbered list was shown last
    article_id: str = ""  # the article shown last


class FollowerStore:
    """Followers' state in wechat_followers."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def heard(self, openid: str, following: bool | None = None) -> Follower:
        """Record that a follower wrote now (and, given, whether they follow); return their
        state. A first message makes the row."""
        try:
            return self._heard(openid, following)
        except IntegrityError:  # another replica made the first row just now
            return self._heard(openid, following)

    def _heard(self, openid: str, following: bool | None) -> Follower:
        now = self.clock()
        with self.db.session() as session:
            row = session.get(FollowerRow, openid)
            if row is None:
                row = FollowerRow(
                    openid=openid,
                    paper="",
                    following=True if following is None else following,
                    issue_id="",
                    article_id="",
                    heard_at=now,
                )
                session.add(row)
            else:
                # Only a stale time is written: a follower's every message need not be a write.
                if now - utc(row.heard_at) > HEARD_PRECISION:
                    row.heard_at = now
                if following is not None and row.following != following:
                    row.following = following
            return Follower(openid, row.paper, row.issue_id, row.article_id)

    def remember(
        self,
        openid: str,
        *,
        paper: str | None = None,
        issue_id: str | None = None,
        article_id: str | None = None,
    ) -> None:
        """Remember what a follower chose or was shown (None leaves a field as it was)."""
        with self.db.session() as session:
            row = session.get(FollowerRow, openid)
            if row is None:
                return  # `heard` makes the row before anything is shown
            if paper is not None and row.paper != paper:
                row.paper = paper
            if issue_id is not None and row.issue_id != issue_id:
                row.issue_id = issue_id
            if article_id is not None and row.article_id != article_id:
                row.article_id = article_id

    def may_message(self, openid: str) -> bool:
        """Return whether a customer-service message may go to a follower now (they wrote
        within the last 48 hours and still follow)."""
        with self.db.session() as session:
            row = session.get(FollowerRow, openid)
            if row is None or not row.following:
                return False
            return self.clock() - utc(row.heard_at) < CUSTOMER_SERVICE_WINDOW - HEARD_PRECISION

    def count(self) -> int:
        """Return how many followers the account has heard from and who still follow."""
        with self.db.session() as session:
            query = select(func.count()).select_from(FollowerRow).where(FollowerRow.following)
            return int(session.scalar(query) or 0)


class AnsweredStore:
    """Replies already given, by the key WeChat's retries share (Incoming.key_for_retries)."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def reply_to(self, key: str) -> str | None:
        """Return the reply given to this message, or None when it was not answered yet."""
        with self.db.session() as session:
            row = session.get(AnsweredRow, key)
            return row.reply if row is not None else None

    def keep(self, key: str, reply: str) -> str:
        """Keep the reply to a message; return the reply that stands (another replica's, when
        it answered the same message first)."""
        try:
            with self.db.session() as session:
                session.add(AnsweredRow(key=key, reply=reply, answered_at=self.clock()))
        except IntegrityError:
            return self.reply_to(key) or reply
        return reply

    def forget_old(self) -> int:
        """Forget replies older than a day (retries come within seconds); return how many."""
        with self.db.session() as session:
            result = session.execute(
                delete(AnsweredRow).where(AnsweredRow.answered_at < self.clock() - ANSWERS_KEPT)
            )
            return int(getattr(result, "rowcount", 0) or 0)
