"""Slow readings by time-stretching: longer by the factor, at the same pitch, mastered, timed."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.test_loudness import speech_like
from tingbao.audio.loudness import measure
from tingbao.audio.master import master_samples
from tingbao.audio.mp3 import ENCODER_DELAY_S, SAMPLE_RATE, decode
from tingbao.audio.speech import Boundary, Speech
from tingbao.audio.stretch import stretch, stretched_speech


def pitch(samples: np.ndarray, rate: int) -> float:
    """Return the strongest frequency of samples, in Hz."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize("factor", [0.75, 0.4, 2.5])
def test_a_stretch_changes_the_length_by_the_factor_and_keeps_the_pitch(factor: float) -> None:
    rate = SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(rate * 3) / rate)).astype(np.float32)
    slow = stretch(tone, rate, factor)
    assert len(slow) / rate == pytest.approx(3 / factor, rel=0.02)
    assert pitch(slow, rate) == pytest.approx(220, abs=3)
    with pytest.raises(ValueError, match="must be positive"):
        stretch(tone, rate, 0)


def test_a_stretched_piece_is_mastered_and_its_sentences_timed_anew() -> None:
    frames = master_samples(speech_like(6, 0.2, seed=3), SAMPLE_RATE)
    middle = ENCODER_DELAY_S + 3.0
    normal = Speech(
        frames.data,
        frames.duration_s,
        (Boundary("一。", ENCODER_DELAY_S, middle), Boundary("二。", middle, frames.duration_s)),
        "offline",
        mastered=True,
    )
    slow = stretched_speech(normal, 0.75)
    assert slow.duration_s == pytest.approx(normal.duration_s / 0.75, abs=0.1)
    assert slow.boundaries[1].start_s == pytest.approx(ENCODER_DELAY_S + 4.0, abs=1e-6)
    assert slow.mastered and slow.heard is not None and slow.engine == "offline"
    assert measure(decode(slow.mp3), SAMPLE_RATE).meets_norm()
