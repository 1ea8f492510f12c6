"""Real calls: baresip dials the line through kamailio, presses keys and records what it hears;
the recording is matched against the 8 kHz audio that should have played."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import select

from tests.phone.conftest import TEST_TIMING, RunningLine
from tests.phone.library import Prepared
from tests.phone.sipkit import Caller, find, u8_to_float, wait_connected
from tingbao.phone.media import prompt_text
from tingbao.phone.menu import Prompt
from tingbao.phone.tables import PhoneCallRow, PhoneListenRow

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]
MATCH = 0.8  # normalized correlation of a PCMU round trip of the same audio is about 0.99


def prompt_audio(prepared: Prepared, kind: str) -> np.ndarray:
    library = prepared.library
    issues = library.issues()
    words = prompt_text(
        Prompt(kind),  # type: ignore[arg-type]
        issues,
        library.paper_name,
        library.hotline(issues[0]),
    )
    return u8_to_float(library.prompt(words.text, words.slow))


def article_audio(prepared: Prepared, index: int, slow: bool = False) -> np.ndarray:
    return u8_to_float(prepared.library.audio(prepared.issue.articles[index].id, slow))


def test_welcome_then_article_then_slow_reading(
    running_line: RunningLine, prepared: Prepared, callers: Callable[[int], list[Caller]]
) -> None:
    (caller,) = callers(1)
    caller.dial(running_line.uri)
    wait_connected(caller)
    time.sleep(1.5)  # the welcome is longer: the key cuts it short
    caller.key("1")
    time.sleep(2.5)
    caller.key("*")
    time.sleep(2.5)
    caller.hang_up()
    heard = caller.recording()

    welcome = prompt_audio(prepared, "welcome")
    normal, slow = article_audio(prepared, 0), article_audio(prepared, 0, slow=True)
    at_welcome, score_welcome = find(heard, welcome[:4000])
    at_article, score_article = find(heard, normal[:12000])
    assert score_welcome > MATCH and score_article > MATCH, (score_welcome, score_article)
    assert at_welcome < at_article
    # The key interrupted the welcome: its last second never played.
    assert len(welcome) / 8000 > at_article - at_welcome + 1.0
    assert find(heard, welcome[-8000:])[1] < 0.5
    # After *, the slow reading plays from about the same place: the recording's last second
    # is a piece of the slow audio, found after the normal article.
    tail = heard[-12000:-4000]
    at_slow, score_slow = find(slow, tail)
    assert score_slow > MATCH, score_slow
    assert at_slow > 1.0  # not from the start: from where the normal reading was
    assert find(normal, tail)[1] < 0.5


def test_eight_calls_at_once_each_hear_their_article(
    running_line: RunningLine, prepared: Prepared, callers: Callable[[int], list[Caller]]
) -> None:
    group = callers(8)
    for caller in group:
        caller.dial(running_line.uri)
    for caller in group:
        wait_connected(caller)
    time.sleep(1.0)
    for n, caller in enumerate(group):
        caller.key(str(n % 3 + 1))
    time.sleep(3.0)
    for caller in group:
        caller.hang_up()
    for n, caller in enumerate(group):
        heard = caller.recording()
        expected = article_audio(prepared, n % 3)
        _at, score = find(heard, expected[:12000])
        assert score > MATCH, (n, score)
        others = [find(heard, article_audio(prepared, m)[:12000])[1] for m in range(3)]
        assert int(np.argmax(others)) == n % 3


def test_caller_hangs_up_mid_article(
    running_line: RunningLine, prepared: Prepared, callers: Callable[[int], list[Caller]]
) -> None:
    (caller,) = callers(1)
    before = running_line.line.stats.answered
    caller.dial(running_line.uri)
    wait_connected(caller)
    time.sleep(0.5)
    caller.key("2")
    time.sleep(1.5)
    caller.hang_up()
    heard = caller.recording()
    assert find(heard, article_audio(prepared, 1)[:8000])[1] > MATCH
    deadline = time.monotonic() + 5
    while running_line.line.stats.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running_line.line.stats.active == 0
    assert running_line.line.stats.answered == before + 1
    with running_line.db.session() as session:
        row = session.scalars(select(PhoneCallRow).order_by(PhoneCallRow.started_at.desc())).first()
        assert row is not None and row.reason == "caller_hung_up"
        listened = session.scalars(
            select(PhoneListenRow.item_id).where(PhoneListenRow.call_id == row.id)
        ).all()
    assert listened == [prepared.issue.articles[1].id]


def test_caller_who_presses_nothing_hears_goodbye(
    running_line: RunningLine, prepared: Prepared, callers: Callable[[int], list[Caller]]
) -> None:
    (caller,) = callers(1)
    caller.dial(running_line.uri)
    wait_connected(caller)
    limit = len(prompt_audio(prepared, "welcome")) / 8000 + TEST_TIMING.menu_silence_s + 8
    assert caller.wait_for("terminated", limit), caller.log()[-2000:]
    heard = caller.recording()
    welcome, goodbye = prompt_audio(prepared, "welcome"), prompt_audio(prepared, "goodbye")
    at_welcome, score_welcome = find(heard, welcome[:4000])
    at_goodbye, score_goodbye = find(heard, goodbye[: len(goodbye) - 2400])
    assert score_welcome > MATCH and score_goodbye > MATCH, (score_welcome, score_goodbye)
    # Nothing pressed for menu_silence_s (counted from the answer): the goodbye cuts in.
    waited = at_goodbye - at_welcome
    assert TEST_TIMING.menu_silence_s - 0.5 < waited < TEST_TIMING.menu_silence_s + 1.5
    with running_line.db.session() as session:
        row = session.scalars(select(PhoneCallRow).order_by(PhoneCallRow.started_at.desc())).first()
        assert row is not None and row.reason == "silence" and row.keys == 0
