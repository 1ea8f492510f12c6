"""ID3 tags (title, album, artist, chapters) and the OGG/Opus voice note.

Chapters are ID3 CHAP frames listed by CTOC frames. A CTOC's entry count is one byte, so a table
holds at most 255 entries: a longer list is split into nested tables (the top-level table lists
sub-tables of up to 255 chapters each, nesting deeper as needed), which the ID3 chapter
specification allows and players that read chapters follow. The podcast chapters JSON has no such
limit and is made elsewhere.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mutagen.id3
import numpy as np
import numpy.typing as npt

from tingbao.audio.transcript import Chapter

_NO_OFFSET = 0xFFFFFFFF  # CHAP frames give times, not byte offsets
MAX_TOC_ENTRIES = 255  # a CTOC frame's entry count is a single byte
_id3: Any = mutagen.id3  # untyped library: calls go through Any


@dataclass(frozen=True)
class TagInfo:
    """What the tags say about a file."""

    title: str
    album: str
    artist: str
    date: str  # ISO date
    track: str | None = None  # "2/5"


def tag_mp3(
    frames: bytes, info: TagInfo, duration_s: float, chapters: Sequence[Chapter] = ()
) -> bytes:
    """Return frames with an ID3v2.3 tag in front (deterministic: same input, same bytes)."""
    tags = _id3.ID3()
    tags.add(_id3.TIT2(encoding=3, text=[info.title]))
    tags.add(_id3.TALB(encoding=3, text=[info.album]))
    tags.add(_id3.TPE1(encoding=3, text=[info.artist]))
    tags.add(_id3.TDRC(encoding=3, text=[info.date]))
    tags.add(_id3.TLAN(encoding=3, text=["chi"]))
    tags.add(_id3.TLEN(encoding=3, text=[str(round(duration_s * 1000))]))
    if info.track:
        tags.add(_id3.TRCK(encoding=3, text=[info.track]))
    ids = [f"ch{n}" for n in range(len(chapters))]
    for element_id, chapter in zip(ids, chapters, strict=True):
        tags.add(
            _id3.CHAP(
                element_id=element_id,
                start_time=round(chapter.start_s * 1000),
                end_time=round(chapter.end_s * 1000),
                start_offset=_NO_OFFSET,
                end_offset=_NO_OFFSET,
                sub_frames=[_id3.TIT2(encoding=3, text=[chapter.title])],
            )
        )
    for element_id, children, top in toc_tree(ids):
        flags = _id3.CTOCFlags.ORDERED | (_id3.CTOCFlags.TOP_LEVEL if top else 0)
        tags.add(
            _id3.CTOC(
                element_id=element_id,
                flags=flags,
                child_element_ids=children,
                sub_frames=[_id3.TIT2(encoding=3, text=[info.title])] if top else [],
            )
        )
    buffer = io.BytesIO(frames)
    tags.save(buffer, v2_version=3, padding=lambda _info: 0)
    return buffer.getvalue()


def toc_tree(
    chapter_ids: Sequence[str], per_table: int = MAX_TOC_ENTRIES
) -> list[tuple[str, list[str], bool]]:
    """Return the tables of contents listing the chapters in order, none with more than
    `per_table` entries: (element id, child ids, top level), top-level table first (pure).

    Up to `per_table` chapters: one table "toc". More: "toc" lists sub-tables "toc.1.1",
    "toc.1.2" ... of consecutive chapters, grouped again ("toc.2.1" ...) while a level still has
    more than `per_table` entries.
    """
    if not chapter_ids:
        return []
    tables: list[tuple[str, list[str], bool]] = []
    level = list(chapter_ids)
    depth = 0
    while len(level) > per_table:
        depth += 1
        groups = [level[i : i + per_table] for i in range(0, len(level), per_table)]
        names = [f"toc.{depth}.{n + 1}" for n in range(len(groups))]
        tables.extend((name, group, False) for name, group in zip(names, groups, strict=True))
        level = names
    tables.append(("toc", level, True))
    tables.reverse()  # the top-level table first: readers expect it before its children
    return tables


VOICE_NOTE_RATE = 24000
VOICE_NOTE_BITRATE = 32000  # Telegram's own voice notes are about this
VOICE_NOTE_COMPLEXITY = 1  # of 10: for speech at this rate as clear as 10, several times faster
# "audio" (CELT), not "voip" (SILK): voip added 2 dB of peak over the mastered source, past the
# -1 dBTP ceiling, and took 0.4 LU of loudness away; audio keeps both and is twice as fast.
VOICE_NOTE_APPLICATION = "audio"


def voice_note(samples: npt.NDArray[np.float32]) -> bytes:
    """Return an OGG/Opus voice note of 24 kHz mono samples (speech settings, byte-exact)."""
    import av  # imported here: only the audio service encodes voice notes

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg", options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream("libopus", rate=VOICE_NOTE_RATE, layout="mono")
        stream.codec_context.options = {
            "application": VOICE_NOTE_APPLICATION,
            "compression_level": str(VOICE_NOTE_COMPLEXITY),
            "b": str(VOICE_NOTE_BITRATE),
        }
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1),
            format="flt",
            layout="mono",
        )
        frame.sample_rate = VOICE_NOTE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def voice_note_samples(note: bytes) -> tuple[npt.NDArray[np.float32], int]:
    """Return the samples and rate of a voice note, as a player decodes it."""
    import av

    with av.open(io.BytesIO(note), "r") as source:
        stream = source.streams.audio[0]
        chunks = [frame.to_ndarray().reshape(-1) for frame in source.decode(stream)]
        rate = int(stream.rate or VOICE_NOTE_RATE)
    samples = np.concatenate(chunks) if chunks else np.zeros(0)
    return samples.astype(np.float32), rate
