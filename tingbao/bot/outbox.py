"""Drain the new-issue outbox: one message per subscriber per issue, under Telegram's limits.

Delivery semantics, written here once (tables.py names the states, admin.py counts them):
AT MOST ONCE per (subscriber, issue), across crashes, restarts and concurrent drains.
 - enqueue_new_issue adds one `pending` row per active subscriber, once per issue (a unique key).
 - A row is claimed (pending -> sending, committed) before its request leaves; only a pending row
   can be claimed, so a claimed row is never claimed, and never sent, again.
 - The answer settles the row:
     sent     Telegram accepted the message.
     pending  again, because it provably did not go out: 429 (Telegram refused it; every send then
              waits retry_after), a connection that never opened or a connection-pool timeout
              (the drain then stops until its next run); after max_attempts refusals, `failed`.
     unknown  a read or write timeout or a broken response: it may have been delivered, so it is
              never retried.
     blocked  403, the user blocked the bot: they are unsubscribed.
     failed   400 and other refusals, or the issue no longer exists.
 - A crash after the claim (kill -9, power loss) leaves the row in `sending` for good: it may or may
   not have been delivered, and it is not resent. A graceful stop settles every in-flight send
   first, so while no drain runs, every `sending` row is one a crash left.
 - /stats shows the counts per state: 已送达 sent, 待发送 pending, 发送中 sending (in flight, or
   left by a crash), 不确定 unknown, 被屏蔽 blocked, 失败 failed.
Pacing: `SendPacer` keeps to ~30 messages/s overall and 1/s per chat; the application's
AIORateLimiter additionally caps everything the bot sends, replies included.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import httpx
from sqlalchemy import select, update
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from tingbao.bot import render
from tingbao.bot.keyboards import articles_keyboard
from tingbao.bot.limits import SendPacer
from tingbao.bot.subscribers import SubscriberStore
from tingbao.bot.tables import BLOCKED, FAILED, PENDING, SENDING, SENT, UNKNOWN, OutboxRow
from tingbao.paper.db import Database
from tingbao.paper.store import Clock, IssueStore, utc_now

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retry", "offline", "blocked", "failed", "unknown"]


@dataclass
class DrainReport:
    """What one drain did."""

    sent: int = 0
    retried: int = 0
    blocked: int = 0
    failed: int = 0
    unknown: int = 0
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


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return RetryAfter's wait in seconds (a timedelta under PTB_TIMEDELTA, else an int)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: BaseException) -> tuple[Outcome, float]:
    """Return what a failed send means for the row, and how long every send must wait."""
    if isinstance(exc, RetryAfter):
        return "retry", retry_after_seconds(exc)
    if isinstance(exc, Forbidden):
        return "blocked", 0.0
    if isinstance(exc, BadRequest):
        return "failed", 0.0
    if isinstance(exc, TimedOut):
        never_left = isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)
        return ("offline", 0.0) if never_left else ("unknown", 0.0)
    if isinstance(exc, NetworkError):
        return (
            ("offline", 0.0) if isinstance(exc.__cause__, httpx.ConnectError) else ("unknown", 0.0)
        )
    return "failed", 0.0


@dataclass(frozen=True)
class _Message:
    text: str
    markup: InlineKeyboardMarkup


class OutboxDrainer:
    """Claims, sends and settles outbox rows; one instance per drain."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        paper_name: str,
        pacer: SendPacer,
        concurrency: int,
        read_timeout: float,
        max_attempts: int,
        should_stop: Callable[[], bool],
        clock: Clock,
    ) -> None:
        self.bot = bot
        self.db = db
        self.store = IssueStore(db)
        self.subscribers = SubscriberStore(db, clock)
        self.paper_name = paper_name
        self.pacer = pacer
        self.slots = asyncio.Semaphore(concurrency)
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.should_stop = should_stop
        self.clock = clock
        self.messages: dict[str, _Message | None] = {}
        self.report = DrainReport()
        self.offline = False

    def message_for(self, issue_id: str) -> _Message | None:
        """Return the (cached) new-issue message of an issue, or None if it is gone."""
        if issue_id not in self.messages:
            issue = self.store.find_issue(issue_id)
            self.messages[issue_id] = (
                _Message(render.new_issue_head(issue, self.paper_name), articles_keyboard(issue))
                if issue is not None
                else None
            )
        return self.messages[issue_id]

    def pending(self, limit: int) -> list[tuple[int, int, str]]:
        """Return (row id, chat id, issue id) of the oldest pending rows."""
        with self.db.session() as session:
            query = (
                select(OutboxRow.id, OutboxRow.chat_id, OutboxRow.issue_id)
                .where(OutboxRow.state == PENDING)
                .order_by(OutboxRow.id)
                .limit(limit)
            )
            return [(r[0], r[1], r[2]) for r in session.execute(query).all()]

    def claim(self, row_id: int) -> bool:
        """Move a row from pending to sending; False if someone else claimed it first."""
        with self.db.session() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id, OutboxRow.state == PENDING)
                .values(state=SENDING, attempts=OutboxRow.attempts + 1, updated_at=self.clock())
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def settle(self, row_id: int, chat_id: int, outcome: Outcome, error: str = "") -> None:
        """Record the outcome of a claimed row."""
        values: dict[str, object] = {"updated_at": self.clock(), "last_error": error[:200]}
        if outcome in ("retry", "offline"):
            with self.db.session() as session:
                attempts = session.scalar(select(OutboxRow.attempts).where(OutboxRow.id == row_id))
            if outcome == "offline":
                values["attempts"] = max(0, (attempts or 1) - 1)  # it never left: not an attempt
                values["state"] = PENDING
            else:
                values["state"] = PENDING if (attempts or 0) < self.max_attempts else FAILED
        else:
            values["state"] = {"sent": SENT, "blocked": BLOCKED, "failed": FAILED}.get(
                outcome, UNKNOWN
            )
        with self.db.session() as session:
            session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**values))
        if outcome == "blocked":
            self.subscribers.unsubscribe(chat_id, reason="blocked")

    async def send(self, row_id: int, chat_id: int, message: _Message) -> None:
        """Send one claimed row and settle it."""
        try:
            await self.bot.send_message(
                chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.markup,
                read_timeout=self.read_timeout,
                write_timeout=self.read_timeout,
            )
        except TelegramError as exc:
            outcome, wait = classify(exc)
            if wait:
                self.pacer.pause(wait)
            if outcome == "offline":
                self.offline = True
            self.settle(row_id, chat_id, outcome, f"{type(exc).__name__}: {exc}")
            self._count(outcome)
            if outcome in ("failed", "unknown"):
                log.warning("outbox row %s to chat %s: %s", row_id, chat_id, outcome)
        else:
            self.settle(row_id, chat_id, "sent")
            self._count("sent")
        finally:
            self.slots.release()

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

    async def run(self, batch: int = 200) -> DrainReport:
        """Send every pending row, then return the report."""
        started = time.monotonic()
        tasks: set[asyncio.Task[None]] = set()
        try:
            while not self.halted():
                rows = self.pending(batch)
                if not rows:
                    if not tasks:
                        break
                    # Rows in flight may come back as pending (429): wait for them, then look again.
                    await asyncio.gather(*tasks)
                    continue
                for row_id, chat_id, issue_id in rows:
                    message = self.message_for(issue_id)
                    if message is None:
                        if self.claim(row_id):
                            self.settle(row_id, chat_id, "failed", "issue not found")
                            self._count("failed")
                        continue
                    await self.pacer.wait(chat_id)
                    await self.slots.acquire()
                    if self.halted() or not self.claim(row_id):
                        self.slots.release()
                        if self.halted():
                            break
                        continue
                    task = asyncio.create_task(self.send(row_id, chat_id, message))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            # Graceful stop: every claimed row is sent and settled before we return.
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        self.report.stopped = self.halted()
        self.report.elapsed_s = time.monotonic() - started
        return self.report


async def drain_outbox(
    bot: Bot,
    db: Database,
    *,
    paper_name: str,
    pacer: SendPacer | None = None,
    concurrency: int = 8,
    read_timeout: float = 10.0,
    max_attempts: int = 8,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Clock = utc_now,
) -> DrainReport:
    """Send every pending new-issue message once (at most once: see the module docstring)."""
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
    )
    return await drainer.run()
