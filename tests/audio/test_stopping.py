"""Stopping a build stops its speech: a cancelled piece is not started again by another reading
that waited for it, and closing the offline voice does not wait for the pieces its worker
processes are speaking."""

from __future__ import annotations

import asyncio
import time

from tingbao.audio.cache import MemoryCache
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.speaker import Speaker
from tingbao.audio.speech import Speech


class SlowEngine:
    """An engine whose every request takes a long time; it counts the requests it was sent."""

    name = "offline"

    def __init__(self) -> None:
        self.requests = 0

    def voice_id(self, voice: str) -> str:
        return voice

    async def synthesize(self, text: str, voice: str, rate: str) -> Speech:
        self.requests += 1
        await asyncio.sleep(60)
        raise AssertionError("never reached: the test cancels first")


async def test_cancelling_every_reading_of_a_piece_starts_no_new_request() -> None:
    engine = SlowEngine()
    speaker = Speaker(engine, MemoryCache(), concurrency=2)
    owner = asyncio.create_task(speaker.speak("社区食堂开张。", "v", "+0%"))
    await asyncio.sleep(0.05)
    waiter = asyncio.create_task(speaker.speak("社区食堂开张。", "v", "+0%"))
    await asyncio.sleep(0.05)
    owner.cancel()  # a stop cancels every task: the owner first, the one waiting for it next
    await asyncio.sleep(0)
    waiter.cancel()
    done, _ = await asyncio.wait({owner, waiter}, timeout=2)
    assert done == {owner, waiter}
    assert owner.cancelled() and waiter.cancelled()
    assert engine.requests == 1  # the waiter did not make the piece again


async def test_the_reading_that_waited_makes_the_piece_when_only_its_maker_stops() -> None:
    engine = SlowEngine()
    speaker = Speaker(engine, MemoryCache(), concurrency=2)
    owner = asyncio.create_task(speaker.speak("社区食堂开张。", "v", "+0%"))
    await asyncio.sleep(0.05)
    waiter = asyncio.create_task(speaker.speak("社区食堂开张。", "v", "+0%"))
    await asyncio.sleep(0.05)
    owner.cancel()
    await asyncio.sleep(0.1)
    assert engine.requests == 2 and not waiter.done()  # taken over, as before
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)


async def test_closing_the_offline_voice_does_not_wait_for_busy_workers() -> None:
    engine = OfflineSynthesizer(workers=2)
    await engine.start()
    text = "居民们在社区食堂排队，品尝新开张的午餐，老人八折。" * 40
    pieces = [asyncio.ensure_future(engine.synthesize(text, "v", "+0%")) for _ in range(8)]
    await asyncio.sleep(0.3)  # the workers are busy with the first pieces
    started = time.monotonic()
    engine.close()
    closed_in = time.monotonic() - started
    for piece in pieces:
        piece.cancel()
    await asyncio.gather(*pieces, return_exceptions=True)
    assert closed_in < 3, f"close took {closed_in:.1f} s"
    assert not engine.started
