"""The wall clock rows are stamped with, injectable so tests can set the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC (the default Clock of every store)."""
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """Return a stored time as UTC: SQLite gives it back without its time zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
