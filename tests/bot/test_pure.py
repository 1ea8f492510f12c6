"""Table tests for the pure logic: words, callback data, splitting, pacing, flood limits, errors."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from tests.conftest import build_issue
from tingbao.bot.admin import safe_name
from tingbao.bot.errors import CallbackDataError
from tingbao.bot.inline import parse_offset
from tingbao.bot.keyboards import Callback, page_buttons, parse_callback, parse_start
from tingbao.bot.sending import classify
from tingbao.chat import render
from tingbao.chat.pacing import FloodGate, SendPacer
from tingbao.chat.texts import intent_of, search_words
from tingbao.paper.model import Article, Contact, Section


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("最新一期", "latest"),
        ("最新", "latest"),
        ("新闻", "latest"),
        ("收听全刊", "listen"),
        ("听", "listen"),
        ("我想听报纸", "listen"),
        ("往期", "archive"),
        ("新闻热线", "hotline"),
        ("热线", "hotline"),
        ("电话", "hotline"),
        ("投稿", "hotline"),
        ("订阅提醒", "subscribe"),
        ("订阅", "subscribe"),
        ("退订", "unsubscribe"),
        ("取消订阅", "unsubscribe"),
        ("帮助", "help"),
        ("  最新 ", "latest"),
        ("垃圾分类", None),
        ("", None),
        ("这是一段很长的话，里面虽然有最新两个字但是太长了不算命令", None),
    ],
)
def test_intent_of(text: str, intent: str | None) -> None:
    assert intent_of(text) == intent


@pytest.mark.parametrize(
    ("data", "action", "arg"),
    [
        ("art:a0123456789a", "art", "a0123456789a"),
        ("say:a0123456789a", "say", "a0123456789a"),
        ("iss:jinhongqiao-2020-07-30", "iss", "jinhongqiao-2020-07-30"),
        ("page:12", "page", "12"),
        ("pub:0123456789ab", "pub", "0123456789ab"),
        ("unsub:-", "unsub", "-"),
        ("find:0:电梯", "find", "0:电梯"),
        ("find:12:电梯 加装 5g", "find", "12:电梯 加装 5g"),
    ],
)
def test_parse_callback_accepts_our_shapes(data: str, action: str, arg: str) -> None:
    assert parse_callback(data) == Callback(action, arg)  # type: ignore[arg-type]
    assert parse_callback(data).encode() == data


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "art",
        "art:",
        "art:../../etc/passwd",
        "art:A0123456789A",
        "iss:jinhongqiao-2020-07-30/../x",
        "iss:/etc/passwd-2020-01-01",
        "page:-1",
        "page:99999",
        "pub:0123456789abc",
        "rm:a0123456789a",
        "art:a0123456789a\n",
        "x" * 65,
        "find:1:",
        "find:电梯",
        "find:1:电梯  加装",
        "find:1:电梯,加装",
        'find:1:电梯"',
        "find:1:" + "电" * 20,  # over 64 bytes
    ],
)
def test_parse_callback_refuses_everything_else(data: str | None) -> None:
    with pytest.raises(CallbackDataError):
        parse_callback(data)


def test_encode_refuses_bad_ids() -> None:
    with pytest.raises(CallbackDataError):
        Callback("art", "../x").encode()


@pytest.mark.parametrize(
    ("query", "fits"),
    [("电梯", True), ("电" * 18, True), ("电" * 19, False), ("电梯 加装", True), ("a b", True)],
)
def test_search_page_buttons_fit_or_are_left_out(query: str, fits: bool) -> None:
    data = [b.callback_data for b in page_buttons("find", 1, 12, query)]
    assert data == ([f"find:0:{query}", f"find:2:{query}"] if fits else [])
    assert all(len(str(d).encode()) <= 64 for d in data)


def test_archive_page_buttons() -> None:
    assert [b.text for b in page_buttons("page", 0, 2)] == ["下一页"]
    assert [b.callback_data for b in page_buttons("page", 1, 2)] == ["page:0"]
    assert page_buttons("page", 0, 1) == []


@pytest.mark.parametrize(
    ("payload", "link"),
    [
        ("art-a0123456789a", ("art", "a0123456789a")),
        ("slow-a0123456789a", ("slow", "a0123456789a")),
        ("slow-a0123456789", None),
        ("fast-a0123456789a", None),
        ("art-../../x", None),
        ("", None),
        ("art-a0123456789a-", None),
    ],
)
def test_parse_start(payload: str, link: tuple[str, str] | None) -> None:
    assert parse_start(payload) == link


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("搜 电梯", "电梯"),
        ("搜索电梯 加装", "电梯 加装"),
        ("  搜  电话 ", "电话"),
        ("搜", ""),
        ("电梯", None),
        ("我想搜电梯", None),
    ],
)
def test_search_words(text: str, words: str | None) -> None:
    assert search_words(text) == words


@pytest.mark.parametrize(
    ("title", "label"),
    [
        ("金虹桥 2020年8月1日", "金虹桥 2020年8月1日"),
        ("金虹桥 2020年8月刊", "金虹桥 2020年8月刊"),
        ("金虹桥 8月1日", "金虹桥 8月1日"),
        ("金虹桥 第12期", "2020年8月1日 金虹桥 第12期"),
        ("金虹桥 2019年8月刊", "2020年8月1日 金虹桥 2019年8月刊"),  # another month: say ours
    ],
)
def test_issue_label_names_the_date_once(title: str, label: str) -> None:
    assert render.issue_label(title, date(2020, 8, 1)) == label


def test_article_card_is_short_and_escaped() -> None:
    article = Article("a0123456789a", "<电梯>&", (Section(None, ("加装电梯" * 100, "第二段")),))
    card = render.article_card(article, date(2020, 7, 30), "金虹桥")
    title, paper, lead = card.split("\n")
    assert title == "<b>&lt;电梯&gt;&amp;</b>" and paper == "《金虹桥》2020年7月30日"
    assert len(lead) == 150 and lead.endswith("…") and "第二段" not in card
    assert render.first_line(article, 10) == "加装电梯加装电梯加…"
    assert render.hit_label("电梯", date(2020, 7, 30)) == "电梯（2020年7月30日）"


@pytest.mark.parametrize(
    ("offset", "position"), [("", 0), ("50", 50), ("abc", 0), ("-5", 0), ("99999999", 0)]
)
def test_inline_offset(offset: str, position: int) -> None:
    assert parse_offset(offset) == position


@pytest.mark.parametrize("limit", [200, 1000, 4096])
def test_article_split_keeps_every_character_under_limit(limit: int) -> None:
    paragraphs = tuple(f"第{n}段<&>" + "文" * (n * 97 % 700) + "。" * 3 for n in range(40))
    paragraphs += ("很长" * 3000,)  # one paragraph longer than any message, no sentence end
    article = Article("a0123456789a", "标题", (Section("小标题", paragraphs),), kicker="引题")
    parts = render.article_messages(article, limit)
    assert all(render.tg_len(p) <= limit for p in parts)
    plain = "".join(parts).replace("\n", "")
    expected = "<b>引题</b><b>标题</b><b>小标题</b>" + "".join(render.esc(p) for p in paragraphs)
    assert plain == expected


def test_short_article_is_one_message() -> None:
    article = build_issue().articles[1]
    [message] = render.article_messages(article)
    assert message.startswith("<b>决战创全、决胜小康、奋斗有我</b>\n<b>2020年虹桥镇精神文明")


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "00:00"), (61.5, "01:01"), (3599, "59:59"), (3725, "1:02:05")]
)
def test_clock_time(seconds: float, shown: str) -> None:
    assert render.clock_time(seconds) == shown


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("021-64059791", "021-64059791"),
        ("新闻热线：021-64059791、64059792", "021-64059791"),
        ("+86 21 6405 9791", "+86 21 6405 9791"),
        ("无", None),
        (None, None),
    ],
)
def test_first_phone(text: str | None, phone: str | None) -> None:
    assert render.first_phone(text) == phone


@pytest.mark.parametrize("data", [None, b"not json", b'{"chapters": [{"title": "x"}]}', b"[]"])
def test_chapters_fall_back_to_titles(data: bytes | None) -> None:
    issue = build_issue()
    assert render.chapters_text(issue, data).splitlines()[1] == f"1. {issue.articles[0].title}"


def test_chapters_with_times() -> None:
    data = json.dumps({"chapters": [{"startTime": 0, "title": "<开场>"}]}).encode()
    assert render.chapters_text(build_issue(), data) == "全刊目录：\n00:00  &lt;开场&gt;"


def test_contact_text() -> None:
    assert render.contact_text("报", Contact()) is None
    text = render.contact_text("报", Contact(email="a@b.c"))
    assert text == "《报》编辑部\n✉️ 投稿邮箱：a@b.c"


def test_preview_and_dates() -> None:
    issue = build_issue(published=date(2021, 1, 5))
    text = render.preview_text(issue, ["<警告>"])
    assert "📅 日期：2021年1月5日" in text and "· &lt;警告&gt;" in text


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacer_spaces_sends_overall_and_per_chat() -> None:
    clock = FakeClock()
    pacer = SendPacer(rate=10, per_chat_interval=1.0, clock=clock)
    waits = [pacer.reserve(chat, clock.now) for chat in (1, 2, 3, 1)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 1.0])
    clock.now = 200.0
    pacer.pause(5)
    assert pacer.reserve(9, clock.now) == pytest.approx(5.0)
    unlimited = SendPacer(rate=0, per_chat_interval=0, clock=clock)
    assert [unlimited.reserve(1, clock.now) for _ in range(3)] == [0.0, 0.0, 0.0]


async def test_pacer_wait_honours_a_pause_that_starts_while_waiting() -> None:
    clock = FakeClock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:
            pacer.pause(3)  # a 429 arrives while we wait
        clock.now += seconds

    pacer = SendPacer(rate=2, per_chat_interval=0, clock=clock, sleep=sleep)
    await pacer.wait(1)
    await pacer.wait(2)
    assert slept == pytest.approx([0.5, 2.5])  # the gap, then the rest of the pause
    assert clock.now == pytest.approx(103.0)


def test_flood_gate() -> None:
    clock = FakeClock()
    gate = FloodGate(limit=2, window=60, clock=clock)
    assert [gate.check(7) for _ in range(4)] == ["ok", "ok", "warn", "drop"]
    assert gate.check(8) == "ok"
    clock.now += 61
    assert gate.check(7) == "ok"


def test_flood_gate_forgets_quiet_users() -> None:
    clock = FakeClock()
    gate = FloodGate(limit=2, window=60, clock=clock, max_tracked=3)
    for user in (1, 2, 3):
        gate.check(user)
    clock.now += 30
    gate.check(3)
    clock.now += 31  # users 1 and 2 have been quiet for a whole window; 3 has not
    assert gate.check(4) == "ok"
    assert set(gate.seen) == {3, 4}


def _caused(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "outcome", "wait"),
    [
        (RetryAfter(3), "retry", 3.0),
        (RetryAfter(timedelta(seconds=2)), "retry", 2.0),
        (Forbidden("bot was blocked by the user"), "blocked", 0.0),
        (BadRequest("chat not found"), "failed", 0.0),
        (_caused(TimedOut(), httpx.ReadTimeout("r")), "unknown", 0.0),
        (_caused(TimedOut(), httpx.WriteTimeout("w")), "unknown", 0.0),
        (_caused(TimedOut(), httpx.ConnectTimeout("c")), "offline", 0.0),
        (_caused(TimedOut(), httpx.PoolTimeout("p")), "offline", 0.0),
        (_caused(NetworkError("x"), httpx.ConnectError("c")), "offline", 0.0),
        (_caused(NetworkError("x"), httpx.RemoteProtocolError("p")), "unknown", 0.0),
    ],
)
def test_classify(exc: Exception, outcome: str, wait: float) -> None:
    assert classify(exc) == (outcome, wait)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("金虹桥 2020-07.txt", "金虹桥_2020-07.txt"),
        ("../../etc/passwd.TXT", "passwd.txt"),
        ("a/b\\c.pdf", "b_c.pdf"),
        (None, "issue.txt"),
        ("noext", "noext.txt"),
    ],
)
def test_safe_name(name: str | None, safe: str) -> None:
    assert safe_name(name) == safe
