"""Reliable speech for pieces: cache, at most N requests at a time, retries, a circuit breaker,
and every piece mastered to the loudness norm (master.py) and profiled before it is kept.

Retries: transient failures (503, no audio, truncated audio, timeouts) up to `attempts` times,
an unavailable engine (403, refused) up to `unavailable_attempts` times, with exponential backoff
and full jitter. When a piece still fails the breaker opens for `cooldown_s`: further pieces fail
at once instead of waiting, so the auto mode falls back to the offline voice quickly.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from tingbao.audio.cache import PieceCache, piece_key
from tingbao.audio.errors import (
    EngineUnavailableError,
    SynthesisError,
    SynthesisFailedError,
    TransientSynthesisError,
)
from tingbao.audio.master import MASTER_VERSION, heard_mp3, master_mp3
from tingbao.audio.speech import Speech, Synthesizer

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class SpeakerStats:
    """Counters for reports and benchmarks."""

    requests: int = 0  # calls to the engine, retries included
    cache_hits: int = 0
    retries: int = 0
    failures: int = 0


class Speaker:
    """Speech for one engine, cached by content, with bounded concurrency and retries."""

    def __init__(
        self,
        engine: Synthesizer,
        cache: PieceCache,
        *,
        concurrency: int = 2,
        attempts: int = 4,
        unavailable_attempts: int = 2,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        cooldown_s: float = 120.0,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.attempts = attempts
        self.unavailable_attempts = unavailable_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.cooldown_s = cooldown_s
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.clock = clock
        self.stats = SpeakerStats()
        self._limit = asyncio.Semaphore(concurrency)
        self._inflight: dict[str, asyncio.Future[Speech]] = {}
        self._open_until = 0.0

    @property
    def name(self) -> str:
        """Return the engine name ("edge" or "offline")."""
        return self.engine.name

    def key(self, text: str, voice: str, rate: str, mastering: str | None = MASTER_VERSION) -> str:
        """Return the cache key of text read by this engine (mastering None: the raw audio)."""
        return piece_key(self.engine.name, self.engine.voice_id(voice), rate, text, mastering)

    def breaker_open(self) -> bool:
        """Return whether recent failures make this engine skip requests for now."""
        return self.clock() < self._open_until

    def reset(self) -> None:
        """Close the breaker (the engine was seen working)."""
        self._open_until = 0.0

    async def speak(self, text: str, voice: str, rate: str) -> Speech:
        """Return speech for text from the cache, or from the engine (one request per text)."""
        key = self.key(text, voice, rate)
        while True:
            cached = self.cache.get(key)
            if cached is not None:
                self.stats.cache_hits += 1
                if cached.heard is None:  # kept before profiles: profiled once, kept again
                    cached = await self._profiled(cached)
                    self.cache.put(key, cached)
                return cached
            pending = self._inflight.get(key)
            if pending is None:
                break
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                this = asyncio.current_task()
                if not pending.cancelled() or (this is not None and this.cancelling()):
                    raise  # this task itself was cancelled (too: a stop cancels every piece)
                # the task making this piece was cancelled: make it here instead
        future: asyncio.Future[Speech] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            speech = await self._mastered(text, voice, rate)
            self.cache.put(key, speech)
            future.set_result(speech)
            return speech
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:  # handed to every waiter, then re-raised unchanged
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]

    async def _mastered(self, text: str, voice: str, rate: str) -> Speech:
        """Return speech at the loudness norm: from the engine, or from a raw piece kept before
        mastering existed (so an upgrade makes no new request for it)."""
        raw = self.cache.get(self.key(text, voice, rate, mastering=None))
        speech = raw if raw is not None else await self._with_retries(text, voice, rate)
        if not speech.mastered:
            frames = await asyncio.to_thread(master_mp3, speech.mp3)
            speech = replace(speech, mp3=frames.data, duration_s=frames.duration_s, mastered=True)
        return speech if speech.heard is not None else await self._profiled(speech)

    async def _profiled(self, speech: Speech) -> Speech:
        """Return speech with the profile of what a player hears of it."""
        return replace(speech, heard=await asyncio.to_thread(heard_mp3, speech.mp3))

    async def _with_retries(self, text: str, voice: str, rate: str) -> Speech:
        last: SynthesisError | None = None
        for attempt in range(1, self.attempts + 1):
            if self.breaker_open():
                raise EngineUnavailableError(f"{self.name} is paused after repeated failures")
            try:
                async with self._limit:
                    self.stats.requests += 1
                    return await self.engine.synthesize(text, voice, rate)
            except EngineUnavailableError as exc:
                last = exc
                if attempt >= self.unavailable_attempts:
                    break
            except TransientSynthesisError as exc:
                last = exc
            if attempt < self.attempts:
                self.stats.retries += 1
                await self.sleep(self._backoff(attempt))
        self.stats.failures += 1
        self._open_until = self.clock() + self.cooldown_s
        raise SynthesisFailedError(f"{self.name}: {last}") from last

    def _backoff(self, attempt: int) -> float:
        """Return a full-jitter exponential delay so parallel retries do not arrive together."""
        return self.rng.uniform(0, min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))
