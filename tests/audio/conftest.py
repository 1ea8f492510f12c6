"""Fixtures of the audio tests: the fake edge-tts server and engines wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.audio.fake_edge import FakeEdge, pristine_edge_state


async def no_sleep(_seconds: float) -> None:
    """Skip backoff waits in tests."""


@pytest.fixture(autouse=True)
def _edge_state() -> Iterator[None]:
    # DRM.clock_skew_seconds and WSS_URL are process-wide: restore both after every test.
    with pristine_edge_state():
        yield


@pytest.fixture
async def fake_edge() -> AsyncIterator[FakeEdge]:
    server = FakeEdge()
    runner = await server.start()
    yield server
    await runner.cleanup()
