"""The one MP3 format every file shares: MPEG-2 Layer III, 24 kHz, mono, 48 kbit/s CBR.

edge-tts sends exactly this; the offline voice is encoded to it. Frames of one format can be
concatenated as bytes (each piece starts with an empty bit reservoir), so durations are exact:
frames x 576 samples / 24000 Hz, 24 ms per 144-byte frame.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tingbao.audio.errors import AudioFormatError

SAMPLE_RATE = 24000
BITRATE_KBPS = 48
SAMPLES_PER_FRAME = 576  # MPEG-2 Layer III
FRAME_BYTES = 144  # 72 * 48000 / 24000, never padded at this rate
FRAME_SECONDS = SAMPLES_PER_FRAME / SAMPLE_RATE
# Header: sync, MPEG-2, Layer III, no CRC | 48 kbit/s, 24 kHz, no padding | mono.
_HEADER = bytes((0xFF, 0xF3, 0x64))
# All-zero side information (main_data_begin 0, part2_3_length 0) decodes as digital silence.
SILENT_FRAME = _HEADER + bytes((0xC4,)) + bytes(FRAME_BYTES - 4)


@dataclass(frozen=True)
class Frames:
    """Validated MP3 frames without tags."""

    data: bytes

    @property
    def count(self) -> int:
        """Return the number of frames."""
        return len(self.data) // FRAME_BYTES

    @property
    def duration_s(self) -> float:
        """Return the playing time in seconds."""
        return self.count * FRAME_SECONDS


def _skip_id3(data: bytes) -> int:
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if data[5] & 0x10 else 0)


_INFO_TAGS = (b"Xing", b"Info")
_INFO_REACH = 40  # a Xing/Info/LAME header frame names itself within its first 40 bytes


def _info_frames(body: bytes) -> set[int]:
    """Return the indexes of the frames that are Xing/Info/LAME headers (metadata, not sound)."""
    found: set[int] = set()
    for tag in _INFO_TAGS:
        at = body.find(tag)
        while at >= 0:
            if at % FRAME_BYTES <= _INFO_REACH - len(tag):
                found.add(at // FRAME_BYTES)
            at = body.find(tag, at + 1)
    return found


def _bad_header(header: bytes) -> bool:
    return len(header) < 4 or header[:3] != _HEADER or header[3] & 0xC0 != 0xC0


def parse_frames(data: bytes) -> Frames:
    """Return the audio frames of data (tags and Xing frames dropped), or raise AudioFormatError.

    Every frame of the shared format has the same size and header, so the frames are checked
    all at once as rows of a table rather than one by one."""
    pos = _skip_id3(data)
    end = len(data)
    if data[-128:-125] == b"TAG":
        end -= 128
    body = data[pos:end]
    count = len(body) // FRAME_BYTES
    rows = np.frombuffer(body, dtype=np.uint8, count=count * FRAME_BYTES).reshape(-1, FRAME_BYTES)
    bad = (rows[:, :3] != np.frombuffer(_HEADER, dtype=np.uint8)).any(axis=1)
    bad |= rows[:, 3] & 0xC0 != 0xC0
    if bad.any():
        at = pos + int(np.argmax(bad)) * FRAME_BYTES
        raise AudioFormatError(f"not a 24 kHz mono 48 kbit/s MPEG-2 frame at byte {at}")
    if len(body) > count * FRAME_BYTES:
        at = pos + count * FRAME_BYTES
        if _bad_header(data[at : at + 4]):
            raise AudioFormatError(f"not a 24 kHz mono 48 kbit/s MPEG-2 frame at byte {at}")
        raise AudioFormatError(f"truncated frame at byte {at}")
    info = _info_frames(body)
    if not info:
        return Frames(body)
    keep = np.ones(count, dtype=bool)
    keep[sorted(info)] = False
    return Frames(rows[keep].tobytes())


def silence(ms: int) -> bytes:
    """Return silent frames lasting about ms milliseconds."""
    return SILENT_FRAME * max(0, round(ms / 1000 / FRAME_SECONDS))


ENCODER_QUALITY = 7  # lame's "fast" setting: speech at 48 kbit/s sounds the same, in half the time
ENCODER_DELAY = 1105  # samples lame starts every stream with (decoding keeps them)
ENCODER_DELAY_S = ENCODER_DELAY / SAMPLE_RATE


def to_sample_rate(samples: npt.NDArray[np.float32], in_rate: int) -> npt.NDArray[np.float32]:
    """Return mono samples resampled from in_rate to the shared 24 kHz (polyphase, no delay)."""
    return resample(samples, in_rate, SAMPLE_RATE)


def resample(
    samples: npt.NDArray[np.float32], in_rate: int, out_rate: int
) -> npt.NDArray[np.float32]:
    """Return mono samples resampled from in_rate to out_rate (polyphase with scipy's
    anti-aliasing filter, no delay), so every part changes rates the same way."""
    if in_rate == out_rate:
        return samples
    from scipy import signal

    common = math.gcd(in_rate, out_rate)
    resampled = signal.resample_poly(samples, out_rate // common, in_rate // common)
    return np.asarray(resampled, dtype=np.float32)


def encode(samples: npt.NDArray[np.float32]) -> Frames:
    """Encode 24 kHz mono samples in [-1, 1] to the shared MP3 format."""
    import lameenc  # imported here: only the engines and tests encode

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(ENCODER_QUALITY)
    data = bytes(encoder.encode(pcm)) + bytes(encoder.flush())
    return parse_frames(data)


def encode_pcm(pcm: bytes, in_rate: int) -> Frames:
    """Encode 16-bit mono PCM at in_rate to the shared MP3 format."""
    return encode(to_sample_rate(pcm_samples(pcm), in_rate))


def pcm_samples(pcm: bytes) -> npt.NDArray[np.float32]:
    """Return 16-bit little-endian PCM as samples in [-1, 1]."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / np.float32(32768)


def decode(data: bytes) -> npt.NDArray[np.float32]:
    """Return the samples of MP3 frames of the shared format (24 kHz mono, [-1, 1])."""
    import soundfile

    if not data:
        return np.zeros(0, dtype=np.float32)
    samples, _rate = soundfile.read(io.BytesIO(data), dtype="float32")
    return np.asarray(samples, dtype=np.float32).reshape(-1)
