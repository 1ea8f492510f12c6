"""Fixtures of the audio tests: the fake edge-tts server and engines wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import edge_tts.communicate
import pytest
from edge_tts.drm import DRM

from tests.audio.fake_edge import FakeEdge

_REAL_URL = edge_tts.communicate.WSS_URL


async def no_sleep(_seconds: float) -> None:
    """Skip backoff waits in tests."""


@pytest.fixture(autouse=True)
def _edge_state() -> Iterator[None]:
    # DRM.clock_skew_seconds and WSS_URL are process-wide: restore both after every test.
    DRM.clock_skew_seconds = 0.0
    yield
    DRM.clock_skew_seconds = 0.0
    edge_tts.communicate.WSS_URL = _REAL_URL


@pytest.fixture
async def fake_edge() -> AsyncIterator[FakeEdge]:
    server = FakeEdge()
    runner = await server.start()
    yield server
    await runner.cleanup()
