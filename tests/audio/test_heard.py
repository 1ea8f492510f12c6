"""Files measured on their pieces' profiles: as exact as decoding the file, and kept with pieces."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tests.audio.conftest import no_sleep
from tests.audio.test_loudness import speech_like
from tingbao.audio.cache import DirectoryCache
from tingbao.audio.engines import make_synthesizers
from tingbao.audio.loudness import (
    joined,
    loudness_of,
    measure,
    normalize,
    profile,
    silent_profile,
)
from tingbao.audio.master import heard_mp3, measure_mp3
from tingbao.audio.mp3 import encode
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.render import render_script
from tingbao.audio.service import AudioService
from tingbao.audio.speaker import Speaker
from tingbao.paper.model import Issue
from tingbao.worker.settings import Settings

RATE = 24000


def slots(samples: np.ndarray) -> np.ndarray:
    """Return samples cut to a whole number of 96-sample slots, as MP3 frames always are."""
    return samples[: len(samples) // 96 * 96]


def test_profiles_laid_end_to_end_measure_like_the_audio_they_stand_for() -> None:
    first = slots(normalize(speech_like(7, 0.1, seed=4), RATE))
    second = slots(normalize(speech_like(11, 0.3, seed=5), RATE))
    gap = np.zeros(2400 * 3, dtype=np.float32)
    whole = np.concatenate([first, gap, second])
    heard = loudness_of(joined([profile(first), silent_profile(len(gap)), profile(second)]))
    direct = measure(whole, RATE)
    assert heard.lufs == pytest.approx(direct.lufs, abs=0.01)
    assert heard.true_peak_db == pytest.approx(direct.true_peak_db, abs=0.01)
    assert loudness_of(profile(slots(first[:4800]))).lufs == pytest.approx(
        measure(slots(first[:4800]), RATE).lufs, abs=0.05
    )  # shorter than a gating block: measured as a loop of itself either way
    assert math.isinf(loudness_of(silent_profile(9600)).lufs)


def test_a_profile_needs_the_shared_rate_and_whole_slots() -> None:
    with pytest.raises(ValueError, match="24000 Hz"):
        profile(np.zeros(96 * 10, dtype=np.float32), 22050)
    with pytest.raises(ValueError, match="whole 96-sample slots"):
        profile(np.zeros(100, dtype=np.float32))


async def test_a_reading_is_measured_on_its_pieces_as_on_the_file_decoded(
    offline_service: AudioService, small_issue: Issue
) -> None:
    speaker = offline_service.engines.offline
    assert speaker is not None
    for reading in offline_service.readings(small_issue):
        rendered = await render_script(
            reading.script,
            lambda text, rate=reading.rate: speaker.speak(text, "zh-CN", rate),
            1000,
        )
        assert rendered.heard is not None
        pieces, decoded = loudness_of(rendered.heard), measure_mp3(rendered.frames)
        assert pieces.lufs == pytest.approx(decoded.lufs, abs=0.01), reading.label
        assert pieces.true_peak_db == pytest.approx(decoded.true_peak_db, abs=0.02)


async def test_pieces_keep_their_profiles_and_old_pieces_are_profiled_once(
    settings: Settings,
) -> None:
    cache = DirectoryCache(settings.data_dir / "cache")
    engines = make_synthesizers(
        settings.audio, cache=cache, offline=OfflineSynthesizer(workers=0), sleep=no_sleep
    )
    speaker = engines.offline
    assert isinstance(speaker, Speaker)
    text = "虹桥镇召开年中工作会议。"
    speech = await speaker.speak(text, "zh-CN", "+0%")
    key = speaker.key(text, "zh-CN", "+0%")
    kept = DirectoryCache(cache.root).get(key)
    assert kept is not None and kept.heard is not None and speech.heard is not None
    assert np.array_equal(kept.heard.energy, speech.heard.energy)
    assert kept.heard.peak == speech.heard.peak
    # A piece kept before profiles existed: profiled on its next use, no new synthesis.
    old = DirectoryCache(cache.root)
    old.put(key, dataclasses.replace(kept, heard=None))
    unprofiled = old.get(key)
    assert unprofiled is not None and unprofiled.heard is None
    requests = speaker.stats.requests
    again = await speaker.speak(text, "zh-CN", "+0%")
    assert again.heard is not None and speaker.stats.requests == requests
    restored = DirectoryCache(cache.root).get(key)
    assert restored is not None and restored.heard is not None


def test_an_encoded_piece_is_profiled_as_decoded() -> None:
    samples = normalize(speech_like(5, 0.2), RATE)
    frames = encode(samples)
    heard = heard_mp3(frames.data)
    assert heard.samples == frames.count * 576
    assert loudness_of(heard).lufs == pytest.approx(measure_mp3(frames.data).lufs, abs=1e-3)
    nothing = heard_mp3(b"")
    assert nothing.samples == 0 and math.isinf(loudness_of(nothing).lufs)
