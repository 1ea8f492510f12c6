"""Loudness: the meter against pyloudnorm, the limiter, and every published file measured by
an independent meter (ffmpeg's ebur128 filter, Debian's ffmpeg) for both voices."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from tests.audio.fake_edge import FakeEdge
from tests.audio.test_service import edge_service
from tingbao.audio.cache import MemoryCache
from tingbao.audio.engines import make_synthesizers
from tingbao.audio.espeak import speak_pcm
from tingbao.audio.loudness import (
    CEILING_DBTP,
    LIMIT_DBTP,
    TARGET_LUFS,
    integrated_lufs,
    measure,
    normalize,
    true_peak_db,
)
from tingbao.audio.mp3 import pcm_samples, to_sample_rate
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.audio.voice_notes import VoiceNotes
from tingbao.paper.model import Issue
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings

RATE = 24000
EBUR128 = ("-af", "ebur128=peak=true", "-f", "null", "-")
SENTENCE = "虹桥镇召开年中工作会议，会上强调要为十四五发展开好局、起好步。"


def speech_like(seconds: float, level: float, seed: int = 1) -> np.ndarray:
    """Return noise shaped like speech: syllables of a few hundred ms with pauses, peaky."""
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE)
    t = np.arange(n) / RATE
    voiced = np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 360 * t)
    noise = rng.standard_normal(n) * 0.3
    envelope = np.clip(np.sin(2 * np.pi * 3.5 * t), 0, 1) ** 2
    envelope *= (np.sin(2 * np.pi * 0.4 * t) > -0.6).astype(float)  # pauses
    return ((voiced + noise) * envelope * level).astype(np.float32)


def ffmpeg_loudness(path: Path) -> tuple[float, float]:
    """Return (integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter measures them."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg is missing: `make test` installs it (scripts/install-system-deps.sh)")
    run = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(path), *EBUR128],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = run.stderr[run.stderr.rindex("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1])  # type: ignore[index]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)[1])  # type: ignore[index]
    return lufs, peak


@pytest.mark.parametrize("level", [0.02, 0.2, 0.9])
def test_the_meter_agrees_with_pyloudnorm(level: float) -> None:
    samples = speech_like(12, level)
    expected = pyloudnorm.Meter(RATE).integrated_loudness(samples.astype(np.float64))
    assert integrated_lufs(samples, RATE) == pytest.approx(expected, abs=0.01)


def test_true_peak_finds_a_peak_between_samples() -> None:
    # A quarter-rate sine sampled at 45° off its crest: every sample is 0.707 of the peak.
    t = np.arange(RATE)
    samples = (0.5 * np.sin(2 * np.pi * t / 4 + np.pi / 4)).astype(np.float32)
    sample_peak = 20 * math.log10(float(np.abs(samples).max()))
    assert true_peak_db(samples, RATE) == pytest.approx(20 * math.log10(0.5), abs=0.3)
    assert true_peak_db(samples, RATE) > sample_peak + 2.5


@pytest.fixture(scope="module")
def espeak_speech() -> np.ndarray:
    """Real speech: the offline voice reading a sentence, at 24 kHz."""
    rate, pcms = speak_pcm(
        ["虹桥镇召开年中工作会议，会上强调要为十四五发展开好局、起好步。"] * 3, 175
    )
    return to_sample_rate(pcm_samples(b"".join(pcms)), rate)


@pytest.mark.parametrize("gain_db", [-30, 0, 12])
def test_normalize_brings_speech_to_the_target_under_the_limit(
    espeak_speech: np.ndarray, gain_db: float
) -> None:
    source = (espeak_speech * 10 ** (gain_db / 20)).astype(np.float32)  # +12 dB clips hard
    result = measure(normalize(source, RATE), RATE)
    # The limiter's rounds estimate loudness from the weighted signal: within a few tenths.
    assert result.lufs == pytest.approx(TARGET_LUFS, abs=0.3)
    assert result.true_peak_db <= LIMIT_DBTP + 0.05


def test_a_limiter_is_not_a_compressor() -> None:
    # Every syllable of this signal peaks (peak-to-loudness 17 dB, where speech has isolated
    # peaks): holding the peaks costs loudness the limiter does not take back by squashing.
    result = measure(normalize(speech_like(20, 0.01, seed=3), RATE), RATE)
    assert TARGET_LUFS - 2 < result.lufs < TARGET_LUFS
    assert result.true_peak_db <= LIMIT_DBTP + 0.05


def test_silence_and_a_blip_stay_as_they_are() -> None:
    silence = np.zeros(RATE, dtype=np.float32)
    assert not normalize(silence, RATE).any()
    blip = speech_like(0.2, 0.1)  # shorter than a gating block: measured as a loop of itself
    assert math.isfinite(integrated_lufs(blip, RATE))
    assert measure(normalize(blip, RATE), RATE).true_peak_db <= LIMIT_DBTP + 0.05


@pytest.fixture
def offline(
    settings: Settings, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> Iterator[AudioService]:
    offline = settings.with_overrides(tts="offline")
    engines = make_synthesizers(
        offline.audio, cache=MemoryCache(), offline=OfflineSynthesizer(workers=0)
    )
    service = AudioService(offline.audio, offline.paper, store, assets, publisher, engines)
    yield service
    service.close()


async def make_voice_notes(issue: Issue, assets: AssetStore, publisher: LocalPublisher) -> None:
    """Make every article's voice note, as the bot does on a listener's first request."""
    notes = VoiceNotes(assets, publisher)
    for article in issue.articles:
        assert await notes.make(article.id) is not None


def check_published(issue: Issue, assets: AssetStore, publisher: LocalPublisher) -> int:
    """Measure every published audio file with ffmpeg; return how many were checked."""
    checked = 0
    for asset in assets.for_issue(issue.id):
        if asset.mime not in ("audio/mpeg", "audio/ogg"):
            continue
        lufs, peak = ffmpeg_loudness(publisher.root / asset.path)
        assert abs(lufs - TARGET_LUFS) <= 1.0, (asset.path, lufs)
        assert peak <= CEILING_DBTP, (asset.path, peak)
        assert asset.loudness_lufs is not None and asset.true_peak_dbtp is not None
        # The recorded values are the file's, as ffmpeg hears it.
        assert asset.loudness_lufs == pytest.approx(lufs, abs=0.3), asset.path
        assert asset.true_peak_dbtp == pytest.approx(peak, abs=0.5), asset.path
        checked += 1
    return checked


async def test_every_offline_file_meets_the_norm_by_ffmpeg(
    offline: AudioService, small_issue: Issue, assets: AssetStore, publisher: LocalPublisher
) -> None:
    await offline.render_issue(small_issue)
    await make_voice_notes(small_issue, assets, publisher)
    # Per article: normal, slow and the voice note; and the episode.
    assert check_published(small_issue, assets, publisher) == 3 * len(small_issue.articles) + 1


async def test_every_edge_file_meets_the_norm_by_ffmpeg(
    settings: Settings,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    fake_edge: FakeEdge,
    small_issue: Issue,
) -> None:
    service = edge_service(settings, store, assets, publisher, fake_edge, mode="edge")
    report = await service.render_issue(small_issue)
    assert set(report.engines.values()) == {"edge"}
    await make_voice_notes(small_issue, assets, publisher)
    assert check_published(small_issue, assets, publisher) == 3 * len(small_issue.articles) + 1
