"""Mastering: speech is brought to the loudness norm before it is encoded, and what a listener's
player hears of it is measured after: each piece is decoded once when it is made, and its
profile kept with it; a file made of pieces is measured on their profiles (service.py).

The offline voice masters and profiles its pieces in its worker processes; speech from the
online voice arrives as MP3 and is decoded, mastered, encoded and profiled here (once: mastered
pieces are cached with their profiles).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tingbao.audio.loudness import (
    CEILING_DBTP,
    TARGET_LUFS,
    Loudness,
    Profile,
    loudness_of,
    measure,
    normalize,
    profile,
)
from tingbao.audio.mp3 import (
    ENCODER_DELAY,
    FRAME_BYTES,
    SAMPLE_RATE,
    SAMPLES_PER_FRAME,
    Frames,
    decode,
    encode,
    to_sample_rate,
)
from tingbao.audio.tags import voice_note, voice_note_samples

# MP3 at 48 kbit/s takes about 0.4 LU away (its quantization noise is broadband, measured on
# both voices): pieces are mastered that much louder, so files measure -16 after encoding.
CODEC_ALLOWANCE_LU = 0.4
# Bump when mastering changes: pieces and files made before are made again (cache and row keys).
MASTER_VERSION = "master-16lufs-v1"
_PIECE_TARGET = TARGET_LUFS + CODEC_ALLOWANCE_LU


def master_samples(samples: npt.NDArray[np.float32], rate: int) -> Frames:
    """Return mono samples at any rate as mastered MP3 frames of the shared format."""
    return encode(normalize(to_sample_rate(samples, rate), SAMPLE_RATE, _PIECE_TARGET))


def master_mp3(frames: bytes) -> Frames:
    """Return MP3 frames mastered; the sound keeps its place in time (timings stay valid)."""
    samples = decode(frames)[ENCODER_DELAY:]
    return encode(normalize(samples, SAMPLE_RATE, _PIECE_TARGET))


def measure_mp3(frames: bytes) -> Loudness:
    """Return the loudness of MP3 frames as decoded."""
    return measure(decode(frames), SAMPLE_RATE)


def heard_mp3(frames: bytes) -> Profile:
    """Return the profile of MP3 frames as a player decodes them, on the frames' own timeline
    (576 samples a frame: what the decoder gives for the shared format; held to it, so a
    profile always lines up with the frames it stands for)."""
    samples = decode(frames)
    length = len(frames) // FRAME_BYTES * SAMPLES_PER_FRAME
    if len(samples) != length:
        samples = np.pad(samples[:length], (0, max(0, length - len(samples))))
    return profile(samples, SAMPLE_RATE)


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


def loudness_as_heard(frames: bytes, heard: Profile | None) -> tuple[bytes, Loudness]:
    """Return assembled frames and their loudness as a player hears them: measured on their
    pieces' joined profile, or, when it does not vouch for the norm (or a piece has none), on
    the frames decoded whole, mastered again as a whole if they are off the norm."""
    if heard is not None:
        loudness = loudness_of(heard)
        if loudness.meets_norm():
            return frames, loudness
    return checked_loudness(frames)


def checked_loudness(frames: bytes) -> tuple[bytes, Loudness]:
    """Return assembled frames and their loudness as decoded, mastered again as a whole if off
    the norm: the check and the repair for a file its pieces' profiles do not vouch for (a
    piece kept from before profiles, a voice that defeats the limiter)."""
    loudness = measure_mp3(frames)
    if loudness.meets_norm() or not frames:
        return frames, loudness
    remastered = master_mp3(frames).data
    return remastered, measure_mp3(remastered)
