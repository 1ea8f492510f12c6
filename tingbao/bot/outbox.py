"""Drain the new-issue outbox: one message per subscriber per issue, under Telegram's limits.

Delivery semantics, written here once (tables.py names the states, admin.py counts them). Several
replicas may drain one outbox at once (one database); every guarantee below holds across them.
 1. Queue, exactly once: enqueue_new_issue adds one `pending` row per active subscriber, once per
    issue (a unique key; a second call, or a correction, adds nothing).
 2. Claim, a lease: one statement moves up to n due rows to `sending`, stamped with this drain's
    `owner` and `lease_until` (WITH claimable AS MATERIALIZED (SELECT … ORDER BY id LIMIT n FOR
    UPDATE SKIP LOCKED) UPDATE … WHERE id IN claimable RETURNING …; SQLite serializes writers
    instead of skipping locks). Due means `pending`, or `sending` with an expired lease. Two
    drains never hold the same row at once, and n is the number of free send slots, so a drain
    never holds more rows than it has sends in flight.
 3. Send: a claimed row is started only while its lease has more than the longest a request can
    take (pool + connect + write + read timeouts, plus slack: `request_budget`) left; otherwise,
    and on a graceful stop, the unstarted claims are released (back to `pending`, owner cleared):
    they never left, so nothing is lost or doubled. A lease therefore never expires while its
    request can still be running, and a live drain never races another over one row.
 4. Settle (only by the row's owner), from the answer:
     sent     Telegram accepted the message.
     pending  again, because it provably did not go out: 429 (Telegram refused it; every send then
              waits retry_after), a connection that never opened or a connection-pool timeout
              (the drain then stops until its next run); after max_attempts refusals, `failed`.
     unknown  a read or write timeout or a broken response: it may have been delivered, so it is
              not retried (at most once). Telegram usually did take a message it was slow to
              confirm, and timeouts come in storms when it is slow: resending them would double
              an unbounded number of messages.
     blocked  403, the user blocked the bot: they are unsubscribed.
     failed   400 and other refusals, or the issue no longer exists.
 5. Crash (kill -9, power loss) of a drain: its `sending` rows stay claimed until their lease
    expires, then any drain claims them again: AT LEAST ONCE for those rows. Nobody can tell which
    of them had a request in flight (Telegram has no idempotency key), so every subscriber still
    gets the issue, and a crash can double at most the rows that drain held: no more than its
    send concurrency. A row whose lease expired max_attempts times becomes `unknown` instead
    (a message that keeps killing its sender is not sent forever).
So: every subscriber gets each issue exactly once, except the rows in flight at a crash (at least
once, at most concurrency per crash) and a timed-out answer (at most once, shown as 不确定).
/stats shows the counts per state: 已送达 sent, 待发送 pending, 发送中 sending (in flight, or left
by a crash until its lease expires), 不确定 unknown, 被屏蔽 blocked, 失败 failed.
Pacing: `SendPacer` keeps to ~30 messages/s overall and 1/s per chat per drain; Telegram's limit
is per bot, so replicas share it (TINGBAO_OUTBOX_RATE: 30 divided by the number of replicas). The
application's AIORateLimiter additionally caps everything the bot sends, replies included.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.sql.dml import ReturningUpdate
from sqlalchemy.sql.elements import ColumnElement
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError

from tingbao.bot.keyboards import articles_keyboard
from tingbao.bot.sending import DEFAULT_LEASE_S, Outcome, classify, new_owner, request_budget
from tingbao.chat import render
from tingbao.chat.pacing import SendPacer
from tingbao.chat.subscribers import SubscriberStore
from tingbao.chat.tables import BLOCKED, FAILED, PENDING, SENDING, SENT, UNKNOWN, OutboxRow
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore

log = logging.getLogger(__name__)


@dataclass
class DrainReport:
    """What one drain did."""

    sent: int = 0
    retried: int = 0
    blocked: int = 0
    failed: int = 0
    unknown: int = 0
    released: int = 0  # claimed, never started, handed back (graceful stop, lease running out)
    stopped: bool = False  # asked to stop, or Telegram unreachable: pending rows wait for next time
    elapsed_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Return the number of requests made."""
        return self.sent + self.retried + self.blocked + self.failed + self.unknown

    def summary(self) -> str:
        """Return the report as one line for logs and the command line."""
        return (
            f"{self.sent} sent, {self.retried} retried, {self.blocked} blocked, "
            f"{self.failed} failed, {self.unknown} unknown in {self.elapsed_s:.1f}s"
        )


# The paper's name in a new-issue message: one name, or a paper's name by its slug (several papers).
PaperName = str | Callable[[str], str]


@dataclass(frozen=True, order=True)
class Claim:
    """A row this drain holds: its lease ends `lease_s` after `at` (time.monotonic)."""

    row_id: int
    chat_id: int
    issue_id: str
    at: float


@dataclass(frozen=True)
class _Message:
    text: str
    markup: InlineKeyboardMarkup


def lease_expired(now: datetime) -> ColumnElement[bool]:
    """Return the condition of a `sending` row whose claim lapsed (its sender died)."""
    return and_(
        OutboxRow.state == SENDING,
        or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now),
    )


def claim_statement(
    owner: str, limit: int, lease_s: float, now: datetime, max_attempts: int = 8
) -> ReturningUpdate[int, int, str]:
    """Return the one statement that claims up to limit due rows, oldest first, for owner:
    pending rows, and rows whose lease lapsed fewer than max_attempts times (step 2)."""
    due = or_(
        OutboxRow.state == PENDING,
        and_(lease_expired(now), OutboxRow.attempts < max_attempts),
    )
    # A materialized CTE runs once: as a plain `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`
    # PostgreSQL may re-run the sub-select for each row it updates, each time skipping the rows
    # just claimed, and so claim every due row instead of n.
    oldest = (
        select(OutboxRow.id)
        .where(due)
        .order_by(OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serializes writers instead
        .cte("claimable")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return (
        update(OutboxRow)
        .where(OutboxRow.id.in_(select(oldest.c.id)), due)
        .values(
            state=SENDING,
            owner=owner,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=OutboxRow.attempts + 1,
            updated_at=now,
        )
        .returning(OutboxRow.id, OutboxRow.chat_id, OutboxRow.issue_id)
        .execution_options(synchronize_session=False)
    )


class OutboxDrainer:
    """Claims, sends and settles outbox rows; one instance per drain."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        paper_name: PaperName,
        pacer: SendPacer,
        concurrency: int,
        read_timeout: float,
        max_attempts: int,
        should_stop: Callable[[], bool],
        clock: Clock,
        lease_s: float = DEFAULT_LEASE_S,
        owner: str | None = None,
    ) -> None:
        if lease_s <= request_budget(read_timeout):
            raise ValueError(
                f"the outbox lease ({lease_s:g}s) must be longer than a send can take "
                f"({request_budget(read_timeout):g}s)"
            )
        self.bot = bot
        self.db = db
        self.store = IssueStore(db)
        self.subscribers = SubscriberStore(db, clock)
        self.paper_name = paper_name
        self.pacer = pacer
        self.concurrency = max(1, concurrency)
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.should_stop = should_stop
        self.clock = clock
        self.lease_s = lease_s
        self.owner = owner or new_owner()
        self.messages: dict[str, _Message | None] = {}
        self.report = DrainReport()
        self.offline = False

    def name_of(self, slug: str) -> str:
        """Return the name of the paper an issue belongs to."""
        return self.paper_name if isinstance(self.paper_name, str) else self.paper_name(slug)

    def message_for(self, issue_id: str) -> _Message | None:
        """Return the (cached) new-issue message of an issue, or None if it is gone."""
        if issue_id not in self.messages:
            issue = self.store.find_issue(issue_id)
            self.messages[issue_id] = (
                _Message(
                    render.new_issue_head(issue, self.name_of(issue.paper)),
                    articles_keyboard(issue),
                )
                if issue is not None
                else None
            )
        return self.messages[issue_id]

    def claim(self, limit: int) -> list[Claim]:
        """Claim up to limit due rows, oldest first, in one statement (step 2)."""
        statement = claim_statement(
            self.owner, limit, self.lease_s, self.clock(), self.max_attempts
        )
        at = time.monotonic()
        with self.db.session() as session:
            rows = session.execute(statement).all()
        return sorted(Claim(r[0], r[1], r[2], at) for r in rows)

    def give_up_expired(self) -> int:
        """Mark rows whose lease expired max_attempts times `unknown` (step 5)."""
        with self.db.session() as session:
            result = session.execute(
                update(OutboxRow)
                .where(lease_expired(self.clock()), OutboxRow.attempts >= self.max_attempts)
                .values(
                    state=UNKNOWN,
                    lease_until=None,
                    updated_at=self.clock(),
                    last_error=f"lease expired {self.max_attempts} times (its sender died)",
                )
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def _mine(self, *row_ids: int) -> ColumnElement[bool]:
        return and_(
            OutboxRow.id.in_(row_ids), OutboxRow.owner == self.owner, OutboxRow.state == SENDING
        )

    def release(self, claims: Sequence[Claim]) -> None:
        """Hand back claims whose request never started: pending again, not an attempt."""
        if not claims:
            return
        with self.db.session() as session:
            result = session.execute(
                update(OutboxRow)
                .where(self._mine(*(c.row_id for c in claims)))
                .values(
                    state=PENDING,
                    owner="",
                    lease_until=None,
                    attempts=OutboxRow.attempts - 1,
                    updated_at=self.clock(),
                )
                .execution_options(synchronize_session=False)
            )
            self.report.released += int(result.rowcount)  # type: ignore[attr-defined]

    def settle(self, claim: Claim, outcome: Outcome, error: str = "") -> None:
        """Record the outcome of a claimed row, if this drain still holds it (step 4)."""
        values: dict[str, Any] = {
            "updated_at": self.clock(),
            "last_error": error[:200],
            "lease_until": None,
        }
        if outcome == "offline":
            # It never left: not an attempt, and anyone may claim it again.
            values.update(state=PENDING, owner="", attempts=OutboxRow.attempts - 1)
        elif outcome == "retry":
            values["state"] = case((OutboxRow.attempts < self.max_attempts, PENDING), else_=FAILED)
            values["owner"] = ""
        else:
            values["state"] = {"sent": SENT, "blocked": BLOCKED, "failed": FAILED}.get(
                outcome, UNKNOWN
            )
        with self.db.session() as session:
            result = session.execute(
                update(OutboxRow)
                .where(self._mine(claim.row_id))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        if not result.rowcount:  # type: ignore[attr-defined]
            log.warning("outbox row %s: settled by another drain (its lease ran out)", claim.row_id)
        if outcome == "blocked":
            self.subscribers.unsubscribe(claim.chat_id, reason="blocked")

    async def send(self, claim: Claim, message: _Message) -> None:
        """Send one claimed row and settle it; every phase of the request is bounded (step 3)."""
        timeout = self.read_timeout
        try:
            await self.bot.send_message(
                claim.chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.markup,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            )
        except TelegramError as exc:
            outcome, wait = classify(exc)
            if wait:
                self.pacer.pause(wait)
            if outcome == "offline":
                self.offline = True
            self.settle(claim, outcome, f"{type(exc).__name__}: {exc}")
            self._count(outcome)
            if outcome in ("failed", "unknown"):
                log.warning("outbox row %s to chat %s: %s", claim.row_id, claim.chat_id, outcome)
        else:
            self.settle(claim, "sent")
            self._count("sent")

    def _count(self, outcome: Outcome) -> None:
        report = self.report
        if outcome == "sent":
            report.sent += 1
        elif outcome in ("retry", "offline"):
            report.retried += 1
        elif outcome == "blocked":
            report.blocked += 1
        elif outcome == "failed":
            report.failed += 1
        else:
            report.unknown += 1

    def halted(self) -> bool:
        """Return whether to stop claiming rows."""
        return self.offline or self.should_stop()

    def startable(self, claim: Claim) -> bool:
        """Return whether claim's lease outlasts a request started now (step 3)."""
        held = time.monotonic() - claim.at
        return held + request_budget(self.read_timeout) < self.lease_s

    async def run(self) -> DrainReport:
        """Send every due row, then return the report."""
        started = time.monotonic()
        tasks: set[asyncio.Task[None]] = set()
        waiting: list[Claim] = []  # claimed, not started yet
        try:
            if self.give_up_expired():
                log.warning("outbox: rows whose sender died too often are marked unknown")
            while not self.halted():
                if len(tasks) >= self.concurrency:
                    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    continue
                waiting = self.claim(self.concurrency - len(tasks))
                if not waiting:
                    if not tasks:
                        break
                    # Rows in flight may come back as pending (429): wait for them, then look again.
                    await asyncio.wait(tasks)
                    continue
                while waiting and not self.halted():
                    claim = waiting[0]
                    message = self.message_for(claim.issue_id)
                    if message is None:
                        waiting.pop(0)
                        self.settle(claim, "failed", "issue not found")
                        self._count("failed")
                        continue
                    await self.pacer.wait(claim.chat_id)
                    if self.halted() or not self.startable(claim):
                        break
                    waiting.pop(0)
                    task = asyncio.create_task(self.send(claim, message))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                self.release(waiting)
                waiting = []
        finally:
            # Graceful stop: unstarted claims go back; every started one is settled before return.
            self.release(waiting)
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        self.report.stopped = self.halted()
        self.report.elapsed_s = time.monotonic() - started
        return self.report


async def drain_outbox(
    bot: Bot,
    db: Database,
    *,
    paper_name: PaperName,
    pacer: SendPacer | None = None,
    concurrency: int = 8,
    read_timeout: float = 10.0,
    max_attempts: int = 8,
    lease_s: float = DEFAULT_LEASE_S,
    owner: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Clock = utc_now,
) -> DrainReport:
    """Send every due new-issue message (see the module docstring for what that guarantees)."""
    drainer = OutboxDrainer(
        bot,
        db,
        paper_name,
        pacer or SendPacer(),
        concurrency,
        read_timeout,
        max_attempts,
        should_stop,
        clock,
        lease_s=lease_s,
        owner=owner,
    )
    return await drainer.run()
