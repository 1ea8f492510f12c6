"""The offline voice speaks a few pieces in this process and starts its workers only for more."""

from __future__ import annotations

import asyncio

from tingbao.audio.mp3 import parse_frames
from tingbao.audio.offline import OfflineSynthesizer

TEXTS = [f"第{n}段。虹桥镇召开年中工作会议，会上强调要开好局、起好步。" for n in range(1, 7)]


async def test_one_piece_is_spoken_here_without_starting_the_workers() -> None:
    engine = OfflineSynthesizer(workers=2)
    try:
        speech = await engine.synthesize(TEXTS[0], "zh-CN", "+0%")
        assert speech.duration_s > 1 and parse_frames(speech.mp3).data == speech.mp3
        assert not engine.started  # a corrected paragraph never waits for processes to start
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
