"""Exceptions raised by the phone part.

PhoneError
 ├── LineError            the line cannot register or run (SIP server unreachable, bad password)
 └── MediaMissingError    the audio a caller asked for is not prepared (yet)
"""

from __future__ import annotations


class PhoneError(Exception):
    """Base of every error of the phone part."""


class LineError(PhoneError):
    """The SIP stack could not start or register; the message says what to check."""


class MediaMissingError(PhoneError):
    """No 8 kHz audio is ready for this article, issue or prompt."""
