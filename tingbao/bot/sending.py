"""What a failed Telegram request means, and who is sending: shared by the outbox (outbox.py) and
the channel (channel.py), and by the settings that check a lease outlasts a send.

A request that provably never left (a connection that never opened, a pool or connect timeout)
or that Telegram refused (429: wait retry_after) may be sent again at no cost; a read or write
timeout or a broken answer is in doubt: Telegram may have taken it (Telegram has no idempotency
key). Each caller decides what doubt costs it (outbox.py and channel.py say so in their
docstrings).
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

# httpx and telegram are imported where a failure is classified: the settings import this module
# (DEFAULT_LEASE_S, request_budget), and every command reads the settings.
if TYPE_CHECKING:
    from telegram.error import RetryAfter

Outcome = Literal["sent", "retry", "offline", "blocked", "failed", "unknown"]
DEFAULT_LEASE_S = 120.0  # how long a claimed outbox row stays claimed


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return RetryAfter's wait in seconds (a timedelta under PTB_TIMEDELTA, else an int)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: BaseException) -> tuple[Outcome, float]:
    """Return what a failed send means for the row, and how long every send must wait.

    Only what provably never left (connect errors, pool and connect timeouts) or what Telegram
    refused (429) is sent again; a read or write timeout is in doubt: `unknown` (step 4).
    """
    import httpx
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

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


def request_budget(read_timeout: float) -> float:
    """Return the longest one send can take: pool, connect, write and read timeouts, plus slack
    for the rate limiter's queue (each timeout is read_timeout; see OutboxDrainer.send)."""
    return 5 * read_timeout


def new_owner() -> str:
    """Return a name for one drain, unique across replicas and restarts: host, pid, random."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
