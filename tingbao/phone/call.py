"""One call, run in its own thread: the menu's state machine driven by keys, the clock and the
end of each audio, and the audio streamed to the SIP stack in 20 ms frames.

Streaming keeps at most `lead_s` of audio queued in the stack (about three frames): a key is
seen within one tick (10 ms), the queue is flushed and the new audio is the next frame sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tingbao.paper.model import Issue
from tingbao.phone.errors import MediaMissingError
from tingbao.phone.media import FRAME_BYTES, SAMPLE_RATE, SILENCE_BYTE, Library, catalog
from tingbao.phone.media import prompt_text as words_of
from tingbao.phone.menu import (
    DEFAULT_TIMING,
    Action,
    CallState,
    Event,
    Finished,
    HangUp,
    Key,
    Listen,
    Missing,
    Play,
    Prompt,
    Silence,
    Tick,
    Timing,
    deadline,
    start,
    step,
)
from tingbao.phone.sip import SipCall

log = logging.getLogger(__name__)


class CallLog(Protocol):
    """Where a call's listening is recorded (records.py writes it to the database)."""

    def listened(self, item_id: str, issue_id: str, slow: bool) -> None:
        """Note that the caller chose an article or a whole issue."""


@dataclass
class CallResult:
    """How a call went, for its log line and record."""

    reason: str = ""
    keys: int = 0
    listened: list[str] = field(default_factory=list)


class CallRunner:
    """Drive one call until it ends; `run` blocks (call it in the call's thread)."""

    def __init__(
        self,
        call: SipCall,
        library: Library,
        timing: Timing = DEFAULT_TIMING,
        call_log: CallLog | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        lead_s: float = 0.06,
        tick_s: float = 0.01,
        tail_s: float = 0.3,
    ) -> None:
        self.call = call
        self.library = library
        self.timing = timing
        self.call_log = call_log
        self.clock = clock
        self.sleep = sleep
        self.lead_s = lead_s
        self.tick_s = tick_s
        self.tail_s = tail_s
        self.issues: Sequence[Issue] = ()
        self.pcm: bytes | None = None
        self.sent = 0
        self.result = CallResult()

    def position_s(self) -> float:
        """Return how far the caller has heard the current audio."""
        queued = round(self.call.queued_s() * SAMPLE_RATE)
        return max(0, self.sent - queued) / SAMPLE_RATE

    def run(self) -> CallResult:
        """Play the call to its end (the caller hangs up or the menu says goodbye)."""
        self.issues = list(self.library.issues())
        state, actions = start(catalog(self.issues), self.clock(), self.timing)
        state = self._apply(state, actions)
        while state.mode != "ended":
            if self.call.ended:
                self.result.reason = self.result.reason or "caller_hung_up"
                break
            now = self.clock()
            for digit in self.call.digits():
                self.result.keys += 1
                state = self._event(state, Key(digit, now, self.position_s()))
            if self._drained():
                self.pcm = None
                state = self._event(state, Finished(self.clock()))
            due = deadline(state)
            if due is not None and self.clock() >= due:
                state = self._event(state, Tick(self.clock()))
            self._pump()
            self.sleep(self.tick_s)
        return self.result

    def _event(self, state: CallState, event: Event) -> CallState:
        state, actions = step(state, event)
        return self._apply(state, actions)

    def _apply(self, state: CallState, actions: Sequence[Action]) -> CallState:
        for action in actions:
            if isinstance(action, Play):
                if not self._load(state, action):
                    return self._event(state, Missing(self.clock()))
            elif isinstance(action, Silence):
                self.call.flush()
                self.pcm = None
            elif isinstance(action, Listen):
                self.result.listened.append(action.item_id)
                if self.call_log is not None:
                    self.call_log.listened(action.item_id, action.issue_id, action.slow)
            elif isinstance(action, HangUp):
                self.result.reason = action.reason
                self.sleep(self.tail_s)  # the far end's jitter buffer still holds the goodbye
                self.call.hang_up()
        return state

    def _load(self, state: CallState, play: Play) -> bool:
        """Start playing the media of `play`; return False when its audio is missing."""
        self.call.flush()
        self.pcm = None
        media = play.media
        try:
            if isinstance(media, Prompt):
                issue = self.issues[media.issue] if self.issues else None
                hotline = self.library.hotline(issue) if issue is not None else None
                paper = self.library.paper_name
                words = words_of(media, self.issues, paper, hotline)
                pcm = self.library.prompt(words.text, words.slow)
            else:
                pcm = self.library.audio(media.item_id, media.slow)
        except MediaMissingError as exc:
            log.warning("call: no audio for %s: %s", media, exc)
            return False
        start_at = min(len(pcm), round(play.offset_s * SAMPLE_RATE))
        self.pcm, self.sent = pcm, start_at
        self._pump()
        return True

    def _pump(self) -> None:
        """Hand the stack frames until lead_s is queued or the audio is all sent."""
        pcm = self.pcm
        if pcm is None:
            return
        while self.sent < len(pcm) and self.call.queued_s() < self.lead_s:
            frame = pcm[self.sent : self.sent + FRAME_BYTES]
            self.sent += len(frame)
            if len(frame) < FRAME_BYTES:
                frame += bytes([SILENCE_BYTE]) * (FRAME_BYTES - len(frame))
            self.call.send(frame)

    def _drained(self) -> bool:
        """Return whether the current audio has been sent and played out."""
        pcm = self.pcm
        return pcm is not None and self.sent >= len(pcm) and self.call.queued_s() < 0.001
