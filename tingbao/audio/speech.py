"""What an engine returns for one piece of text, the engine protocol, and the plausibility check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tingbao.audio.errors import NoAudioError, TruncatedAudioError
from tingbao.audio.text import speakable_chars

if TYPE_CHECKING:
    from tingbao.audio.loudness import Profile

ENGINE_EDGE = "edge"
ENGINE_OFFLINE = "offline"

# Mandarin is read at about 3-6 characters a second; outside these bounds audio is not a reading.
MAX_CHARS_PER_SECOND = 9.0
MIN_CHARS_PER_SECOND = 1.0
SLACK_S = 2.0


@dataclass(frozen=True)
class Boundary:
    """A sentence the engine reports, with its start and end in seconds from the piece start."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Speech:
    """MP3 frames of one piece (shared format, no tags), its sentence timings and its engine;
    mastered once brought to the loudness norm (master.py), and then `heard`: the profile of
    the piece as decoded, which files made of it are measured on (loudness.Profile)."""

    mp3: bytes
    duration_s: float
    boundaries: tuple[Boundary, ...]
    engine: str
    mastered: bool = False
    heard: Profile | None = None


class Synthesizer(Protocol):
    """Turns one piece of text (at most a few thousand bytes) into speech."""

    name: str

    def voice_id(self, voice: str) -> str:
        """Return the voice this engine really uses for a requested voice (part of cache keys)."""
        ...

    async def synthesize(self, text: str, voice: str, rate: str) -> Speech:
        """Return speech for text, or raise a SynthesisError subclass."""
        ...


def rate_factor(rate: str) -> float:
    """Return the speed factor of an edge-style rate such as "-25%" (0.75)."""
    match = re.fullmatch(r"([+-]\d+)%", rate.strip())
    return 1.0 + int(match.group(1)) / 100 if match else 1.0


def check_speech(text: str, speech: Speech, rate: str, *, need_boundaries: bool) -> None:
    """Raise if speech cannot be a whole reading of text (missing, truncated or far too long)."""
    if not speech.mp3 or speech.duration_s <= 0:
        raise NoAudioError("no audio")
    chars = speakable_chars(text)
    speed = rate_factor(rate)
    shortest = chars / (MAX_CHARS_PER_SECOND * speed) - SLACK_S / 4
    longest = chars / (MIN_CHARS_PER_SECOND * speed) + SLACK_S * 5
    if speech.duration_s < shortest:
        raise TruncatedAudioError(
            f"{speech.duration_s:.1f} s of audio is too short for {chars} characters"
        )
    if speech.duration_s > longest:
        raise TruncatedAudioError(f"{speech.duration_s:.1f} s is too long for {chars} characters")
    if not need_boundaries:
        return
    covered = sum(speakable_chars(b.text) for b in speech.boundaries)
    if chars and covered < 0.8 * chars:
        raise TruncatedAudioError(f"sentence timings cover {covered} of {chars} characters")
    last_end = max((b.end_s for b in speech.boundaries), default=0.0)
    if last_end > speech.duration_s + 0.3:
        raise TruncatedAudioError(
            f"audio ends at {speech.duration_s:.1f} s but its last sentence at {last_end:.1f} s"
        )
