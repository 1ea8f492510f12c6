"""The channel pacer's arithmetic, on a clock that moves only when it sleeps."""

from __future__ import annotations

import pytest

from tests.bot.data import FakeClock
from tingbao.chat.pacing import ChannelPacer


@pytest.mark.parametrize(
    ("per_minute", "min_gap_s", "count", "expected"),
    [
        (20, 1.0, 4, [0, 1, 2, 3]),  # a small issue: one a second
        (3, 0.0, 7, [0, 0, 0, 60, 60, 60, 120]),  # a burst, then the minute's window
        (3, 1.0, 5, [0, 1, 2, 60, 61]),
        (0, 0.0, 3, [0, 0, 0]),  # unthrottled (tests, benchmarks)
    ],
)
async def test_requests_keep_to_the_limits(
    per_minute: float, min_gap_s: float, count: int, expected: list[float]
) -> None:
    clock = FakeClock()
    pacer = ChannelPacer(per_minute, min_gap_s, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(count):
        await pacer.wait()
        times.append(clock.now)
    assert times == expected


async def test_a_429_pauses_every_request_for_retry_after() -> None:
    clock = FakeClock()
    pacer = ChannelPacer(20, 1.0, clock=clock, sleep=clock.sleep)
    await pacer.wait()
    pacer.pause(7.0)
    await pacer.wait()
    assert clock.now == 7.0


def test_the_window_forgets_old_requests() -> None:
    pacer = ChannelPacer(2, 0.0, clock=lambda: 0.0)
    pacer.recent.extend([0.0, 1.0])
    assert pacer.delay(30.0) == 30.0  # the oldest leaves the window at 60
    assert pacer.delay(60.5) == 0.0 and list(pacer.recent) == [1.0]
