"""Mastering: speech is brought to the loudness norm before it is encoded, and every assembled
file is measured after it is encoded (decoded again, as a listener's player would).

The offline voice masters its PCM in its worker processes; speech from the online voice arrives
as MP3 and is decoded, mastered and encoded again here (once: mastered pieces are cached).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tingbao.audio.loudness import CEILING_DBTP, TARGET_LUFS, Loudness, measure, normalize
from tingbao.audio.mp3 import ENCODER_DELAY, SAMPLE_RATE, Frames, decode, encode, to_sample_rate
from tingbao.audio.tags import voice_note, voice_note_samples

# MP3 at 48 kbit/s takes about 0.4 LU away (its quantization noise is broadband, measured on
# both voices): pieces are mastered that much louder, so files measure -16 after encoding.
CODEC_ALLOWANCE_LU = 0.4
# Bump when mastering changes: pieces and files made before are made again (cache and row keys).
MASTER_VERSION = "master-16lufs-v1"
_PIECE_TARGET = TARGET_LUFS + CODEC_ALLOWANCE_LU


@dataclass(frozen=True)
class Measured:
    """A published MP3's loudness, and its samples (for the voice note made from it)."""

    loudness: Loudness
    samples: npt.NDArray[np.float32]


def master_samples(samples: npt.NDArray[np.float32], rate: int) -> Frames:
    """Return mono samples at any rate as mastered MP3 frames of the shared format."""
    return encode(normalize(to_sample_rate(samples, rate), SAMPLE_RATE, _PIECE_TARGET))


def master_mp3(frames: bytes) -> Frames:
    """Return MP3 frames mastered; the sound keeps its place in time (timings stay valid)."""
    samples = decode(frames)[ENCODER_DELAY:]
    return encode(normalize(samples, SAMPLE_RATE, _PIECE_TARGET))


def measure_mp3(frames: bytes) -> Measured:
    """Return the loudness of MP3 frames as decoded."""
    samples = decode(frames)
    return Measured(measure(samples, SAMPLE_RATE), samples)


# Opus adds up to about a dB of peak to mastered speech (measured: 0.7 to 1.1 dB over the
# source's -2 dBTP): the voice note is encoded this much quieter, and once more, quieter still,
# if its peak still comes within _NOTE_MARGIN_DB of the ceiling.
_NOTE_HEADROOM_DB = 0.6
_NOTE_MARGIN_DB = 0.2


def voice_note_measured(frames: bytes) -> tuple[bytes, Loudness]:
    """Return the voice note of MP3 frames, and its loudness as a player decodes it."""
    source = decode(frames)
    cut_db = _NOTE_HEADROOM_DB
    note = voice_note((source * 10 ** (-cut_db / 20)).astype(np.float32))
    loudness = measure(*voice_note_samples(note))
    over = loudness.true_peak_db - (CEILING_DBTP - _NOTE_MARGIN_DB)
    if over > 0:
        cut_db += over
        note = voice_note((source * 10 ** (-cut_db / 20)).astype(np.float32))
        loudness = measure(*voice_note_samples(note))
    return note, loudness


def checked_loudness(frames: bytes) -> tuple[bytes, Measured]:
    """Return assembled frames and their loudness, mastered again as a whole if off the norm.

    Pieces are mastered one by one, so a file made of them is on the norm; this is the check,
    and the repair for what is not (a piece kept from before, a voice that defeats the limiter).
    """
    measured = measure_mp3(frames)
    if measured.loudness.meets_norm() or not len(measured.samples):
        return frames, measured
    remastered = master_mp3(frames).data
    return remastered, measure_mp3(remastered)
