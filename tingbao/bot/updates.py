"""Answer each update once, even when several replicas receive it.

Telegram sends an update again when its webhook call failed or timed out, possibly to another
replica behind the proxy. The first replica to insert (bot id, update_id) into bot_updates takes it;
any other hits the primary key and stops the update before any handler runs (ApplicationHandlerStop
in the earliest group). That makes answering AT MOST ONCE per update: a replica that dies after
taking an update and before answering it leaves it unanswered (the user asks again), which beats
answering twice. Rows older than a day are pruned by a periodic job; Telegram gives up re-sending
an update long before that. Only webhook mode needs this (getUpdates gives each update to one
consumer), and inline queries, which come with every keystroke, are let through unrecorded.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from tingbao.chat.tables import SeenUpdateRow
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database

log = logging.getLogger(__name__)

KEEP = timedelta(days=1)
Context = ContextTypes.DEFAULT_TYPE


class SeenUpdates:
    """Record update ids; `take` says whether this process is the first to see one."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def take(self, bot_id: int, update_id: int) -> bool:
        """Return True if no process took this update before (and take it), else False."""
        try:
            with self.db.session() as session:
                session.add(SeenUpdateRow(bot_id=bot_id, update_id=update_id, seen_at=self.clock()))
        except IntegrityError:
            return False
        return True

    def prune(self, keep: timedelta = KEEP) -> int:
        """Forget updates seen more than `keep` ago; return how many."""
        with self.db.session() as session:
            result = session.execute(
                delete(SeenUpdateRow).where(SeenUpdateRow.seen_at < self.clock() - keep)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


class OnceGuard:
    """The first handler (its own group): stop an update another replica has already taken."""

    def __init__(self, seen: SeenUpdates) -> None:
        self.seen = seen

    async def __call__(self, update: object, context: Context) -> None:
        if not isinstance(update, Update) or update.inline_query is not None:
            return  # inline queries come with every keystroke; answering one twice is harmless
        if not self.seen.take(context.bot.id, update.update_id):
            log.info("update %s was taken by another replica; not answered here", update.update_id)
            raise ApplicationHandlerStop


class PruneJob:
    """The periodic job that forgets old update ids."""

    def __init__(self, seen: SeenUpdates) -> None:
        self.seen = seen

    async def __call__(self, context: Any) -> None:
        removed = self.seen.prune()
        if removed:
            log.debug("forgot %d old update ids", removed)
