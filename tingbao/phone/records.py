"""Recording calls: the caller's number as a keyed hash (never in clear), start, end, and what
was listened to. Each write is its own short transaction, from the call's thread."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC

from tingbao.phone.tables import PhoneCallRow, PhoneListenRow
from tingbao.store.clock import Clock, utc_now
from tingbao.store.engine import Database


def caller_hash(number: str, key: bytes) -> str:
    """Return a keyed hash of a caller's number: repeat callers match, the number stays unknown
    (a plain hash of a phone number is undone by trying every number)."""
    return hmac.new(key, number.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


class CallRecords:
    """Write call rows to the database."""

    def __init__(self, db: Database, key: bytes, clock: Clock = utc_now) -> None:
        self.db = db
        self.key = key
        self.clock = clock

    def started(self, caller: str) -> tuple[str, str]:
        """Record a new call; return its id and the caller's hash."""
        call_id = uuid.uuid4().hex
        hashed = caller_hash(caller, self.key)
        with self.db.session() as session:
            session.add(PhoneCallRow(id=call_id, caller_hash=hashed, started_at=self.clock()))
        return call_id, hashed

    def listened(self, call_id: str, item_id: str, issue_id: str, slow: bool) -> None:
        """Record that a caller chose an article or a whole issue."""
        with self.db.session() as session:
            session.add(
                PhoneListenRow(
                    call_id=call_id,
                    item_id=item_id,
                    issue_id=issue_id,
                    slow=slow,
                    listened_at=self.clock(),
                )
            )

    def ended(self, call_id: str, reason: str, keys: int) -> None:
        """Record how and when a call ended."""
        with self.db.session() as session:
            row = session.get(PhoneCallRow, call_id)
            if row is None:
                return
            now = self.clock()
            row.ended_at = now
            started = row.started_at
            if started.tzinfo is None:  # SQLite returns naive datetimes
                started = started.replace(tzinfo=UTC)
            row.seconds = (now - started).total_seconds()
            row.reason = reason[:40]
            row.keys = keys
