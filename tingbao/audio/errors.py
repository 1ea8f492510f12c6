"""Exceptions raised by the audio part.

AudioError
 ├── SynthesisError            speech could not be made for a piece of text
 │    ├── TransientSynthesisError   worth retrying: 503, timeout, dropped connection
 │    │    ├── NoAudioError              the service answered without audio
 │    │    └── TruncatedAudioError       audio shorter than its text or its own timings
 │    ├── EngineUnavailableError    the engine cannot be reached or used now (403, refused, no lib)
 │    └── SynthesisFailedError      retries exhausted; the last cause is chained
 └── AudioFormatError          bytes that are not the one MP3 format every file shares, or a
                               tagged file whose frames are not the ones assembled
"""

from __future__ import annotations


class AudioError(Exception):
    """Base of every error of the audio part."""


class SynthesisError(AudioError):
    """Speech could not be made for a piece of text."""


class TransientSynthesisError(SynthesisError):
    """A failure that may pass: retry with backoff."""


class NoAudioError(TransientSynthesisError):
    """The engine answered but sent no audio."""


class TruncatedAudioError(TransientSynthesisError):
    """The audio is shorter than its text or its own sentence timings say."""


class EngineUnavailableError(SynthesisError):
    """The engine cannot be used now (unreachable, refused, or not installed)."""


class SynthesisFailedError(SynthesisError):
    """Every attempt failed; the last error is the __cause__."""


class AudioFormatError(AudioError):
    """The bytes are not 24 kHz mono 48 kbit/s MPEG-2 Layer III frames, or not the frames made."""
