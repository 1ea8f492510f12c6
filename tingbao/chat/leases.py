"""Named leases in the database: one holder at a time across processes and machines.

A lease is taken when nobody holds it, when its holder let it lapse (a crashed replica), or by
its own holder (renewal). Taking is one UPDATE (or the INSERT of a new name, where the primary key
makes concurrent first takers race safely), so it works alike on SQLite and PostgreSQL.
`HeldLease` renews it in the background every third of its length while work goes on, so a lease
can be short (a dead holder's work is taken over soon) however long one step takes; the work
checks `held` before each step that must not run twice at once, and the lease is given back when
done. Replica clocks must agree to well within a lease (NTP).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Base, Database

log = logging.getLogger(__name__)


class LeaseRow(Base):
    __tablename__ = "bot_leases"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def take_lease(db: Database, name: str, owner: str, seconds: float, clock: Clock = utc_now) -> bool:
    """Take or renew the lease `name` for `seconds`; False while another owner holds it."""
    now = clock()
    until = now + timedelta(seconds=seconds)
    with db.session() as session:
        taken = session.execute(
            update(LeaseRow)
            .where(
                LeaseRow.name == name,
                or_(LeaseRow.owner == owner, LeaseRow.until < now),
            )
            .values(owner=owner, until=until)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            return True
        if session.get(LeaseRow, name) is not None:
            return False
    try:
        with db.session() as session:
            session.add(LeaseRow(name=name, owner=owner, until=until))
    except IntegrityError:  # another process took it first
        return False
    return True


def give_back_lease(db: Database, name: str, owner: str, clock: Clock = utc_now) -> None:
    """End our hold of `name` now, so another process need not wait for it to lapse."""
    with db.session() as session:
        session.execute(
            update(LeaseRow)
            .where(LeaseRow.name == name, LeaseRow.owner == owner)
            .values(until=clock())
        )


class HeldLease:
    """A lease this process holds while it works; `held` turns False if it was lost."""

    def __init__(self, db: Database, name: str, owner: str, seconds: float, clock: Clock) -> None:
        self.db = db
        self.name = name
        self.owner = owner
        self.seconds = seconds
        self.clock = clock
        self.held = True

    async def keep(self) -> None:
        """Renew the lease every third of its length until cancelled or lost."""
        while self.held:
            await asyncio.sleep(self.seconds / 3)
            try:
                self.held = take_lease(self.db, self.name, self.owner, self.seconds, self.clock)
            except SQLAlchemyError:  # the database is away: stop rather than risk a double
                log.exception("lease %s could not be renewed", self.name)
                self.held = False


@contextlib.asynccontextmanager
async def hold_lease(
    db: Database, name: str, owner: str, seconds: float, clock: Clock = utc_now
) -> AsyncIterator[HeldLease | None]:
    """Take the lease and keep it renewed while the block runs; yield None if another holds it.

    The lease is given back when the block ends, so the next holder need not wait for it to lapse.
    """
    if not take_lease(db, name, owner, seconds, clock):
        yield None
        return
    lease = HeldLease(db, name, owner, seconds, clock)
    keeper = asyncio.create_task(lease.keep())
    try:
        yield lease
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        if lease.held:
            give_back_lease(db, name, owner, clock)
