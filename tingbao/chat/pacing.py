"""Rate limits: pacing of outgoing broadcast messages and of posts into one channel, and per-user
flood limits on incoming ones.

Both take an injected clock so the arithmetic is tested without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Monotonic = Callable[[], float]  # seconds that only go forward (time.monotonic)
Sleep = Callable[[float], Awaitable[None]]

TELEGRAM_MESSAGES_PER_S = 30.0
TELEGRAM_PER_CHAT_INTERVAL_S = 1.0
CHANNEL_MESSAGES_PER_MINUTE = 20.0  # Telegram: about 20 a minute into one group or channel


class SendPacer:
    """Space sends: at most `rate` per second overall, one per chat per interval, none while paused.

    rate <= 0 means no overall limit (tests and benchmarks of the machinery itself).
    """

    def __init__(
        self,
        rate: float = TELEGRAM_MESSAGES_PER_S,
        per_chat_interval: float = TELEGRAM_PER_CHAT_INTERVAL_S,
        clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.gap = 1.0 / rate if rate > 0 else 0.0
        self.per_chat_interval = per_chat_interval
        self.clock = clock
        self.sleep = sleep
        self.next_any = 0.0
        self.next_chat: dict[int, float] = {}
        self.paused_until = 0.0

    def reserve(self, chat_id: int, now: float) -> float:
        """Reserve the next slot for chat_id and return how long to wait for it."""
        slot = max(now, self.next_any, self.next_chat.get(chat_id, 0.0), self.paused_until)
        self.next_any = slot + self.gap
        self.next_chat[chat_id] = slot + self.per_chat_interval
        if len(self.next_chat) > 10_000:
            self.next_chat = {c: t for c, t in self.next_chat.items() if t > now}
        return slot - now

    def pause(self, seconds: float) -> None:
        """Stop every send for seconds (Telegram answered 429 with retry_after)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def wait(self, chat_id: int) -> None:
        """Wait until chat_id may be sent to, honouring pauses that begin while waiting."""
        delay = self.reserve(chat_id, self.clock())
        while delay > 0:
            await self.sleep(delay)
            now = self.clock()
            delay = self.paused_until - now if self.paused_until > now else 0.0
            if delay > 0:
                self.next_any = max(self.next_any, self.paused_until + self.gap)


class FloodGate:
    """Allow each user at most `limit` updates per `window` seconds; tell them once when over."""

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        clock: Monotonic = time.monotonic,
        max_tracked: int = 10_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_tracked = max_tracked
        self.seen: dict[int, deque[float]] = {}
        self.warned_until: dict[int, float] = {}

    def prune(self, now: float) -> None:
        """Forget users quiet for a whole window, so memory follows active users only."""
        quiet = [u for u, times in self.seen.items() if not times or times[-1] <= now - self.window]
        for user_id in quiet:
            del self.seen[user_id]
        self.warned_until = {u: t for u, t in self.warned_until.items() if t > now}

    def check(self, user_id: int) -> str:
        """Return "ok", "warn" (first refusal in a window: say so) or "drop" (refuse silently)."""
        now = self.clock()
        if len(self.seen) >= self.max_tracked and user_id not in self.seen:
            self.prune(now)
        times = self.seen.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return "ok"
        if self.warned_until.get(user_id, 0.0) > now:
            return "drop"
        self.warned_until[user_id] = times[0] + self.window
        return "warn"


class ChannelPacer:
    """Allow at most `per_minute` requests in any 60 s and `min_gap_s` between two; pause on 429.

    per_minute <= 0 means no per-minute limit (tests and benchmarks of the machinery itself).
    """

    def __init__(
        self,
        per_minute: float = CHANNEL_MESSAGES_PER_MINUTE,
        min_gap_s: float = TELEGRAM_PER_CHAT_INTERVAL_S,
        clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        window_s: float = 60.0,
    ) -> None:
        self.limit = int(per_minute) if per_minute > 0 else 0
        self.min_gap_s = min_gap_s
        self.window_s = window_s
        self.clock = clock
        self.sleep = sleep
        self.recent: deque[float] = deque()
        self.paused_until = 0.0

    def delay(self, now: float) -> float:
        """Return how long the next request must wait from now."""
        while self.recent and self.recent[0] <= now - self.window_s:
            self.recent.popleft()
        ready = self.paused_until
        if self.recent:
            ready = max(ready, self.recent[-1] + self.min_gap_s)
        if self.limit and len(self.recent) >= self.limit:
            ready = max(ready, self.recent[-self.limit] + self.window_s)
        return max(0.0, ready - now)

    def pause(self, seconds: float) -> None:
        """Stop every request for seconds (Telegram answered 429 with retry_after)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def wait(self) -> None:
        """Wait for the next slot and take it."""
        while (delay := self.delay(self.clock())) > 0:
            await self.sleep(delay)
        self.recent.append(self.clock())
