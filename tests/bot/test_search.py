"""Search in the bot: 搜 词, /search 词 and plain words, ranked, paged with buttons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.bot.conftest import StartBot
from tests.bot.data import save_issues
from tests.conftest import build_issue
from tingbao.chat import texts
from tingbao.store.issues import IssueStore

LIFT = ("居民区里加装电梯，方便老人上下楼。", "新闻热线021-64059791。")


def save_lift_issues(store: IssueStore, count: int) -> None:
    """Store count weekly issues, each with one article about the lift (and one not)."""
    for n in range(count):
        published = date(2020, 7, 30) - timedelta(days=7 * n)
        titles = (f"加装电梯第{n}批", f"夏季防汛第{n}次")
        store.save_issue(build_issue(published=published, titles=titles, paragraphs=LIFT))


@pytest.mark.parametrize("words", ["搜 电梯", "搜索电梯", "/search 电梯", "电梯", "搜 电梯！"])
async def test_every_way_of_asking_finds_title_hits_first(
    start_bot: StartBot, store: IssueStore, words: str
) -> None:
    save_lift_issues(store, 2)
    [hits] = await (await start_bot()).chat().say(words)
    assert hits.text == texts.SEARCH_HITS.format(count=4, query="电梯")
    assert [label for label, _ in hits.buttons()] == [
        "加装电梯第0批（2020年7月30日）",
        "加装电梯第1批（2020年7月23日）",
        "夏季防汛第0次（2020年7月30日）",
        "夏季防汛第1次（2020年7月23日）",
    ]


async def test_search_prefix_wins_over_keywords(start_bot: StartBot, store: IssueStore) -> None:
    save_lift_issues(store, 1)
    chat = (await start_bot()).chat()
    [hits] = await chat.say("搜 电话")  # 电话 alone asks for the hotline
    assert hits.text == texts.SEARCH_NONE.format(query="电话")
    [usage] = await chat.say("搜")
    assert usage.text == texts.SEARCH_USAGE
    [usage] = await chat.say("/search ，。")
    assert usage.text == texts.SEARCH_USAGE


async def test_results_are_paged_in_place(start_bot: StartBot, store: IssueStore) -> None:
    save_lift_issues(store, 10)  # no title has both words: 20 hits, newest first, 3 pages of 8
    chat = (await start_bot()).chat()
    [first] = await chat.say("搜 电梯 老人")
    assert "找到20篇" in first.text and "第1页，共3页" in first.text
    labels = [label for label, _ in first.buttons()]
    assert labels[-1] == "下一页" and len(labels) == 9
    assert labels[0] == "加装电梯第0批（2020年7月30日）"
    [second] = await chat.press(first.data_for("下一页"))
    assert second.method == "editMessageText" and "第2页，共3页" in second.text
    assert second.message_id is not None
    assert [label for label, _ in second.buttons()][-2:] == ["上一页", "下一页"]
    [third] = await chat.press(second.data_for("下一页"))
    shown = [label for label, _ in third.buttons()]
    assert shown[-1] == "上一页" and len(shown) == 5 and shown[0].startswith("加装电梯第8批")
    everything = {label for page in (first, second, third) for label, _ in page.buttons()}
    assert len(everything - {"上一页", "下一页"}) == 20
    assert all(len(data.encode()) <= 64 for p in (first, second) for _, data in p.buttons())


async def test_page_button_needs_no_memory(start_bot: StartBot, store: IssueStore) -> None:
    save_lift_issues(store, 10)
    chat = (await start_bot()).chat()  # a fresh bot: the query travels in the button
    [page] = await chat.press("find:2:电梯")
    assert "第3页，共3页" in page.text
    [last] = await chat.press("find:9:电梯")  # past the end (the archive shrank): the last page
    assert "第3页，共3页" in last.text
    [gone] = await chat.press("find:0:火星")
    assert gone.text == texts.SEARCH_NONE.format(query="火星")


async def test_a_query_too_long_for_buttons_still_shows_its_first_page(
    start_bot: StartBot, store: IssueStore
) -> None:
    save_lift_issues(store, 10)
    words = "搜 电梯 居民区里加装电梯 方便老人上下楼 新闻热线"  # over 64 bytes in a button
    [first] = await (await start_bot()).chat().say(words)
    assert "第1页，共3页" in first.text
    assert [label for label, _ in first.buttons() if "页" in label] == []


async def test_plain_words_that_find_nothing_are_not_understood(
    start_bot: StartBot, store: IssueStore
) -> None:
    save_issues(store)
    chat = (await start_bot()).chat()
    [unknown] = await chat.say("火星")
    assert unknown.text == texts.NOT_UNDERSTOOD
    [punct] = await chat.say("？？")
    assert punct.text == texts.NOT_UNDERSTOOD
