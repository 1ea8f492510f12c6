"""The SIP stack the line runs on, as two small protocols, so another stack can replace pyVoIP.

A stack registers on the registrar and hands each answered call to `on_call` in a thread of its
own (the call runs there until it ends). A call sends audio in 20 ms frames of 8 kHz 8-bit
unsigned PCM and says how much it still holds unsent, so the line can keep that small: a prompt
is then interrupted at once by `flush`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class SipCall(Protocol):
    """One answered call."""

    @property
    def caller(self) -> str:
        """Return the caller's number or user part (for hashing, never logged in clear)."""

    @property
    def ended(self) -> bool:
        """Return whether the call is over (either side hung up)."""

    def digits(self) -> str:
        """Return the keys pressed since the last call (RFC 2833 events), oldest first."""

    def send(self, frame: bytes) -> None:
        """Queue a frame of audio for sending."""

    def queued_s(self) -> float:
        """Return how many seconds of audio are queued and not yet sent."""

    def flush(self) -> None:
        """Drop the queued audio (what was to play is replaced)."""

    def hang_up(self) -> None:
        """End the call from this side (does nothing when it already ended)."""


OnCall = Callable[[SipCall], None]


class SipStack(Protocol):
    """A registered line."""

    def start(self, on_call: OnCall) -> None:
        """Register and start answering calls; raise LineError when registering fails."""

    def registered(self) -> bool:
        """Return whether the registration holds."""

    def stop(self) -> None:
        """Hang up every call, unregister and release the ports."""
