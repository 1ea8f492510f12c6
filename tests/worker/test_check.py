"""`tingbao check` against a reachable (fake) and an unreachable edge-tts service."""

from __future__ import annotations

from collections.abc import Iterator

import edge_tts.communicate
import pytest

from tests.audio.fake_edge import FakeEdge, pristine_edge_state
from tingbao.paper.settings import Settings
from tingbao.worker.check import healthy, run_checks


@pytest.fixture(autouse=True)
def _restore_edge() -> Iterator[None]:
    with pristine_edge_state():
        yield


async def test_edge_mode_is_healthy_when_the_service_answers(settings: Settings) -> None:
    server = FakeEdge()
    runner = await server.start()
    try:
        edge_tts.communicate.WSS_URL = server.url
        checks = await run_checks(settings.with_overrides(tts="edge"))
    finally:
        await runner.cleanup()
    by_name = {c.name: c for c in checks}
    assert by_name["edge-tts"].ok and by_name["edge-tts"].detail == "reachable"
    assert "offline voice" not in by_name
    assert healthy(checks)


async def test_auto_mode_stays_healthy_on_the_offline_voice(settings: Settings) -> None:
    edge_tts.communicate.WSS_URL = "ws://127.0.0.1:9/nothing-listens-here"
    checks = await run_checks(settings.with_overrides(tts="auto"))
    by_name = {c.name: c for c in checks}
    assert not by_name["edge-tts"].ok and not by_name["edge-tts"].required
    assert by_name["offline voice"].ok
    assert healthy(checks)
    edge_only = await run_checks(settings.with_overrides(tts="edge"))
    assert not healthy(edge_only)
