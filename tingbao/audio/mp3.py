"""The one MP3 format every file shares: MPEG-2 Layer III, 24 kHz, mono, 48 kbit/s CBR.

edge-tts sends exactly this; the offline voice is encoded to it. Frames of one format can be
concatenated as bytes (each piece starts with an empty bit reservoir), so durations are exact:
frames x 576 samples / 24000 Hz, 24 ms per 144-byte frame.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _is_info_frame(frame: bytes) -> bool:
    """Return whether a frame is a Xing/Info/LAME header (metadata, not sound)."""
    return b"Xing" in frame[:40] or b"Info" in frame[:40]


def parse_frames(data: bytes) -> Frames:
    """Return the audio frames of data (tags and Xing frames dropped), or raise AudioFormatError."""
    pos = _skip_id3(data)
    end = len(data)
    if data[-128:-125] == b"TAG":
        end -= 128
    out = bytearray()
    while pos < end:
        header = data[pos : pos + 4]
        if len(header) < 4 or header[:3] != _HEADER or header[3] & 0xC0 != 0xC0:
            raise AudioFormatError(f"not a 24 kHz mono 48 kbit/s MPEG-2 frame at byte {pos}")
        frame = data[pos : pos + FRAME_BYTES]
        if len(frame) < FRAME_BYTES:
            raise AudioFormatError(f"truncated frame at byte {pos}")
        if not _is_info_frame(frame):
            out += frame
        pos += FRAME_BYTES
    return Frames(bytes(out))


def silence(ms: int) -> bytes:
    """Return silent frames lasting about ms milliseconds."""
    return SILENT_FRAME * max(0, round(ms / 1000 / FRAME_SECONDS))


def encode_pcm(pcm: bytes, in_rate: int) -> Frames:
    """Encode 16-bit mono PCM at in_rate to the shared MP3 format."""
    import lameenc  # imported here: only the offline engine and tests encode

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(in_rate)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)
    data = bytes(encoder.encode(pcm)) + bytes(encoder.flush())
    return parse_frames(data)
