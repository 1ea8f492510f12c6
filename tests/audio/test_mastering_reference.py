"""normalize() (the loudness mastering) held to a plain per-sample reference of what it promises."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy import ndimage

from tingbao.audio.espeak import DEFAULT_WPM, speak_pcm
from tingbao.audio.loudness import (
    _BLOCK,
    _CLOSE_LU,
    _HEADROOM_DB,
    _LOOKAHEAD_S,
    _RELEASE_S,
    _ROUNDS,
    LIMIT_DBTP,
    TARGET_LUFS,
    _block_powers,
    _gated_lufs,
    _next_gain,
    _true_peaks,
    _weighted,
    measure,
    normalize,
)
from tingbao.audio.mp3 import pcm_samples, to_sample_rate

RATE = 24000


def reference(samples: np.ndarray) -> np.ndarray:
    """Return what normalize promises, computed the plain way: every block oversampled for
    true peaks, the limiter's gain interpolated to every sample by np.interp, and every round
    measured on the K-weighted samples times that gain."""
    weighted = _weighted(samples, RATE)
    first = TARGET_LUFS - _gated_lufs(_block_powers(weighted, RATE))
    blocks = -(-len(samples) // _BLOCK)
    peaks = np.pad(_true_peaks(samples), (0, blocks * _BLOCK - len(samples)))
    near = ndimage.maximum_filter1d(peaks.reshape(blocks, _BLOCK).max(axis=1), 3, mode="nearest")
    spread = -(-(2 * round(_LOOKAHEAD_S * RATE) + round(_RELEASE_S * RATE)) // _BLOCK)
    held = ndimage.maximum_filter1d(near, spread, mode="nearest")
    reach = round(_LOOKAHEAD_S * RATE) // _BLOCK
    centres = np.arange(blocks) * _BLOCK + (_BLOCK - 1) / 2
    ceiling = 10 ** (LIMIT_DBTP / 20)

    def limiter(gain_db: float) -> np.ndarray:
        gain = 10 ** (gain_db / 20)
        allowed = np.pad(
            np.minimum(1, ceiling / np.maximum(held * gain, 1e-9)), reach // 2, mode="edge"
        )
        smooth = np.convolve(allowed, np.ones(reach) / reach, mode="valid")
        per_block = np.minimum(smooth, np.minimum(1, ceiling / np.maximum(near * gain, 1e-9)))
        return np.interp(np.arange(len(samples)), centres, per_block)

    gain_db = first
    tried: list[tuple[float, float]] = []
    for _ in range(_ROUNDS):
        reached = _gated_lufs(_block_powers(weighted * limiter(gain_db), RATE)) + gain_db
        if abs(reached - TARGET_LUFS) < _CLOSE_LU:
            break
        tried.append((gain_db, reached))
        gain_db = min(_next_gain(tried, TARGET_LUFS), first + _HEADROOM_DB)
    return (samples * limiter(gain_db) * 10 ** (gain_db / 20)).astype(np.float32)


def espeak_speech() -> np.ndarray:
    """Real speech: the offline voice reading a sentence three times, at 24 kHz."""
    rate, pcms = speak_pcm(
        ["虹桥镇召开年中工作会议，会上强调要为十四五发展开好局、起好步。"] * 3, DEFAULT_WPM
    )
    return to_sample_rate(pcm_samples(b"".join(pcms)), rate)


def clicky_tone(seconds: float = 20.0, seed: int = 2) -> np.ndarray:
    """Return a voiced hum in syllables with three loud clicks a second: peaks 33 dB over the
    loudness, isolated, so the limiter works hard and the target is still reachable."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * RATE)) / RATE
    voiced = np.sin(2 * np.pi * 150 * t) + 0.5 * np.sin(2 * np.pi * 450 * t)
    syllables = 0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.5 * t))
    samples = ((voiced + 0.2 * rng.standard_normal(len(t))) * syllables * 0.02).astype(np.float32)
    for at in rng.choice(len(t) - 3, size=round(seconds * 3), replace=False):
        samples[at : at + 3] += np.array([0.9, -0.6, 0.3], dtype=np.float32)
    return samples


@pytest.mark.parametrize("source", [espeak_speech, clicky_tone])
def test_normalize_matches_the_per_sample_reference(
    source: Callable[[], np.ndarray],
) -> None:
    samples = source()
    fast, plain = measure(normalize(samples, RATE), RATE), measure(reference(samples), RATE)
    for result in (fast, plain):
        assert result.lufs == pytest.approx(TARGET_LUFS, abs=_CLOSE_LU)
        assert result.true_peak_db <= LIMIT_DBTP + 0.05
    # Rounds measured per gain step rather than per sample reach the same loudness.
    assert fast.lufs == pytest.approx(plain.lufs, abs=0.01)
