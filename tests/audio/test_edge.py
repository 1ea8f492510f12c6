"""The real edge-tts client against the fake edge-tts server: audio, timings and faults."""

from __future__ import annotations

import asyncio

import pytest

from tests.audio.conftest import no_sleep
from tests.audio.fake_edge import FakeEdge, Faults
from tingbao.audio.cache import MemoryCache
from tingbao.audio.edge import EdgeSynthesizer
from tingbao.audio.errors import (
    EngineUnavailableError,
    NoAudioError,
    SynthesisFailedError,
    TransientSynthesisError,
    TruncatedAudioError,
)
from tingbao.audio.mp3 import parse_frames
from tingbao.audio.speaker import Speaker

VOICE = "zh-CN-XiaoxiaoNeural"
TEXT = "虹桥镇召开二零二零年年中工作会议。会上明确了下半年工作重点。"


def edge(server: FakeEdge, **options: int | float) -> EdgeSynthesizer:
    return EdgeSynthesizer(wss_url=server.url, receive_timeout_s=5, **options)  # type: ignore[arg-type]


async def test_audio_and_sentence_timings_end_to_end(fake_edge: FakeEdge) -> None:
    speech = await edge(fake_edge).synthesize(TEXT, VOICE, "+0%")
    assert fake_edge.texts == [TEXT]
    assert parse_frames(speech.mp3).count * 144 == len(speech.mp3)
    assert [b.text for b in speech.boundaries] == [
        "虹桥镇召开二零二零年年中工作会议。",
        "会上明确了下半年工作重点。",
    ]
    first, second = speech.boundaries
    assert first.start_s == pytest.approx(0.05)
    assert first.end_s == pytest.approx(0.05 + 16 / 5)
    assert second.start_s == pytest.approx(first.end_s + 0.1)
    assert speech.duration_s == pytest.approx(second.end_s + 0.3, abs=0.03)
    assert speech.engine == "edge"


async def test_slow_rate_reaches_the_service_and_lengthens_audio(fake_edge: FakeEdge) -> None:
    normal = await edge(fake_edge).synthesize(TEXT, VOICE, "+0%")
    slow = await edge(fake_edge).synthesize(TEXT, VOICE, "-25%")
    assert fake_edge.rates == ["+0%", "-25%"]
    assert slow.duration_s == pytest.approx(normal.duration_s / 0.75, rel=0.05)


async def test_403_on_handshake_means_unavailable(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(status=403)
    with pytest.raises(EngineUnavailableError):
        await edge(fake_edge).synthesize(TEXT, VOICE, "+0%")
    assert fake_edge.connections == 2  # edge-tts corrects clock skew once and retries


async def test_503_is_retried_until_it_passes(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(status=503, times=2)
    speaker = Speaker(edge(fake_edge), MemoryCache(), sleep=no_sleep)
    speech = await speaker.speak(TEXT, VOICE, "+0%")
    assert speech.duration_s > 6
    assert speaker.stats.requests == 3 and speaker.stats.retries == 2


async def test_no_audio_is_detected(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(no_audio=True)
    with pytest.raises(NoAudioError):
        await edge(fake_edge).synthesize(TEXT, VOICE, "+0%")


async def test_connection_closed_halfway_is_detected_as_truncated(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(truncate=True)
    with pytest.raises(TruncatedAudioError):
        await edge(fake_edge).synthesize(TEXT, VOICE, "+0%")


async def test_truncated_audio_is_retried_and_never_cached(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(truncate=True, times=1)
    cache = MemoryCache()
    speaker = Speaker(edge(fake_edge), cache, sleep=no_sleep)
    speech = await speaker.speak(TEXT, VOICE, "+0%")
    assert speech.boundaries[-1].end_s <= speech.duration_s
    assert len(cache.items) == 1
    assert fake_edge.connections == 2


async def test_persistent_failure_gives_up_and_opens_the_breaker(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(status=503)
    speaker = Speaker(edge(fake_edge), MemoryCache(), sleep=no_sleep, attempts=3)
    with pytest.raises(SynthesisFailedError):
        await speaker.speak(TEXT, VOICE, "+0%")
    assert fake_edge.connections == 3
    with pytest.raises(EngineUnavailableError):
        await speaker.speak("另一句话。", VOICE, "+0%")
    assert fake_edge.connections == 3  # the open breaker made no request


async def test_slow_server_with_at_most_two_requests_at_a_time(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(latency_s=0.3)
    speaker = Speaker(edge(fake_edge), MemoryCache(), sleep=no_sleep, concurrency=2)
    texts = [f"第{n}句话说完了。" for n in "一二三四五六"]
    speeches = await asyncio.gather(*(speaker.speak(t, VOICE, "+0%") for t in texts))
    assert len(speeches) == 6 and fake_edge.requests == 6
    assert fake_edge.max_active == 2


async def test_server_slower_than_the_timeout_is_a_transient_failure(fake_edge: FakeEdge) -> None:
    fake_edge.faults = Faults(latency_s=3)
    synth = EdgeSynthesizer(wss_url=fake_edge.url, receive_timeout_s=1, total_timeout_s=2)
    with pytest.raises(TransientSynthesisError):
        await synth.synthesize(TEXT, VOICE, "+0%")


async def test_unreachable_service_is_unavailable() -> None:
    synth = EdgeSynthesizer(wss_url="ws://127.0.0.1:9/edge/v1?TrustedClientToken=x")
    with pytest.raises(EngineUnavailableError):
        await synth.synthesize(TEXT, VOICE, "+0%")
