"""Assemble a Script into one MP3 stream: pieces and silences, sentence cues and chapters.

Every time in the result comes from frame counts of the real audio, never from estimates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from tingbao.audio.loudness import Profile, joined, silent_profile
from tingbao.audio.marks import for_online
from tingbao.audio.mp3 import FRAME_BYTES, FRAME_SECONDS, SAMPLES_PER_FRAME, silence
from tingbao.audio.script import Script
from tingbao.audio.speech import ENGINE_EDGE, ENGINE_OFFLINE, Speech
from tingbao.audio.text import group_pieces, piece_text
from tingbao.audio.timing import line_times
from tingbao.audio.transcript import Chapter, Cue

Speak = Callable[[str], Coroutine[Any, Any, Speech]]


@dataclass(frozen=True)
class Rendered:
    """One assembled reading: MP3 frames (no tags), transcript cues, chapters, engine, and what
    a player hears of it, joined from its pieces' profiles (None if a piece has none)."""

    frames: bytes
    duration_s: float
    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]
    engine: str
    heard: Profile | None = None


async def _speak_all(speak: Speak, texts: list[str]) -> list[Speech]:
    """Speak every text; the first failure cancels the rest (no requests left running)."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(speak(text)) for text in texts]
    except BaseExceptionGroup as failures:
        first: BaseException = failures
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [task.result() for task in tasks]


async def render_script(script: Script, speak: Speak, chunk_chars: int) -> Rendered:
    """Speak every piece (concurrently; the speaker bounds requests) and join them in order."""
    plan = [group_pieces(part.lines, chunk_chars) for part in script.parts]
    texts = [piece_text(piece) for pieces in plan for piece in pieces]
    speeches = iter(await _speak_all(speak, texts))
    audio = bytearray()
    cues: list[Cue] = []
    starts: list[tuple[float, str]] = []
    engines: set[str] = set()
    heard: list[Profile | None] = []
    frames = 0
    for part, pieces in zip(script.parts, plan, strict=True):
        if part.chapter:
            starts.append((frames * FRAME_SECONDS, part.chapter))
        for piece in pieces:
            speech = next(speeches)
            engines.add(speech.engine)
            offset = frames * FRAME_SECONDS
            spoken = [for_online(ln.spoken) for ln in piece]  # as the engines report sentences
            times = line_times(spoken, speech.boundaries, speech.duration_s)
            for line, (start, end) in zip(piece, times, strict=True):
                cues.append(Cue(round(offset + start, 3), round(offset + end, 3), line.shown))
            audio += speech.mp3
            frames += len(speech.mp3) // FRAME_BYTES
            heard.append(speech.heard)
        gap = silence(part.pause_ms)
        audio += gap
        frames += len(gap) // FRAME_BYTES
        heard.append(silent_profile(len(gap) // FRAME_BYTES * SAMPLES_PER_FRAME))
    duration = frames * FRAME_SECONDS
    chapters = tuple(
        Chapter(
            round(start, 3), round(starts[i + 1][0] if i + 1 < len(starts) else duration, 3), title
        )
        for i, (start, title) in enumerate(starts)
    )
    engine = ENGINE_OFFLINE if ENGINE_OFFLINE in engines else ENGINE_EDGE
    profiles = [p for p in heard if p is not None]
    whole = joined(profiles) if len(profiles) == len(heard) else None
    return Rendered(bytes(audio), duration, tuple(cues), chapters, engine, whole)
