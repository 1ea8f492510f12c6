"""Subscribers and the outbox queue: who wants which paper's new-issue messages, and which are
owed.

A subscription is a (chat, paper) pair: in a deployment of several papers a chat may follow
several. `enqueue_new_issue` is called by the worker once an issue's feeds are built. It inserts one
pending outbox row per active subscriber of the issue's paper; the unique (chat, issue, kind) key
makes it idempotent, so a corrected issue, or a second call after a crash, never queues a second
message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tingbao.chat.tables import NEW_ISSUE, PENDING, STATES, OutboxRow, SubscriberRow
from tingbao.paper.settings import PaperSettings
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database
from tingbao.store.issues import IssueRow


@dataclass(frozen=True)
class OutboxCounts:
    """How many outbox rows are in each state (for one issue or all)."""

    by_state: dict[str, int]

    def __getitem__(self, state: str) -> int:
        return self.by_state.get(state, 0)


class SubscriberStore:
    """Subscribe, unsubscribe and count; each call is its own transaction.

    `paper` is the slug subscriptions are for when a call names none: the single paper's.
    """

    def __init__(
        self, db: Database, clock: Clock = utc_now, paper: str = PaperSettings.slug
    ) -> None:
        self.db = db
        self.clock = clock
        self.paper = paper

    def subscribe(self, chat_id: int, paper: str | None = None) -> bool:
        """Make chat_id an active subscriber of a paper; return False if it already was."""
        now = self.clock()
        slug = paper or self.paper
        with self.db.session() as session:
            row = session.get(SubscriberRow, (chat_id, slug))
            if row is not None and row.active:
                return False
            if row is None:
                session.add(
                    SubscriberRow(
                        chat_id=chat_id,
                        paper=slug,
                        active=True,
                        subscribed_at=now,
                        updated_at=now,
                        reason="",
                    )
                )
            else:
                row.active, row.updated_at, row.reason = True, now, ""
            return True

    def unsubscribe(self, chat_id: int, reason: str = "user", paper: str | None = None) -> bool:
        """Stop a paper's messages to chat_id (every paper's with paper None, as when the chat
        blocked the bot); return False if it was not subscribed."""
        query = update(SubscriberRow).where(
            SubscriberRow.chat_id == chat_id, SubscriberRow.active.is_(True)
        )
        if paper is not None:
            query = query.where(SubscriberRow.paper == paper)
        with self.db.session() as session:
            result = session.execute(
                query.values(active=False, reason=reason[:40], updated_at=self.clock())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def is_active(self, chat_id: int, paper: str | None = None) -> bool:
        """Return whether chat_id is an active subscriber of a paper."""
        with self.db.session() as session:
            row = session.get(SubscriberRow, (chat_id, paper or self.paper))
            return row is not None and row.active

    def count(self, active_only: bool = True, paper: str | None = None) -> int:
        """Return the number of (active) subscriptions, of one paper or of all."""
        query = select(func.count()).select_from(SubscriberRow)
        if active_only:
            query = query.where(SubscriberRow.active.is_(True))
        if paper is not None:
            query = query.where(SubscriberRow.paper == paper)
        with self.db.session() as session:
            return session.scalar(query) or 0

    def add_many(self, chat_ids: list[int], paper: str | None = None) -> None:
        """Subscribe many chats to a paper at once (imports, tests and benchmarks)."""
        now = self.clock()
        slug = paper or self.paper
        with self.db.session() as session:
            known = set(
                session.scalars(select(SubscriberRow.chat_id).where(SubscriberRow.paper == slug))
            )
            session.add_all(
                SubscriberRow(
                    chat_id=c,
                    paper=slug,
                    active=True,
                    subscribed_at=now,
                    updated_at=now,
                    reason="",
                )
                for c in dict.fromkeys(chat_ids)
                if c not in known
            )

    def outbox_counts(self, issue_id: str | None = None, paper: str | None = None) -> OutboxCounts:
        """Return outbox rows per state, for one issue, one paper's issues, or all."""
        query = select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
        if issue_id is not None:
            query = query.where(OutboxRow.issue_id == issue_id)
        if paper is not None:
            query = query.join(IssueRow, IssueRow.id == OutboxRow.issue_id).where(
                IssueRow.paper == paper
            )
        with self.db.session() as session:
            counts: Counter[str] = Counter({state: 0 for state in STATES})
            for state, n in session.execute(query).all():
                counts[state] = n
            return OutboxCounts(dict(counts))


def enqueue_new_issue(db: Database, issue_id: str, clock: Clock = utc_now) -> int:
    """Queue one new-issue message per active subscriber of the issue's paper; return how many
    rows were added.

    Idempotent by issue id: once an issue has been queued (announced), later calls, such as after a
    correction, add nothing, not even for people who subscribed since.
    """
    now = clock()
    try:
        with db.session() as session:
            announced = session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.issue_id == issue_id, OutboxRow.kind == NEW_ISSUE)
            )
            if announced:
                return 0
            paper = session.scalar(select(IssueRow.paper).where(IssueRow.id == issue_id))
            owed = sorted(
                session.scalars(
                    select(SubscriberRow.chat_id).where(
                        SubscriberRow.active.is_(True), SubscriberRow.paper == paper
                    )
                )
            )
            session.add_all(
                OutboxRow(
                    chat_id=chat_id,
                    issue_id=issue_id,
                    kind=NEW_ISSUE,
                    state=PENDING,
                    attempts=0,
                    last_error="",
                    created_at=now,
                    updated_at=now,
                )
                for chat_id in owed
            )
    except IntegrityError:
        # Another process queued the same issue at the same moment; its rows stand.
        return 0
    return len(owed)
