"""The offline voice speaks a few pieces in this process and starts its workers only for more."""

from __future__ import annotations

import asyncio

from tingbao.audio.mp3 import parse_frames
from tingbao.audio.offline import OfflineSynthesizer

SENTENCE = "虹桥镇召开年中工作会议，会上强调要开好局、起好步。"
TEXTS = [f"第{n}段。" + SENTENCE * 4 for n in range(1, 13)]  # several seconds of work


async def test_a_paragraph_is_spoken_here_without_starting_the_workers() -> None:
    engine = OfflineSynthesizer(workers=2)
    try:
        normal, slow = await asyncio.gather(  # a corrected paragraph: normal and slow
            engine.synthesize(TEXTS[0], "zh-CN", "+0%"),
            engine.synthesize(TEXTS[0], "zh-CN", "-25%"),
        )
        assert parse_frames(normal.mp3).data == normal.mp3 and normal.heard is not None
        assert slow.duration_s > normal.duration_s > 1
        assert not engine.started  # it never waits for processes to start
    finally:
        engine.close()


async def test_pieces_waiting_for_the_lane_start_the_workers_which_then_take_them() -> None:
    engine = OfflineSynthesizer(workers=2)
    try:
        speeches = await asyncio.gather(*(engine.synthesize(t, "zh-CN", "+0%") for t in TEXTS))
        assert engine.started
        assert all(s.duration_s > 1 and s.mastered for s in speeches)
        await engine.start()  # ready now: every later piece goes to a worker
        assert (await engine.synthesize(TEXTS[0], "zh-CN", "-25%")).duration_s > 1
    finally:
        engine.close()
    assert not engine.started


def test_an_engine_serves_one_event_loop_after_another() -> None:
    engine = OfflineSynthesizer(workers=2)
    try:
        for _ in range(2):  # each pass of `tingbao run --once` style code has its own loop
            asyncio.run(engine.start())
            speech = asyncio.run(engine.synthesize(TEXTS[1], "zh-CN", "+0%"))
            assert speech.duration_s > 1
    finally:
        engine.close()
