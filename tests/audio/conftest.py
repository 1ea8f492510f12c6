"""Fixtures of the audio tests: the fake edge-tts server and engines wired to it, and an
audio service with the offline voice in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from edge_tts.drm import DRM

from tests.audio.fake_edge import FakeEdge
from tingbao.audio.engines import make_synthesizers
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings


async def no_sleep(_seconds: float) -> None:
    """Skip backoff waits in tests."""


@pytest.fixture(autouse=True)
def _true_clock() -> Iterator[None]:
    # edge-tts adds (server Date - local clock) to this class attribute on every 403, and the 403
    # tests cause that on purpose. Unlike the service URL (set by each EdgeSynthesizer), it cannot
    # be wired, so every test starts from an uncorrected clock.
    DRM.clock_skew_seconds = 0.0
    yield
    DRM.clock_skew_seconds = 0.0


@pytest.fixture
async def fake_edge() -> AsyncIterator[FakeEdge]:
    server = FakeEdge()
    runner = await server.start()
    yield server
    await runner.cleanup()


@pytest.fixture
def offline_service(
    settings: Settings, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> Iterator[AudioService]:
    engines = make_synthesizers(
        settings.audio, offline=OfflineSynthesizer(workers=0), sleep=no_sleep
    )
    service = AudioService(settings.audio, settings.paper, store, assets, publisher, engines)
    yield service
    service.close()
