"""What a caller hears, as a pure state machine: events in (a key, the audio finished, the clock),
actions out (play a prompt or a reading at an offset, fall silent, hang up, note a listen).

The keys (the issue's menu uses 8 and 9 both for articles and for 往期/热线; resolved so):
- On the menu: 1-7 an article of the issue (ARTICLE_KEYS), 0 the whole issue, * slow/normal,
  # the menu again, 8 back issues, 9 the hotline (read slowly, twice). Articles after the 7th
  are reached with 2 (next) from the 7th, or in the whole issue (0).
- While a reading plays: 4 back 15 s, 6 forward 15 s, 5 pause/resume, 2 next article, # menu,
  * switches speed at the same place, 0 the whole issue; other keys are ignored.
- In the back-issue list: 1-7 choose one (it becomes the issue of the menu), # back to this issue.
- Any key interrupts a prompt at once: keys are handled the same whether the prompt is still
  playing or has finished.
- The menu repeats after a pause while nothing is pressed; after `menu_silence_s` without a key
  (on the menu, or paused) and after `max_call_s` in all, a goodbye, then the line hangs up.
- When a reading ends the menu plays again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from tingbao.phone.prompts import ARTICLE_KEYS, BACK_ISSUES

PromptKind = Literal[
    "welcome",
    "menu",
    "back",
    "chosen",
    "hotline",
    "slow",
    "normal",
    "no_article",
    "last",
    "no_audio",
    "no_issue",
    "goodbye",
]
Mode = Literal["intro", "menu", "waiting", "prompt", "reading", "paused", "goodbye", "ended"]
MenuKind = Literal["main", "back"]
MENU_MODES: frozenset[Mode] = frozenset({"intro", "menu", "waiting", "prompt"})


@dataclass(frozen=True)
class IssueEntry:
    """An issue the line offers: its id, date and article ids in reading order."""

    id: str
    published: date
    article_ids: tuple[str, ...]


@dataclass(frozen=True)
class Timing:
    """The clock of a call, in seconds (tests shorten them)."""

    max_call_s: float = 30 * 60
    menu_silence_s: float = 2 * 60
    menu_pause_s: float = 4.0
    seek_s: float = 15.0
    slow_stretch: float = 4 / 3  # slow audio is this much longer (TINGBAO_SLOW_RATE -25%)


DEFAULT_TIMING = Timing()


@dataclass(frozen=True)
class Prompt:
    """Something the line says (worded by prompts.py), about issue number `issue` of the catalog."""

    kind: PromptKind
    issue: int = 0


@dataclass(frozen=True)
class Reading:
    """The audio of an article or of a whole issue (its id), at normal or slow speed."""

    item_id: str
    slow: bool = False


Media = Prompt | Reading


@dataclass(frozen=True)
class Key:
    """A key pressed; position_s is how far the current audio had played."""

    digit: str
    now: float
    position_s: float = 0.0


@dataclass(frozen=True)
class Finished:
    """The current audio played to its end."""

    now: float


@dataclass(frozen=True)
class Missing:
    """The current audio could not be had (not prepared)."""

    now: float


@dataclass(frozen=True)
class Tick:
    """The clock reached a deadline."""

    now: float


Event = Key | Finished | Missing | Tick


@dataclass(frozen=True)
class Play:
    """Play media from offset_s, replacing whatever plays."""

    media: Media
    offset_s: float = 0.0


@dataclass(frozen=True)
class Silence:
    """Stop the audio (a pause)."""


@dataclass(frozen=True)
class HangUp:
    """End the call."""

    reason: str


@dataclass(frozen=True)
class Listen:
    """The caller chose to listen to an article or an issue (for /stats)."""

    item_id: str
    issue_id: str
    slow: bool


Action = Play | Silence | HangUp | Listen


@dataclass(frozen=True)
class CallState:
    """Where a call is. `position_s` is where a paused reading stopped."""

    mode: Mode
    started_at: float
    quiet_since: float
    catalog: tuple[IssueEntry, ...]
    timing: Timing = DEFAULT_TIMING
    menu: MenuKind = "main"
    issue: int = 0
    article: int | None = None  # None with a reading: the whole issue
    slow: bool = False
    position_s: float = 0.0
    repeat_at: float | None = None
    end_reason: str = ""

    @property
    def entry(self) -> IssueEntry:
        """Return the issue the menu is about."""
        return self.catalog[self.issue]

    @property
    def reading(self) -> Reading:
        """Return the reading of the current article or whole issue."""
        entry = self.entry
        item = entry.id if self.article is None else entry.article_ids[self.article]
        return Reading(item, self.slow)


Step = tuple[CallState, tuple[Action, ...]]


def start(catalog: tuple[IssueEntry, ...], now: float, timing: Timing = DEFAULT_TIMING) -> Step:
    """Return the first state of a call and its first action (the welcome)."""
    state = CallState("intro", now, now, catalog, timing)
    if not catalog:
        return replace(state, mode="goodbye", end_reason="no_issue"), (Play(Prompt("no_issue")),)
    return state, (Play(Prompt("welcome")),)


def deadline(state: CallState) -> float | None:
    """Return when the call next needs a Tick (None: never)."""
    if state.mode in ("goodbye", "ended"):
        return None
    timing = state.timing
    times = [state.started_at + timing.max_call_s]
    if state.mode in MENU_MODES or state.mode == "paused":
        times.append(state.quiet_since + timing.menu_silence_s)
    if state.mode == "waiting" and state.repeat_at is not None:
        times.append(state.repeat_at)
    return min(times)


def step(state: CallState, event: Event) -> Step:
    """Return the next state and the actions an event causes."""
    if state.mode == "ended":
        return state, ()
    if state.mode == "goodbye":
        if isinstance(event, Finished | Missing):
            return replace(state, mode="ended"), (HangUp(state.end_reason or "goodbye"),)
        return state, ()
    if isinstance(event, Tick):
        return _tick(state, event.now)
    if isinstance(event, Key):
        return _key(replace(state, quiet_since=event.now), event)
    return _finished(state, event)


def _goodbye(state: CallState, reason: str) -> Step:
    return replace(state, mode="goodbye", end_reason=reason), (Play(Prompt("goodbye")),)


def _menu(state: CallState, now: float, kind: MenuKind = "main") -> Step:
    kind_prompt: PromptKind = "menu" if kind == "main" else "back"
    new = replace(state, mode="menu", menu=kind, repeat_at=None, quiet_since=now)
    return new, (Play(Prompt(kind_prompt, state.issue)),)


def _say(state: CallState, kind: PromptKind) -> Step:
    return replace(state, mode="prompt", menu="main"), (Play(Prompt(kind, state.issue)),)


def _tick(state: CallState, now: float) -> Step:
    timing = state.timing
    if now >= state.started_at + timing.max_call_s:
        return _goodbye(state, "max_call")
    quiet = state.mode in MENU_MODES or state.mode == "paused"
    if quiet and now >= state.quiet_since + timing.menu_silence_s:
        return _goodbye(state, "silence")
    if state.mode == "waiting" and state.repeat_at is not None and now >= state.repeat_at:
        quiet_since = state.quiet_since
        new, actions = _menu(state, now, state.menu)
        return replace(new, quiet_since=quiet_since), actions  # a repeat is not a key
    return state, ()


def _finished(state: CallState, event: Finished | Missing) -> Step:
    now = event.now
    if isinstance(event, Missing) and state.mode == "reading":
        return _say(state, "no_audio")
    if state.mode == "intro":
        return _menu(state, now)
    if state.mode == "menu":
        return replace(state, mode="waiting", repeat_at=now + state.timing.menu_pause_s), ()
    if state.mode in ("prompt", "reading"):
        return _menu(state, now)
    return state, ()


def _key(state: CallState, key: Key) -> Step:
    if state.mode in ("reading", "paused"):
        return _reading_key(state, key)
    if state.menu == "back":
        return _back_key(state, key)
    return _menu_key(state, key)


def _listen(state: CallState, article: int | None) -> Step:
    new = replace(state, mode="reading", menu="main", article=article, position_s=0.0)
    reading = new.reading
    return new, (Play(reading), Listen(reading.item_id, new.entry.id, reading.slow))


def _menu_key(state: CallState, key: Key) -> Step:
    digit = key.digit
    if digit.isdigit() and 1 <= int(digit) <= ARTICLE_KEYS:
        index = int(digit) - 1
        if index >= len(state.entry.article_ids):
            return _say(state, "no_article")
        return _listen(state, index)
    if digit == "0":
        return _listen(state, None)
    if digit == "*":
        new = replace(state, slow=not state.slow)
        return _say(new, "slow" if new.slow else "normal")
    if digit == "#":
        return _menu(state, key.now)
    if digit == "8":
        return _menu(state, key.now, "back")
    if digit == "9":
        return _say(state, "hotline")
    return state, ()


def _back_key(state: CallState, key: Key) -> Step:
    digit = key.digit
    if digit == "#":
        return _menu(replace(state, issue=0), key.now)
    if digit.isdigit() and 1 <= int(digit) <= BACK_ISSUES:
        chosen = int(digit)  # the catalog's entry 0 is the newest issue
        if chosen >= len(state.catalog):
            return _say(state, "no_article")
        return _say(replace(state, issue=chosen), "chosen")
    return state, ()


def _reading_key(state: CallState, key: Key) -> Step:
    digit, seek = key.digit, state.timing.seek_s
    position = state.position_s if state.mode == "paused" else key.position_s
    here = replace(state, mode="reading", position_s=position)
    if digit == "5":
        if state.mode == "paused":
            return here, (Play(here.reading, position),)
        return replace(state, mode="paused", position_s=position), (Silence(),)
    if digit in ("4", "6"):
        target = max(0.0, position - seek) if digit == "4" else position + seek
        return replace(here, position_s=target), (Play(here.reading, target),)
    if digit == "*":
        slow = not state.slow
        stretch = state.timing.slow_stretch
        target = position * stretch if slow else position / stretch
        new = replace(here, slow=slow, position_s=target)
        return new, (Play(new.reading, target),)
    if digit == "2":
        if state.article is None:
            return state, ()
        if state.article + 1 >= len(state.entry.article_ids):
            return _say(state, "last")
        return _listen(state, state.article + 1)
    if digit == "#":
        return _menu(state, key.now)
    if digit == "0":
        return _listen(state, None)
    return state, ()
