"""The call's state machine, table by table: keys, the end of audio, and the clock."""

from __future__ import annotations

from datetime import date

import pytest

from tingbao.phone.menu import (
    CallState,
    Event,
    Finished,
    HangUp,
    IssueEntry,
    Key,
    Listen,
    Missing,
    Play,
    Prompt,
    Reading,
    Silence,
    Tick,
    Timing,
    deadline,
    start,
    step,
)

NEW = IssueEntry("p-2020-07-30", date(2020, 7, 30), tuple(f"a{n}" for n in range(1, 10)))
OLD = IssueEntry("p-2020-06-30", date(2020, 6, 30), ("b1", "b2"))
TIMING = Timing(max_call_s=1800, menu_silence_s=120, menu_pause_s=4, seek_s=15)


def run(events: list[Event], catalog: tuple[IssueEntry, ...] = (NEW, OLD)) -> list[object]:
    """Return the actions of a call that starts at 0 and gets these events."""
    state, actions = start(catalog, 0.0, TIMING)
    out: list[object] = list(actions)
    for event in events:
        state, actions = step(state, event)
        out.extend(actions)
    return out


def last(events: list[Event], catalog: tuple[IssueEntry, ...] = (NEW, OLD)) -> object:
    return run(events, catalog)[-1]


def in_state(events: list[Event]) -> CallState:
    state, _ = start((NEW, OLD), 0.0, TIMING)
    for event in events:
        state, _ = step(state, event)
    return state


MENU = Prompt("menu")
READ1 = Reading("a1")


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], Play(Prompt("welcome"))),
        ([Finished(8)], Play(MENU)),
        ([Finished(8), Finished(30)], None),  # the menu ended: wait, then say it again
        ([Finished(8), Finished(30), Tick(34)], Play(MENU)),
        # Any key interrupts the welcome at once.
        ([Key("1", 2)], Listen("a1", NEW.id, False)),
        ([Key("7", 2)], Listen("a7", NEW.id, False)),
        ([Key("0", 2)], Listen(NEW.id, NEW.id, False)),
        ([Key("9", 2)], Play(Prompt("hotline"))),
        ([Key("9", 2), Finished(20)], Play(MENU)),
        ([Key("8", 2)], Play(Prompt("back"))),
        ([Key("8", 2), Key("1", 3)], Play(Prompt("chosen", 1))),
        ([Key("8", 2), Key("1", 3), Finished(5)], Play(Prompt("menu", 1))),
        ([Key("8", 2), Key("1", 3), Key("2", 6)], Listen("b2", OLD.id, False)),
        ([Key("8", 2), Key("1", 3), Key("3", 6)], Play(Prompt("no_article", 1))),
        ([Key("8", 2), Key("5", 3)], Play(Prompt("no_article"))),
        ([Key("8", 2), Key("#", 3)], Play(MENU)),
        ([Key("*", 2)], Play(Prompt("slow"))),
        ([Key("*", 2), Key("*", 3)], Play(Prompt("normal"))),
        ([Key("*", 2), Key("1", 3)], Listen("a1", NEW.id, True)),
        ([Key("#", 2)], Play(MENU)),
        ([Key("A", 2)], Play(Prompt("welcome"))),  # not a key of the menu: nothing happens
    ],
)
def test_menu_keys(events: list[Event], expected: object) -> None:
    actions = run(events)
    if expected is None:
        assert actions[-1] == Play(MENU) and in_state(events).mode == "waiting"
    else:
        assert actions[-1] == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (Key("4", 40, position_s=20), Play(READ1, 5)),
        (Key("4", 40, position_s=10), Play(READ1, 0)),
        (Key("6", 40, position_s=20), Play(READ1, 35)),
        (Key("5", 40, position_s=20), Silence()),
        (Key("2", 40, position_s=20), Listen("a2", NEW.id, False)),
        (Key("#", 40, position_s=20), Play(MENU)),
        (Key("*", 40, position_s=30), Play(Reading("a1", True), 40)),
        (Key("3", 40, position_s=20), Listen("a1", NEW.id, False)),  # ignored while reading
    ],
)
def test_reading_keys(key: Key, expected: object) -> None:
    assert last([Key("1", 2), key]) == expected


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([Key("1", 2), Key("5", 9, 7), Key("5", 30)], Play(READ1, 7)),  # resume where it was
        ([Key("1", 2), Key("5", 9, 7), Key("6", 30)], Play(READ1, 22)),
        ([Key("1", 2), Finished(60)], Play(MENU)),  # the article ended: the menu again
        ([Key("7", 2), Key("2", 5, 1)], Listen("a8", NEW.id, False)),  # past 7 with 2
        ([Key("7", 2), Key("2", 5), Key("2", 6), Key("2", 7)], Play(Prompt("last"))),
        ([Key("0", 2), Key("2", 5, 1)], Listen(NEW.id, NEW.id, False)),  # whole issue: no next
        ([Key("1", 2), Missing(2)], Play(Prompt("no_audio"))),
    ],
)
def test_reading_flow(events: list[Event], expected: object) -> None:
    assert last(events) == expected


@pytest.mark.parametrize(
    ("events", "expected", "reason"),
    [
        # Two minutes without a key on the menu (counted from when the menu began).
        ([Finished(8), Finished(30), Tick(127)], Play(MENU), ""),
        ([Finished(8), Finished(30), Tick(128)], Play(Prompt("goodbye")), "silence"),
        # A key restarts the two minutes.
        ([Finished(8), Key("#", 100), Tick(219)], Play(MENU), ""),
        ([Finished(8), Key("#", 100), Tick(220)], Play(Prompt("goodbye")), "silence"),
        # Paused counts as silence; a long article does not.
        ([Key("1", 2), Key("5", 3), Tick(123)], Play(Prompt("goodbye")), "silence"),
        ([Key("1", 2), Tick(500)], Listen("a1", NEW.id, False), ""),
        # Thirty minutes in all.
        ([Key("0", 2), Tick(1800)], Play(Prompt("goodbye")), "max_call"),
    ],
)
def test_timers(events: list[Event], expected: object, reason: str) -> None:
    assert last(events) == expected
    assert in_state(events).end_reason == reason


def test_goodbye_then_hang_up_and_nothing_after() -> None:
    events: list[Event] = [Finished(8), Finished(30), Tick(128), Key("1", 129), Finished(130)]
    assert run(events)[-1] == HangUp("silence")
    state = in_state(events)
    assert state.mode == "ended" and deadline(state) is None
    assert step(state, Key("1", 131)) == (state, ())


def test_no_issue_says_so_and_hangs_up() -> None:
    assert run([Finished(5)], catalog=()) == [Play(Prompt("no_issue")), HangUp("no_issue")]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], 120.0),  # silence on the welcome counts
        ([Finished(8), Finished(30)], 34.0),  # the menu's repeat
        ([Key("1", 2)], 1800.0),  # reading: only the call's limit
        ([Key("1", 2), Key("5", 10, 8)], 130.0),
    ],
)
def test_deadline(events: list[Event], expected: float) -> None:
    assert deadline(in_state(events)) == expected
