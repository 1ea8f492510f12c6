"""Pure pieces of assembly: MP3 frames, silences, sentence timings, WebVTT."""

from __future__ import annotations

import pytest

from tingbao.audio.errors import AudioFormatError
from tingbao.audio.mp3 import SILENT_FRAME, parse_frames, silence
from tingbao.audio.speech import Boundary
from tingbao.audio.timing import line_times
from tingbao.audio.transcript import Cue, render_vtt, vtt_time


def test_silence_is_whole_frames_of_the_shared_format() -> None:
    frames = parse_frames(silence(480))
    assert frames.count == 20 and frames.duration_s == pytest.approx(0.48)


@pytest.mark.parametrize(
    "data",
    [b"not audio", SILENT_FRAME[:100], b"\xff\xfb\x90\x64" + bytes(413)],  # cut; MPEG-1 44.1 kHz
)
def test_other_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(AudioFormatError):
        parse_frames(data)


def test_tags_are_skipped() -> None:
    tagged = b"ID3\x03\x00\x00\x00\x00\x00\x05" + bytes(5) + SILENT_FRAME * 3
    assert parse_frames(tagged).count == 3


@pytest.mark.parametrize(
    ("lines", "boundaries", "duration", "expected"),
    [
        # Reported sentences line up with ours.
        (
            ["甲乙。", "丙丁。"],
            [("甲乙。", 0.1, 1.0), ("丙丁。", 1.2, 2.0)],
            2.2,
            [(0.1, 1.0), (1.2, 2.0)],
        ),
        # One reported sentence covers two of ours: split by characters.
        (["甲乙", "丙丁。"], [("甲乙丙丁。", 0.0, 2.5)], 2.5, [(0.0, 1.0), (1.0, 2.5)]),
        # No timings at all: spread the piece over its duration.
        (["甲乙。", "丙丁。"], [], 3.0, [(0.0, 1.5), (1.5, 3.0)]),
    ],
)
def test_line_times(
    lines: list[str],
    boundaries: list[tuple[str, float, float]],
    duration: float,
    expected: list[tuple[float, float]],
) -> None:
    found = line_times(lines, [Boundary(*b) for b in boundaries], duration)
    assert found == [pytest.approx(e, abs=0.01) for e in expected]


def test_vtt() -> None:
    assert vtt_time(3723.5) == "01:02:03.500"
    text = render_vtt([Cue(0.0, 1.25, "甲 <乙> & 丙\n丁")])
    assert text == "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.250\n甲 &lt;乙&gt; &amp; 丙 丁\n"
